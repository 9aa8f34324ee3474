"""Bearer portal-token authentication for the portal's JSON API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from flask import current_app, g, request

from widget_server.bearer import bearer_token
from widget_server.errors import Unauthorized
from widget_server.i18n import _, negotiate_locale
from widget_server.identity import InvalidPortalToken, PortalToken, read_portal_token
from widget_server.models import Account
from widget_server.portal.account_cache import account_cache


@dataclass(frozen=True)
class PortalContext:
    """The authenticated portal request: account, its settings and the customers it may see."""

    account: Account
    settings: dict[str, Any]
    token: PortalToken
    stripe_key: str

    @property
    def customer_ids(self) -> tuple[str, ...]:
        return self.token.customer_ids

    def owns_customer(self, customer_id: str | None) -> bool:
        return customer_id is not None and customer_id in self.token.customer_ids


def _revoked(account: Account, token: PortalToken) -> bool:
    """Issued before the account's last revoking secret rotation (REVOKE_TOKENS_ON_ROTATION)."""
    after = account.tokens_valid_after
    if after is None:
        return False
    if after.tzinfo is None:  # SQLite drops the zone; we always store UTC
        after = after.replace(tzinfo=UTC)
    return token.issued_at_ms < after.timestamp() * 1000


def portal_context() -> PortalContext:
    """Authenticate the request's Bearer token (cached on g); sets the request locale."""
    cached: PortalContext | None = g.get("portal_context")
    if cached is not None:
        return cached
    token = _token()
    if isinstance(token, PortalContext):
        return token
    found = account_cache().lookup(token.account_id)
    if found is None or _revoked(found[0], token):
        raise _expired()
    context = _context(token, *found)
    g.portal_context = context
    return context


def early_portal_context() -> tuple[PortalContext, Callable[[], bool] | None]:
    """``portal_context`` from this process's copy of the account, before the copy's token is
    read: ``(context, confirm)``.

    ``confirm()`` reads the token (one round trip to Redis or the database, which the caller
    runs while it waits for something else); only when it returns True may what was read with
    this context be used (the context is then the request's). When it returns False the account
    changed meanwhile: discard it all and call ``portal_context()``. ``confirm`` is None when
    the context is already confirmed (no copy in this process, or a preview)."""
    cached: PortalContext | None = g.get("portal_context")
    if cached is not None:
        return cached, None
    token = _token()
    if isinstance(token, PortalContext):
        return token, None
    cache = account_cache()
    entry = cache.unconfirmed(token.account_id)
    if entry is None or _revoked(entry.account, token):
        return portal_context(), None
    context = _context(token, entry.account, dict(entry.settings), entry.stripe_key)

    def confirm() -> bool:
        if not cache.is_current(token.account_id, entry):
            return False
        g.portal_context = context
        return True

    return context, confirm


def _token() -> PortalToken | PortalContext:
    """The request's verified portal token, or the dashboard preview's context."""
    raw = bearer_token()
    if raw is None:
        raise Unauthorized(_("Your session is missing. Reload the page to sign in again."),
                           code="missing_token")
    try:
        return read_portal_token(current_app.config["SECRET_KEY"], raw)
    except InvalidPortalToken:
        from widget_server.portal.preview_guard import preview_context

        preview = preview_context()  # the dashboard's live preview (read-only)
        if preview is not None:
            g.portal_context = preview
            return preview
        raise _expired() from None


def _expired() -> Unauthorized:
    return Unauthorized(_("Your session has expired. Reload the page to continue."),
                        code="invalid_token")


def _context(token: PortalToken, account: Account, settings: dict[str, Any],
             stripe_key: str) -> PortalContext:
    """The context of a found account; sets the request's locale from its settings."""
    g.locale = negotiate_locale(
        explicit=request.args.get("locale") or token.locale,
        accept_language=request.accept_languages,
        account_default=settings["locale"],
        auto_detect=settings["auto_detect_locale"],
    )
    g.custom_strings = settings["custom_strings"].get(g.locale, {})
    return PortalContext(account, settings, token, stripe_key)
