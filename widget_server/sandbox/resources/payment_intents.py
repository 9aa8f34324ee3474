"""PaymentIntents: retrieve and confirm (Stripe.js, with the client secret), as Stripe has them.

They are created by invoice finalization (``sandbox.payments``); the portal never creates one.
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import payments
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.params import opt_str
from widget_server.sandbox.render import render
from widget_server.sandbox.resources.payment_methods import client_intent
from widget_server.sandbox.routing import ApiRequest, RouteTable

JSON = dict[str, Any]
routes = RouteTable()


def _intent(req: ApiRequest, pi_id: str) -> JSON:
    return client_intent(req, "payment_intent", pi_id, "PaymentIntent")


@routes.get("/payment_intents/<pi_id>", "client_secret", publishable=True)
def retrieve_payment_intent(req: ApiRequest, pi_id: str) -> JSON:
    return render(req.store, "payment_intent", _intent(req, pi_id))


@routes.post("/payment_intents/<pi_id>/confirm", "payment_method", "client_secret",
             "return_url", "use_stripe_sdk", "off_session", publishable=True)
def confirm_payment_intent(req: ApiRequest, pi_id: str) -> JSON:
    intent = _intent(req, pi_id)
    pm_id = opt_str(req.params, "payment_method")
    if pm_id:
        pm = req.store.require("payment_method", pm_id, "payment_method")
        if pm.get("customer") not in (None, intent["customer"]):
            raise bad_request(f"No such PaymentMethod: '{pm_id}'", param="payment_method",
                              code="resource_missing")
    return render(req.store, "payment_intent", payments.confirm(req.store, intent, pm_id))
