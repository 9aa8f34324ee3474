"""The portal: the page (iframe / inline / hosted) and its JSON API under ``/v1/portal``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)

from widget_server.portal import (  # noqa: E402  (read routes register on import)
    usage,  # noqa: F401  (usage and credit: lazy reads)
    views,  # noqa: F401
)

# isort: split
# Portal actions (writes): their routes register on import too.
from widget_server.portal import (  # noqa: E402, F401
    actions_customer,
    actions_plan,
    actions_resubscribe,
    actions_subscription,
    entitlements,
    preview_guard,
)

# isort: split
from widget_server.portal import pages  # noqa: E402, F401  (the HTML pages register on import)
