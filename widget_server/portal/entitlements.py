"""``GET /v1/portal/entitlements``: what each live subscription grants, and for every plan its
items may change to, what the change would add and remove (setting ``show_entitlements``).

``GET /v1/portal`` carries the same body as ``entitlements`` when the setting is on (so a page
load asks once); the page reads this endpoint after an action changed a subscription. The
subscriptions come from the view's snapshot and the features from the catalog cache, so with
webhooks a warm read costs no Stripe call; the first read after the catalog expires lists the
features of each product shown (one call per product).
"""

from __future__ import annotations

from flask import Response

from widget_server.billing.domain import PortalSnapshot
from widget_server.billing_web import billing_for
from widget_server.billing_web.snapshots import cached_view
from widget_server.portal import bp
from widget_server.portal.actions import require_feature
from widget_server.portal.auth import portal_context
from widget_server.portal.entitlements_payload import entitlements_payload
from widget_server.portal.json_body import private_json


@bp.get("/v1/portal/entitlements")
def entitlements_view() -> Response:
    """What the customer's live subscriptions grant; 403 when the account does not show it."""
    context = portal_context()
    require_feature(context, "show_entitlements")
    billing = billing_for(context.stripe_key)
    snapshot = cached_view(context.account, context.customer_ids, "portal", PortalSnapshot,
                           lambda: billing.snapshot(context.customer_ids))
    return private_json(entitlements_payload(snapshot, context.settings,
                                             billing.product_features))
