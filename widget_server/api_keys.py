"""Account API keys: created with a name (the key is shown once, only its SHA-256 is stored),
listed, revoked, and checked on every API request.

There is no cache of keys anywhere: every request reads the key's row, so a revoked key is
refused at once by every worker and every instance. "Last used" is written at most once per
``LAST_USED_RESOLUTION`` per key (a conditional UPDATE, so two instances racing write once),
not on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from widget_server.models import Account, ApiKey, utcnow

API_KEY_PREFIX = "wsk_"
MAX_NAME = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)
_SHOWN_PREFIX = 12  # "wsk_" and 8 random characters: enough to tell keys apart, not to guess


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class KeyUse:
    """An accepted API key: the account it opens and the key's name (for the audit trail)."""

    account: Account
    key_id: int
    name: str


def create_key(session: Session, account: Account, name: str) -> tuple[ApiKey, str]:
    """A new key for `account`: the row (flushed, so it has an id) and the key, shown once."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(account=account, prefix=key[:_SHOWN_PREFIX], key_hash=key_hash(key),
                 label=name.strip()[:MAX_NAME])
    session.add(row)
    session.flush()
    return row, key


def keys_of(session: Session, account: Account) -> list[ApiKey]:
    """The account's keys, active ones first, newest first."""
    rows = session.scalars(select(ApiKey).where(ApiKey.account_id == account.id)
                           .order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    return sorted(rows, key=lambda row: row.revoked_at is not None)


def key_of(session: Session, account: Account, key_id: int) -> ApiKey | None:
    """The key with this id if it belongs to `account` (None for another account's key)."""
    row = session.get(ApiKey, key_id)
    return row if row is not None and row.account_id == account.id else None


def revoke(row: ApiKey, now: datetime | None = None) -> bool:
    """Revoke the key; False when it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    return True


def authenticate(session: Session, key: str | None, now: datetime | None = None,
                 ) -> KeyUse | None:
    """The account a presented key opens, or None (unknown, malformed or revoked key).

    Updates ``last_used_at`` in the session when it is older than the resolution; the caller
    commits (or rolls back) as it does its own work.
    """
    if not isinstance(key, str) or not key.startswith(API_KEY_PREFIX) or len(key) > 200:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash(key)))
    if row is None or row.revoked_at is not None:
        return None
    owner = row.account.owner
    if owner is not None and owner.disabled_at is not None:  # as a preview token is refused
        return None
    now = now or utcnow()
    last = _aware(row.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        stale = now - LAST_USED_RESOLUTION
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == row.id,
                   or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= stale))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(row, "last_used_at", now)  # written above; no second UPDATE
    return KeyUse(account=row.account, key_id=row.id, name=row.label or row.prefix)
