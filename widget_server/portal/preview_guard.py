"""The portal read by the dashboard's live preview: settings from the owner's draft, and
every write refused on the server.

A preview token (``preview_token.py``) is accepted by the portal's JSON API in place of a
portal token, only while its owner still owns the account (and is not disabled) and its
draft exists. Reads use the draft's settings; every request that could change anything
(any POST, PATCH or DELETE but the ``…/preview`` price quotes) is answered 403
``preview_read_only`` before the view runs, so no button, script or direct call can write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, request

from widget_server.accounts import AccountService, secret_box
from widget_server.bearer import bearer_token
from widget_server.db import get_session
from widget_server.errors import Forbidden, Unauthorized
from widget_server.i18n import _, negotiate_locale
from widget_server.identity import PortalToken
from widget_server.models import Owner
from widget_server.portal import bp
from widget_server.preview_drafts import find_draft
from widget_server.preview_token import InvalidPreviewToken, PreviewToken, read_preview_token

if TYPE_CHECKING:
    from widget_server.portal.auth import PortalContext

PREVIEW_MODE = "preview"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _preview_token() -> PreviewToken | None:
    raw = bearer_token()
    if raw is None:
        return None
    try:
        return read_preview_token(current_app.config["SECRET_KEY"], raw)
    except InvalidPreviewToken:
        return None


def is_preview_request() -> bool:
    """Whether this request carries a valid preview token."""
    return _preview_token() is not None


@bp.before_request
def _refuse_writes_in_preview() -> None:
    if request.method in _READS or not request.path.startswith("/v1/portal"):
        return
    if request.path.endswith("/preview") or not is_preview_request():
        return
    preview_context()  # sets the request's locale from the token, so the refusal is translated
    raise Forbidden(_("This is a preview: nothing can be changed here. The customer's own "
                      "portal allows this action when the settings do."),
                    code="preview_read_only")


def preview_context() -> PortalContext | None:
    """The portal context of a preview token, or None when the Bearer value is not one."""
    from widget_server.portal.auth import PortalContext

    token = _preview_token()
    if token is None:
        return None
    expired = Unauthorized(_("This preview has expired. Reload the preview to continue."),
                           code="invalid_token")
    session = get_session()
    service = AccountService(session, secret_box())
    account = service.get(token.account_id)
    owner = session.get(Owner, token.owner_id)
    if (account is None or owner is None or owner.disabled_at is not None
            or account.owner_id != owner.id or owner.session_epoch != token.session_epoch):
        raise expired
    draft = find_draft(session, token.draft_id, account_id=account.id, owner_id=owner.id)
    if draft is None:
        raise expired
    settings = {**service.settings(account), **draft.settings}
    g.locale = negotiate_locale(
        explicit=token.locale, accept_language=request.accept_languages,
        account_default=settings["locale"], auto_detect=settings["auto_detect_locale"])
    g.custom_strings = (settings.get("custom_strings") or {}).get(g.locale, {})
    portal_token = PortalToken(account_id=account.public_id, customer_ids=token.customer_ids,
                               mode=PREVIEW_MODE, locale=token.locale,
                               expires_at=token.expires_at, issued_at_ms=token.issued_at_ms)
    return PortalContext(account, settings, portal_token, service.stripe_key(account))
