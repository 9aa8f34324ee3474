"""The site owner's dashboard: login, accounts, settings, origins, identity secrets, audit log.

Server-rendered pages; every POST form carries a per-session CSRF token (``csrf.py``) and every
response is ``Cache-Control: no-store``. The app-wide ``frame-ancestors 'none'`` applies.
"""

from __future__ import annotations

from flask import Blueprint, Response

__all__ = ["auth", "bp", "csrf", "isolation", "views"]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.after_request
def _no_store(response: Response) -> Response:
    # Dashboard pages show secrets (once) and account data: never keep them in any cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


# Route modules register themselves on `bp` when imported.
from widget_server.dashboard import auth, csrf, isolation, views  # noqa: E402
