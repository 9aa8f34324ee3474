"""Migrating from Servicebot or Billflow by changing one script URL: their ids and secrets.

An imported id (Servicebot's ``servicebot_id``, Billflow's ``billing_page_id``) becomes an
alias that names the account in ``POST /v1/embed/session``, so the settings object on the
owner's pages stays as it is. An imported identity secret becomes the account's current
secret (the one it replaces keeps working for the rotation overlap), so the owner's backend
keeps computing the same hashes. Pure domain code on a SQLAlchemy session (no Flask).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from widget_server.crypto import SecretBox
from widget_server.models import Account, AccountAlias, utcnow

SOURCES = ("servicebot", "billflow")
_ALIAS = re.compile(r"\A[A-Za-z0-9_\-]{1,64}\Z")
_SECRET = re.compile(r"\A[\x21-\x7e]{16,255}\Z")  # printable ASCII, no spaces


class ImportRefused(ValueError):
    """The id or secret cannot be imported; ``reason`` says why (a stable code)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_account(session: Session, account_id: str) -> Account | None:
    """The account a loader names: by its public id, or by an id imported into it."""
    if not isinstance(account_id, str) or not 0 < len(account_id) <= 64:
        return None
    found = session.scalar(select(Account).where(Account.public_id == account_id))
    return found or account_for_alias(session, account_id)


def account_for_alias(session: Session, alias: str) -> Account | None:
    if not isinstance(alias, str) or not _ALIAS.match(alias):
        return None
    row = session.scalar(select(AccountAlias).where(AccountAlias.alias == alias))
    return session.get(Account, row.account_id) if row is not None else None


def aliases_of(session: Session, account: Account) -> list[AccountAlias]:
    return list(session.scalars(
        select(AccountAlias).where(AccountAlias.account_id == account.id)
        .order_by(AccountAlias.id)))


def import_alias(session: Session, account: Account, alias: str, source: str) -> AccountAlias:
    """Make `alias` name `account` (flushed, not committed)."""
    alias = alias.strip()
    if source not in SOURCES:
        raise ImportRefused("source")
    if not _ALIAS.match(alias):
        raise ImportRefused("alias_format")
    taken = session.scalar(select(AccountAlias).where(AccountAlias.alias == alias))
    if taken is not None or session.scalar(
            select(Account.id).where(Account.public_id == alias)) is not None:
        raise ImportRefused("alias_taken")
    row = AccountAlias(alias=alias, account_id=account.id, source=source)
    session.add(row)
    session.flush()
    return row


def remove_alias(session: Session, account: Account, alias_id: int) -> AccountAlias | None:
    row = session.get(AccountAlias, alias_id)
    if row is None or row.account_id != account.id:
        return None
    session.delete(row)
    return row


def import_secret(box: SecretBox, account: Account, secret: str, *, overlap_seconds: int,
                  now: datetime | None = None) -> None:
    """Make `secret` the account's identity secret; the replaced one keeps working for the
    overlap, as after a rotation."""
    if not isinstance(secret, str) or not _SECRET.match(secret):
        raise ImportRefused("secret_format")
    now = now or utcnow()
    account.previous_hmac_secret_encrypted = account.hmac_secret_encrypted
    account.previous_secret_expires_at = now + timedelta(seconds=max(0, overlap_seconds))
    account.hmac_secret_encrypted = box.encrypt(secret)
