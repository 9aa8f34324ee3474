"""Server-to-server and public JSON API (``/v1``), health checks."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

import widget_server.api.account  # noqa: E402  (the account API: settings, events)
import widget_server.api.embed  # noqa: E402  (identity and embedding routes)
import widget_server.api.hosted  # noqa: E402
import widget_server.api.locale  # noqa: E402  (the language of early errors)
import widget_server.api.openapi  # noqa: E402
import widget_server.api.webhooks  # noqa: E402,F401  (Stripe's events)
from widget_server.api import health  # noqa: E402,F401  (routes register on import)
