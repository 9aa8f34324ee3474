"""Per-customer view snapshots (DESIGN §10): off until the account's Stripe webhook is set; then
a repeat view makes no Stripe call, and our own writes and Stripe's events (delivered by the
sandbox to the running service) make the next view read Stripe again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from tests.helpers import set_webhook_secret
from tests.portal.helpers import Portal
from widget_server.billing.webhooks import WEBHOOK_EVENTS

SECRET = "whsec_" + "v" * 32
ANA = "cus_demo_ana"


def stripe_calls(portal: Portal, path: str, customer: str | tuple[str, ...] = ANA
                 ) -> tuple[dict[str, Any], int]:
    """The view's JSON and the number of Stripe requests it made."""
    portal.clear_log()
    response = portal.call("GET", path, customer)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), len(portal.requests())


def hook(portal: Portal, secret: str = SECRET) -> None:
    set_webhook_secret(portal.app, portal.account.account.public_id, secret)


def test_without_a_webhook_secret_every_view_reads_stripe(portal: Portal):
    first, calls = stripe_calls(portal, "/v1/portal")
    again, calls_again = stripe_calls(portal, "/v1/portal")
    assert calls > 0 and calls_again > 0
    assert again == first


def test_with_a_webhook_secret_a_repeat_view_makes_no_stripe_call(portal: Portal):
    hook(portal)
    first, calls = stripe_calls(portal, "/v1/portal")
    invoices, invoice_calls = stripe_calls(portal, "/v1/portal/invoices")
    assert calls > 0 and invoice_calls > 0
    again, calls_again = stripe_calls(portal, "/v1/portal")
    invoices_again, invoice_calls_again = stripe_calls(portal, "/v1/portal/invoices")
    assert (calls_again, invoice_calls_again) == (0, 0)
    assert (again, invoices_again) == (first, invoices)


def test_a_snapshot_is_per_customer_set(portal: Portal):
    hook(portal)
    stripe_calls(portal, "/v1/portal", ANA)
    ben, calls = stripe_calls(portal, "/v1/portal", "cus_demo_ben")
    assert calls > 0 and ben["customer"]["id"] == "cus_demo_ben"
    _both, calls_both = stripe_calls(portal, "/v1/portal", (ANA, "cus_demo_ben"))
    assert calls_both > 0


def test_our_own_write_makes_the_next_view_read_stripe(portal: Portal):
    hook(portal)
    stripe_calls(portal, "/v1/portal")
    stripe_calls(portal, "/v1/portal/invoices")
    response = portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel", json={})
    assert response.status_code == 200, response.get_json()
    view, calls = stripe_calls(portal, "/v1/portal")
    _invoices, invoice_calls = stripe_calls(portal, "/v1/portal/invoices")
    assert calls > 0 and invoice_calls > 0
    [sub] = [s for s in view["subscriptions"] if s["id"] == "sub_demo_ana"]
    assert sub["cancel_at_period_end"] is True


def test_a_refused_action_also_forgets_nothing_stale(portal: Portal):
    """Whatever an action's outcome, the next view is read again (a failed write may have
    happened in Stripe)."""
    hook(portal)
    stripe_calls(portal, "/v1/portal")
    response = portal.post("/v1/portal/subscriptions/sub_nope/cancel", json={})
    assert response.status_code == 404
    _view, calls = stripe_calls(portal, "/v1/portal")
    assert calls > 0


def test_a_change_made_in_stripe_stays_hidden_until_its_event_arrives(portal: Portal):
    hook(portal)
    before, _calls = stripe_calls(portal, "/v1/portal")
    portal.stripe.v1.customers.update(ANA, {"name": "Ana Changed Elsewhere"})
    cached, calls = stripe_calls(portal, "/v1/portal")
    assert calls == 0 and cached["customer"]["name"] == before["customer"]["name"]


# --- delivered by the sandbox to the running service ----------------------------------------


@dataclass
class LiveService:
    server: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def live(portal: Portal) -> Iterator[LiveService]:
    """The test's app on a real loopback port, so the sandbox can POST its webhooks to it."""
    server = make_server("127.0.0.1", 0, portal.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveService(server)
    server.shutdown()
    thread.join(timeout=5)


def registered(portal: Portal, live: LiveService) -> str:
    """Register the service's endpoint in Stripe (the sandbox); set its secret; its id."""
    public_id = portal.account.account.public_id
    endpoint = portal.stripe.v1.webhook_endpoints.create({
        "url": f"{live.url}/v1/stripe/webhooks/{public_id}",
        "enabled_events": list(WEBHOOK_EVENTS)})
    assert endpoint.secret is not None
    hook(portal, endpoint.secret)
    return endpoint.id


def delivered(portal: Portal, endpoint_id: str, event_type: str) -> dict[str, Any]:
    """Wait until the sandbox has delivered an event of this type to the endpoint."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        event_ids = {e.id for e in portal.stripe.v1.events.list(
            {"type": event_type, "limit": 10}).data}
        for row in portal.control("GET", "/webhooks")["deliveries"]:
            if row["endpoint"] == endpoint_id and row["event"] in event_ids:
                return dict(row)
        time.sleep(0.05)
    raise AssertionError(f"no {event_type} was delivered to {endpoint_id}")


def test_a_change_made_in_stripe_shows_as_soon_as_its_event_arrives(portal: Portal,
                                                                   live: LiveService):
    endpoint_id = registered(portal, live)
    stripe_calls(portal, "/v1/portal")
    _cached, calls = stripe_calls(portal, "/v1/portal")
    assert calls == 0
    portal.stripe.v1.customers.update(ANA, {"name": "Ana From Stripe"})
    row = delivered(portal, endpoint_id, "customer.updated")
    assert row["status"] == 200, row
    view, calls = stripe_calls(portal, "/v1/portal")
    assert calls > 0 and view["customer"]["name"] == "Ana From Stripe"


def test_a_subscription_canceled_in_stripe_shows_after_its_event(portal: Portal,
                                                                live: LiveService):
    endpoint_id = registered(portal, live)
    stripe_calls(portal, "/v1/portal")
    portal.stripe.v1.subscriptions.update("sub_demo_ana", {"cancel_at_period_end": True})
    assert delivered(portal, endpoint_id, "customer.subscription.updated")["status"] == 200
    view, _calls = stripe_calls(portal, "/v1/portal")
    [sub] = [s for s in view["subscriptions"] if s["id"] == "sub_demo_ana"]
    assert sub["cancel_at_period_end"] is True


def test_a_write_still_answers_when_the_snapshots_cannot_be_forgotten(portal: Portal,
                                                                     monkeypatch, caplog):
    from widget_server.billing.view_cache import ViewStoreUnavailable
    from widget_server.billing_web.snapshots import view_snapshots

    def down(*_args: Any, **_kwargs: Any) -> None:
        raise ViewStoreUnavailable("Redis unavailable")

    hook(portal)
    monkeypatch.setattr(view_snapshots(portal.app).store, "bump", down)
    response = portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel", json={})
    assert response.status_code == 200, response.get_json()
    assert "could not forget the views of a write" in caplog.text


def test_an_archived_price_is_no_longer_offered_after_its_event(portal: Portal,
                                                               live: LiveService):
    """A price event forgets the cached catalog too, not only the view snapshots."""
    endpoint_id = registered(portal, live)
    before, _calls = stripe_calls(portal, "/v1/portal")
    assert "price_starter_yearly" in {p["id"] for p in before["catalog"]}
    portal.stripe.v1.prices.update("price_starter_yearly", {"active": False})
    assert delivered(portal, endpoint_id, "price.updated")["status"] == 200
    view, calls = stripe_calls(portal, "/v1/portal")
    assert calls > 0
    assert "price_starter_yearly" not in {p["id"] for p in view["catalog"]}
    assert all("price_starter_yearly" not in (item.get("plan_options") or [])
               for s in view["subscriptions"] for item in s["items"])


def test_a_new_price_is_offered_after_its_event(portal: Portal, live: LiveService):
    endpoint_id = registered(portal, live)
    stripe_calls(portal, "/v1/portal")
    price = portal.stripe.v1.prices.create({
        "currency": "usd", "unit_amount": 4900, "product": "prod_pro",
        "recurring": {"interval": "month"}})
    assert delivered(portal, endpoint_id, "price.created")["status"] == 200
    view, _calls = stripe_calls(portal, "/v1/portal")
    assert price.id in {p["id"] for p in view["catalog"]}


def test_price_and_product_creation_are_subscribed_events():
    assert {"price.created", "product.created"} <= set(WEBHOOK_EVENTS)
