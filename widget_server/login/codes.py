"""One-time sign-in codes: six digits, short-lived, single-use, a few attempts each.

Only keyed hashes are stored (HMAC-SHA256 under the service's SECRET_KEY): a copy of the
database gives neither the codes (a plain hash of six digits falls to a million guesses) nor
the email addresses. A new code for the same page and email voids the earlier ones. No Flask:
the web layer passes the session, the key and the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from widget_server.identity import ascii_lower
from widget_server.models import LoginCode

CODE_DIGITS = 6
PROFILE_SCOPE = "profile"
PURGE_BATCH = 200  # expired rows deleted, at most, each time a code is stored


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalized_code(raw: str) -> str:
    """What the customer typed, without spaces or dashes (a code pasted as "123 456")."""
    return "".join(ch for ch in raw if ch not in " -\u00a0\t")[:32]


def _keyed(secret_key: str, *parts: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), "\x1f".join(parts).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def email_key(secret_key: str, email: str) -> str:
    """The stored form of an address: ASCII-lowercased (as identity.same_email), keyed."""
    return _keyed(secret_key, "login-email", ascii_lower(email))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def store(session: Session, secret_key: str, *, scope: str, email: str, code: str,
          customer_ids: str, locale: str | None, ttl_seconds: int, now: datetime) -> None:
    """Keep the code's hash; void every earlier unused code of this scope and email; delete
    a bounded batch of expired codes (of any scope), so the table does not grow forever."""
    key = email_key(secret_key, email)
    expired = list(session.scalars(select(LoginCode.id).where(LoginCode.expires_at < now)
                                   .order_by(LoginCode.id).limit(PURGE_BATCH)))
    if expired:
        session.execute(delete(LoginCode).where(LoginCode.id.in_(expired)))
    session.execute(update(LoginCode)
                    .where(LoginCode.scope == scope, LoginCode.email_key == key,
                           LoginCode.used_at.is_(None))
                    .values(used_at=now))
    session.add(LoginCode(scope=scope, email_key=key,
                          code_hash=_keyed(secret_key, "login-code", scope, key, code),
                          customer_ids=customer_ids, locale=locale, attempts=0,
                          created_at=now, expires_at=now + timedelta(seconds=ttl_seconds)))
    session.commit()


@dataclass(frozen=True)
class Redeemed:
    """A code that was right: the customers it was sent for and the page's locale."""

    customer_ids: tuple[str, ...]
    locale: str | None


def redeem(session: Session, secret_key: str, *, scope: str, email: str, code: str,
           max_attempts: int, now: datetime) -> Redeemed | None:
    """The code's customers when it is this scope and email's live code; None otherwise.

    A wrong code counts an attempt; after `max_attempts` the code is void even if right. Every
    refusal does the same work whether or not the address has a code (one conditional UPDATE
    and a commit), and the count is atomic (``attempts < max`` in the UPDATE's WHERE), so
    parallel wrong guesses cannot exceed the maximum. The claim is one conditional UPDATE too,
    so two tabs cannot both use a code.
    """
    key = email_key(secret_key, email)
    live = (LoginCode.scope == scope, LoginCode.email_key == key, LoginCode.used_at.is_(None))
    row = session.scalar(select(LoginCode).where(*live)
                         .order_by(LoginCode.id.desc()).limit(1))
    expected = _keyed(secret_key, "login-code", scope, key, normalized_code(code))
    right = row is not None and hmac.compare_digest(row.code_hash, expected)
    if row is None or not right or _aware(row.expires_at) <= now:
        session.execute(update(LoginCode)
                        .where(*live, LoginCode.attempts < max_attempts)
                        .values(attempts=LoginCode.attempts + 1))
        session.commit()
        return None
    claimed = session.execute(update(LoginCode)
                              .where(LoginCode.id == row.id, LoginCode.used_at.is_(None),
                                     LoginCode.attempts < max_attempts)
                              .values(used_at=now))
    session.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    ids = tuple(part for part in row.customer_ids.split(",") if part)
    return Redeemed(customer_ids=ids, locale=row.locale)
