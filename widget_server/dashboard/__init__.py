"""The site owner's dashboard: login, accounts, settings, origins, identity secrets, Stripe key,
audit log.

Server-rendered pages with Flask-WTF forms; every POST is CSRF-checked (``csrf.py``) and every
response is ``Cache-Control: no-store``. The app-wide ``frame-ancestors 'none'`` applies.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from widget_server.i18n import negotiate_locale

__all__ = ["analytics_views", "api_keys", "auth", "bp", "csrf", "customers", "editors",
           "install", "isolation", "new_account", "once", "owner_pages", "preview", "views",
           "webhooks"]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.before_request
def _dashboard_locale() -> None:
    # First of the blueprint's hooks, so even a refused request (CSRF) answers in the
    # owner's language.
    g.locale = negotiate_locale(
        explicit=None,
        accept_language=request.headers.get("Accept-Language"),
        account_default=current_app.config.get("DEFAULT_LOCALE", "en"),
    )


@bp.after_request
def _no_store(response: Response) -> Response:
    # Dashboard pages show secrets (once) and account data: never keep them in any cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


# Route modules register themselves on `bp` when imported.
from widget_server.dashboard import (  # noqa: E402
    analytics_views,
    api_keys,
    auth,
    csrf,
    customers,
    editors,
    install,
    isolation,
    new_account,
    owner_pages,
    preview,
    views,
    webhooks,
)
