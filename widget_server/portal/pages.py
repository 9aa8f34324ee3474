"""The portal's HTML pages: the iframe page and the portal app at its stable URL.

The hosted full-page portal is rendered by ``api.hosted`` with ``portal/hosted.html``; both
pages render the same app (``static/portal/*.js``), which reads everything else from the JSON
API with the portal token.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, render_template, request
from sqlalchemy import select

from widget_server import legacy
from widget_server.accounts import AccountService, secret_box
from widget_server.assets.build import PORTAL_SCRIPTS as PORTAL_SCRIPTS  # its old home
from widget_server.assets.serve import assets, send_asset
from widget_server.db import get_session
from widget_server.features import defaults as default_settings
from widget_server.i18n import _, negotiate_locale, text_direction
from widget_server.models import Account
from widget_server.portal import bp
from widget_server.portal.embed_headers import frame_ancestors_header, with_frame_ancestors

# The portal app (built by widget_server.assets from PORTAL_SCRIPTS, in that order) at a stable
# URL: the loader's inline mode loads it from there (pinned loaders keep doing so).
BUNDLE_PATH = "/portal/assets/portal.js"
BUNDLE_CACHE = "public, max-age=300"
_ACCOUNT_ID = re.compile(r"\Aacct_[A-Za-z0-9]{1,35}\Z")


def boot_strings() -> dict[str, str]:
    """The few strings the page needs before the portal JSON (and its strings) arrive."""
    return {
        "Loading…": _("Loading…"),
        "We couldn't load your billing information.":
            _("We couldn't load your billing information."),
        "Try again": _("Try again"),
        "We couldn't reach the server. Check your connection and try again.":
            _("We couldn't reach the server. Check your connection and try again."),
        "Something went wrong. Please try again.": _("Something went wrong. Please try again."),
    }


@bp.app_context_processor
def _portal_template_helpers() -> dict[str, Any]:
    return {"portal_boot_strings": boot_strings,
            "text_direction": text_direction}


def _find_account(public_id: str) -> Account | None:
    if not _ACCOUNT_ID.match(public_id):  # else maybe an id imported from Servicebot/Billflow
        return legacy.account_for_alias(get_session(), public_id)
    return get_session().scalar(select(Account).where(Account.public_id == public_id))


def _use_locale(settings: dict[str, Any]) -> str:
    """Negotiate the page's language (DESIGN §9) and make it the request's locale."""
    browser = [tag for tag in request.args.getlist("browser_locale")[:10] if len(tag) <= 35]
    g.locale = negotiate_locale(
        explicit=request.args.get("locale"),
        browser=browser,
        accept_language=request.accept_languages,
        account_default=settings["locale"],
        auto_detect=settings["auto_detect_locale"],
    )
    g.custom_strings = (settings.get("custom_strings") or {}).get(g.locale, {})
    return str(g.locale)


def render_error_page(status: int, title: str, message: str) -> Response:
    """A small translated error page (the request's locale must already be set)."""
    html = render_template("portal/error.html", title=title, message=message)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/portal/frame")
def frame_page() -> Response:
    """The page the loader puts in its iframe; the token arrives later by postMessage."""
    account = _find_account(request.args.get("account", ""))
    settings = AccountService(get_session(), secret_box()).settings(account) if account else None
    _use_locale(settings or default_settings())
    if account is None:
        response = render_error_page(
            404, _("This billing portal is not available"),
            _("Check the portal's account id, or contact the website's support team."))
    else:
        html = render_template("portal/frame.html", account_name=account.name)
        response = Response(html, mimetype="text/html")
        response.headers["Cache-Control"] = "no-cache"
    # Framed only by the account's allowed origins (the embed_headers hook applies the same).
    response.headers["Content-Security-Policy"] = with_frame_ancestors(
        response.headers.get("Content-Security-Policy"), frame_ancestors_header(account))
    return response


@bp.get(BUNDLE_PATH)
def portal_bundle() -> Response:
    """Every portal script in load order, as one file (for the loader's inline mode)."""
    return send_asset(assets()["portal.js"], BUNDLE_CACHE)
