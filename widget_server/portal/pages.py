"""The portal's HTML pages: the iframe page and the portal scripts bundle.

The hosted full-page portal is rendered by ``api.hosted`` with ``portal/hosted.html``; both
pages render the same app (``static/portal/*.js``), which reads everything else from the JSON
API with the portal token.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, render_template, request, url_for
from sqlalchemy import select

from widget_server.accounts import AccountService, secret_box
from widget_server.db import get_session
from widget_server.features import defaults as default_settings
from widget_server.i18n import _, negotiate_locale, text_direction
from widget_server.models import Account
from widget_server.portal import bp
from widget_server.portal.embed_headers import frame_ancestors_header, with_frame_ancestors

# The portal app, in load order (each file adds to window.WidgetServerPortalParts; app.js
# defines window.WidgetServerPortal). Also served concatenated at BUNDLE_PATH.
PORTAL_SCRIPTS: tuple[str, ...] = (
    "dom.js", "api.js", "viewport.js", "dialogs.js", "render.js", "plans.js", "actions.js",
    "account-actions.js", "cards.js", "flow.js", "app.js",
)
BUNDLE_PATH = "/portal/assets/portal.js"
_ACCOUNT_ID = re.compile(r"\Aacct_[A-Za-z0-9]{1,35}\Z")


def portal_script_urls() -> list[str]:
    return [url_for("static", filename=f"portal/{name}") for name in PORTAL_SCRIPTS]


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
    return {"portal_script_urls": portal_script_urls, "portal_boot_strings": boot_strings,
            "text_direction": text_direction}


def _find_account(public_id: str) -> Account | None:
    if not _ACCOUNT_ID.match(public_id):
        return None
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


@lru_cache(maxsize=4)
def _bundle(static_folder: str, mtimes: tuple[float, ...]) -> tuple[str, str]:
    del mtimes  # part of the cache key only: a changed file rebuilds the bundle
    folder = Path(static_folder) / "portal"
    text = "\n".join(
        f"/* {name} */\n" + (folder / name).read_text(encoding="utf-8") for name in PORTAL_SCRIPTS
    )
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@bp.get(BUNDLE_PATH)
def portal_bundle() -> Response:
    """Every portal script in load order, as one file (for the loader's inline mode)."""
    static_folder = str(current_app.static_folder)
    folder = Path(static_folder) / "portal"
    mtimes = tuple((folder / name).stat().st_mtime for name in PORTAL_SCRIPTS)
    text, etag = _bundle(static_folder, mtimes)
    response = Response(text, mimetype="text/javascript")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.make_conditional(request)
    return response
