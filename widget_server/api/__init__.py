"""Server-to-server and public JSON API (``/v1``), health checks."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from widget_server.api import health  # noqa: E402,F401  (routes register on import)
