"""Typed SQLAlchemy 2 models. Secrets are stored encrypted (see crypto.SecretBox)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Owner(Base):
    """A dashboard user who owns accounts."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped at sign-out and password change: every session cookie carrying an older value,
    # copies included, stops working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    accounts: Mapped[list[Account]] = relationship(back_populates="owner")


class Account(Base):
    """A site owner's portal configuration for one Stripe account."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"), default=None)
    stripe_key_encrypted: Mapped[str] = mapped_column(Text)
    live_mode: Mapped[bool] = mapped_column(default=False)
    hmac_secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_hmac_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    # Portal tokens issued before this moment are refused (set by a secret rotation when
    # REVOKE_TOKENS_ON_ROTATION is on).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The signing secret of the account's Stripe webhook endpoint (encrypted); while it is
    # set, portal views are served from snapshots that Stripe's events invalidate.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_webhook_secret_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    owner: Mapped[Owner | None] = relationship(back_populates="accounts")
    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="account")


class ApiKey(Base):
    """A server-to-server API key; only its SHA-256 is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    prefix: Mapped[str] = mapped_column(String(24), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    account: Mapped[Account] = relationship(back_populates="api_keys")


class HostedSession(Base):
    """A one-time code behind a hosted portal URL (DESIGN §3.2); only its hash is stored."""

    __tablename__ = "hosted_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(String(255))
    return_url: Mapped[str] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The checked flow_data (contract.flows.FlowOut) the page opens into; None: the home page.
    flow: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class AuditEvent(Base):
    """Who changed what, when, and how it ended. Never holds secrets."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    actor_type: Mapped[str] = mapped_column(String(20))  # customer | owner | api | system
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255), default="")
    result: Mapped[str] = mapped_column(String(20), default="ok")  # ok | error | refused
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PreviewDraft(Base):
    """Settings being edited in the dashboard, not saved yet, that the live preview shows.

    Keyed by a random id; bound to the owner who edits and the account. Short-lived: a row
    past ``expires_at`` is never read and is deleted when the owner next saves a draft."""

    __tablename__ = "preview_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    customer_id: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StripeEvent(Base):
    """A Stripe webhook event already applied, so a redelivery is applied only once."""

    __tablename__ = "stripe_events"
    __table_args__ = (
        UniqueConstraint("account_id", "event_id", name="uq_stripe_events_account_event"),
        Index("ix_stripe_events_account_received", "account_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FirstRun(Base):
    """The claim of the first-run page: one row at most (its primary key is fixed), inserted in
    the transaction that creates the first owner, so two concurrent first runs make one owner."""

    __tablename__ = "first_run"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OwnerInvite(Base):
    """A one-time link inviting a new owner; only the SHA-256 of its code is stored."""

    __tablename__ = "owner_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    invited_by: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AccountAlias(Base):
    """An id imported from Servicebot or Billflow that names an account in embed sessions."""

    __tablename__ = "account_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # servicebot | billflow
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ViewToken(Base):
    """The generation token of a view-snapshot name (an account's public id, or
    ``account:customer``), shared by every process when there is no Redis (``billing.view_cache``;
    ``billing_web.view_tokens``). A bump replaces the token; rows past ``expires_at`` (unix
    seconds, outliving every snapshot made under them) are deleted now and then."""

    __tablename__ = "view_tokens"
    __table_args__ = (Index("ix_view_tokens_expires_at", "expires_at"),)

    name: Mapped[str] = mapped_column(String(320), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[int] = mapped_column(BigInteger)


class LoginCode(Base):
    """A one-time sign-in code sent by email (``widget_server.login``): only its keyed hash is
    kept. ``scope`` is an account's public id (its login page) or ``profile`` (the profile
    page); ``email_key`` is the keyed hash of the ASCII-lowercased email, never the address."""

    __tablename__ = "login_codes"
    __table_args__ = (Index("ix_login_codes_scope_email", "scope", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    email_key: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    customer_ids: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
