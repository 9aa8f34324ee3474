"""The dashboard's isolation from the portal pages (DESIGN §5).

Every tenant's portal is served from this origin, so the dashboard must not be readable from a
portal page even if one ever ran a script:

* its session cookie has ``Path=/dashboard`` and ``SameSite=Strict`` (set in ``create_app``);
* ``Cross-Origin-Opener-Policy: same-origin``: a portal page that opens a dashboard page gets
  no handle on its window;
* fetch metadata: a dashboard URL answers only top-level navigations; a ``fetch``/XHR, an
  iframe or an embed of it from any page is refused (frame-ancestors 'none' also applies);
* optionally its own origin (``DASHBOARD_URL``): then the dashboard answers only on that host
  and the portal pages never do, so even a cookie path is no longer the boundary.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, redirect, request

from widget_server.dashboard import bp
from widget_server.portal.preview_guard import is_preview_request

_NAVIGATION_DESTS = frozenset({"document"})
# The live preview: its frame is an iframe of the dashboard's own page, and preview.js posts
# its drafts with fetch; both only from the dashboard's own origin (frame-ancestors 'self').
_SAME_ORIGIN_DESTS = {"dashboard.preview_frame": frozenset({"iframe"}),
                      "dashboard.preview_draft": frozenset({"empty"})}
# What the dashboard origin serves when DASHBOARD_URL is set; everything else is 404 there.
# (/assets/: the content-addressed bundles of its pages, and of the live preview's frame.)
_DASHBOARD_HOST_PATHS = ("/dashboard", "/static/dashboard/", "/assets/", "/healthz", "/readyz")
# The live preview's frame is a dashboard page: its portal reads go to the dashboard host,
# which answers them only with a preview token (read-only, owner-only).
_PREVIEW_API = "/v1/portal"


def _dashboard_host() -> str | None:
    url = current_app.config.get("DASHBOARD_URL")
    return urlsplit(str(url)).netloc.lower() if url else None


@bp.before_request
def _only_navigations() -> Response | None:
    dest = request.headers.get("Sec-Fetch-Dest")
    if dest is None or dest in _NAVIGATION_DESTS:
        return None
    same_origin = request.headers.get("Sec-Fetch-Site", "same-origin") == "same-origin"
    if not same_origin or dest not in _SAME_ORIGIN_DESTS.get(request.endpoint or "", ()):
        abort(403)
    return None


@bp.after_request
def _isolate(response: Response) -> Response:
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.vary.add("Sec-Fetch-Dest")
    return response


def _split_origins() -> Response | None:
    """With DASHBOARD_URL: the dashboard only on its host, the portal pages never there."""
    host = _dashboard_host()
    if not host:
        return None
    on_dashboard_host = request.host.lower() == host
    if request.path.startswith("/dashboard") and not on_dashboard_host:
        if request.method == "GET":
            target = str(current_app.config["DASHBOARD_URL"]).rstrip("/") + request.full_path
            return redirect(target.rstrip("?"), code=302)  # type: ignore[return-value]
        abort(404)
    if on_dashboard_host and not request.path.startswith(_DASHBOARD_HOST_PATHS):
        if request.path.startswith(_PREVIEW_API) and is_preview_request():
            return None
        abort(404)
    return None


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_PATH"] = "/dashboard"
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.before_request(_split_origins)
