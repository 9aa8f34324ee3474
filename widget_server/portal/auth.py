"""Bearer portal-token authentication for the portal's JSON API."""

from __future__ import annotations

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
    raw = bearer_token()
    if raw is None:
        raise Unauthorized(_("Your session is missing. Reload the page to sign in again."),
                           code="missing_token")
    try:
        token = read_portal_token(current_app.config["SECRET_KEY"], raw)
    except InvalidPortalToken:
        from widget_server.portal.preview_guard import preview_context

        preview = preview_context()  # the dashboard's live preview (read-only)
        if preview is not None:
            g.portal_context = preview
            return preview
        raise Unauthorized(_("Your session has expired. Reload the page to continue."),
                           code="invalid_token") from None
    found = account_cache().lookup(token.account_id)
    if found is None or _revoked(found[0], token):
        raise Unauthorized(_("Your session has expired. Reload the page to continue."),
                           code="invalid_token")
    account, settings, stripe_key = found
    g.locale = negotiate_locale(
        explicit=request.args.get("locale") or token.locale,
        accept_language=request.accept_languages,
        account_default=settings["locale"],
        auto_detect=settings["auto_detect_locale"],
    )
    g.custom_strings = settings["custom_strings"].get(g.locale, {})
    context = PortalContext(account, settings, token, stripe_key)
    g.portal_context = context
    return context
