"""Accounts: creation, Stripe keys and HMAC secrets (encrypted), rotation, API keys, settings."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from widget_server import api_keys, features
from widget_server.crypto import SecretBox
from widget_server.models import Account, utcnow

EXTENSION_BOX = "widget_server.secret_box"
_STRIPE_KEY = re.compile(r"\A(sk|rk)_(test|live)_[A-Za-z0-9_]{1,255}\Z")
_WEBHOOK_SECRET = re.compile(r"\Awhsec_[A-Za-z0-9+/=_\-]{16,200}\Z")
_ORIGIN = re.compile(r"\Ahttps?://[a-z0-9.\-]+(:\d{1,5})?\Z")
API_KEY_PREFIX = api_keys.API_KEY_PREFIX


class AccountError(ValueError):
    """Bad input for an account (Stripe key, origin, setting); nothing was changed."""


def secret_box(app: Flask | None = None) -> SecretBox:
    box: SecretBox = (app or current_app).extensions[EXTENSION_BOX]
    return box


def parse_stripe_key(key: str) -> bool:
    """Validate a Stripe secret or restricted key; return True for live mode."""
    match = _STRIPE_KEY.match(key.strip()) if isinstance(key, str) else None
    if not match:
        raise AccountError(
            "the Stripe key must be a secret key (sk_test_… / sk_live_…) or a restricted key "
            "(rk_test_… / rk_live_…); publishable keys (pk_…) cannot read subscriptions"
        )
    return match.group(2) == "live"


def parse_webhook_secret(secret: str) -> str:
    """A Stripe webhook signing secret (``whsec_…``, from the endpoint's page in Stripe)."""
    cleaned = secret.strip() if isinstance(secret, str) else ""
    if not _WEBHOOK_SECRET.match(cleaned):
        raise AccountError("the webhook signing secret must look like whsec_… (copy it from "
                           "the endpoint's page in Stripe: Developers → Webhooks)")
    return cleaned


def normalize_origin(origin: str) -> str:
    # Scheme and host are case-insensitive (RFC 3986): HTTPS://App.Example.com is accepted and
    # stored as https://app.example.com, the form browsers send in the Origin header.
    cleaned = origin.strip().rstrip("/").lower() if isinstance(origin, str) else ""
    if not _ORIGIN.match(cleaned):
        raise AccountError(
            f"allowed origin {origin!r} must be a scheme and host, like https://app.example.com"
        )
    return cleaned


def new_account_id() -> str:
    return "acct_" + secrets.token_hex(8)


def new_hmac_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class CreatedAccount:
    account: Account
    hmac_secret: str


class AccountService:
    """Everything that reads or changes an account, on one SQLAlchemy session."""

    def __init__(self, session: Session, box: SecretBox) -> None:
        self.session = session
        self.box = box

    def create(
        self,
        *,
        name: str,
        stripe_key: str,
        allowed_origins: list[str] | None = None,
        settings: dict[str, Any] | None = None,
        public_id: str | None = None,
        hmac_secret: str | None = None,
    ) -> CreatedAccount:
        if not name.strip():
            raise AccountError("the account needs a name")
        live = parse_stripe_key(stripe_key)
        origins = [normalize_origin(o) for o in allowed_origins or []]
        merged = self._validated(settings or {}, current=None, live=live)
        secret = hmac_secret or new_hmac_secret()
        account = Account(
            public_id=public_id or new_account_id(),
            name=name.strip(),
            stripe_key_encrypted=self.box.encrypt(stripe_key.strip()),
            live_mode=live,
            hmac_secret_encrypted=self.box.encrypt(secret),
            allowed_origins=origins,
            settings=merged,
        )
        self.session.add(account)
        self.session.flush()
        return CreatedAccount(account, secret)

    def get(self, public_id: str) -> Account | None:
        if not isinstance(public_id, str) or len(public_id) > 40:
            return None
        return self.session.scalar(select(Account).where(Account.public_id == public_id))

    def all(self) -> list[Account]:
        return list(self.session.scalars(select(Account).order_by(Account.id)))

    def stripe_key(self, account: Account) -> str:
        return self.box.decrypt(account.stripe_key_encrypted)

    def set_stripe_key(self, account: Account, key: str) -> None:
        live = parse_stripe_key(key)
        self._validated({}, current=account.settings, live=live)
        account.stripe_key_encrypted = self.box.encrypt(key.strip())
        account.live_mode = live

    def identity_secrets(self, account: Account, now: datetime | None = None) -> list[str]:
        """The current HMAC secret, then the previous one while its overlap window lasts."""
        now = now or utcnow()
        found = [self.box.decrypt(account.hmac_secret_encrypted)]
        expires = account.previous_secret_expires_at
        if account.previous_hmac_secret_encrypted and expires is not None:
            if expires.tzinfo is None:  # SQLite drops the zone; we always store UTC
                expires = expires.replace(tzinfo=UTC)
            if now < expires:
                found.append(self.box.decrypt(account.previous_hmac_secret_encrypted))
        return found

    def rotate_secret(
        self, account: Account, *, overlap_seconds: int, now: datetime | None = None,
        revoke_tokens: bool = False,
    ) -> str:
        """Make a new current secret; the old one keeps working for `overlap_seconds`.

        With `revoke_tokens`, every portal token issued until now is refused from now on (the
        open portals ask their page for a new session, signed with whichever secret it has).
        """
        now = now or utcnow()
        if revoke_tokens:
            account.tokens_valid_after = now
        secret = new_hmac_secret()
        account.previous_hmac_secret_encrypted = account.hmac_secret_encrypted
        account.previous_secret_expires_at = now + timedelta(seconds=max(0, overlap_seconds))
        account.hmac_secret_encrypted = self.box.encrypt(secret)
        return secret

    def set_webhook_secret(self, account: Account, secret: str, *, overlap_seconds: int,
                           now: datetime | None = None) -> None:
        """Store the endpoint's signing secret; a replaced one is still accepted for
        `overlap_seconds` (deliveries already signed with it, Stripe rolling its secret)."""
        cleaned = parse_webhook_secret(secret)
        now = now or utcnow()
        current = account.webhook_secret_encrypted
        if current is not None and self.box.decrypt(current) != cleaned:
            account.previous_webhook_secret_encrypted = current
            account.previous_webhook_secret_expires_at = now + timedelta(
                seconds=max(0, overlap_seconds))
        account.webhook_secret_encrypted = self.box.encrypt(cleaned)

    def clear_webhook_secret(self, account: Account) -> None:
        """No webhook any more: deliveries are refused and views are read from Stripe."""
        account.webhook_secret_encrypted = None
        account.previous_webhook_secret_encrypted = None
        account.previous_webhook_secret_expires_at = None

    def webhook_secrets(self, account: Account, now: datetime | None = None) -> list[str]:
        """The current signing secret, then the previous one while its overlap lasts."""
        if account.webhook_secret_encrypted is None:
            return []
        found = [self.box.decrypt(account.webhook_secret_encrypted)]
        expires = account.previous_webhook_secret_expires_at
        if account.previous_webhook_secret_encrypted and expires is not None:
            if expires.tzinfo is None:  # SQLite drops the zone; we always store UTC
                expires = expires.replace(tzinfo=UTC)
            if (now or utcnow()) < expires:
                found.append(self.box.decrypt(account.previous_webhook_secret_encrypted))
        return found

    def settings(self, account: Account) -> dict[str, Any]:
        merged = features.defaults()
        merged.update(account.settings or {})
        return merged

    def update_settings(self, account: Account, changes: dict[str, Any]) -> dict[str, Any]:
        merged = self._validated(changes, current=account.settings, live=account.live_mode)
        account.settings = merged
        return merged

    def set_allowed_origins(self, account: Account, origins: list[str]) -> list[str]:
        account.allowed_origins = [normalize_origin(o) for o in origins]
        return account.allowed_origins

    def create_api_key(self, account: Account, label: str = "") -> str:
        """Return a new API key; only its hash is stored, so it is shown once."""
        return api_keys.create_key(self.session, account, label)[1]

    def account_for_api_key(self, key: str) -> Account | None:
        found = api_keys.authenticate(self.session, key)
        return found.account if found is not None else None

    @staticmethod
    def _validated(
        changes: dict[str, Any], *, current: dict[str, Any] | None, live: bool
    ) -> dict[str, Any]:
        try:
            return features.validate_settings(changes, current=current, live_mode=live)
        except features.FeatureError as exc:
            raise AccountError(str(exc)) from None

