"""Events at /v1/events and signed webhook delivery for every object the portal changes."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from widget_server.sandbox.events import sign


class Receiver:
    """A local HTTP endpoint that queues every webhook it receives."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[bytes, str]] = queue.Queue()

        @Request.application
        def app(request: Request) -> Response:
            self.received.put((request.get_data(), request.headers.get("Stripe-Signature", "")))
            return Response("ok")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next(self) -> tuple[bytes, str]:
        return self.received.get(timeout=10)

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def _events(client: stripe.StripeClient, **params: Any) -> list[str]:
    return [e.type for e in client.v1.events.list({"limit": 100, **params}).data]


def test_webhooks_are_signed_and_verify_with_the_sdk(client, receiver):
    endpoint = client.v1.webhook_endpoints.create({
        "url": receiver.url, "enabled_events": ["customer.subscription.updated"]})
    assert endpoint.secret.startswith("whsec_")
    assert client.v1.webhook_endpoints.retrieve(endpoint.id).secret is None  # shown once
    client.v1.subscriptions.update("sub_demo_ana", {"cancel_at_period_end": True})
    payload, header = receiver.next()
    event = stripe.Webhook.construct_event(payload.decode(), header, endpoint.secret)
    assert event.type == "customer.subscription.updated"
    assert event.data.object.id == "sub_demo_ana"
    assert event.data.previous_attributes["cancel_at_period_end"] is False
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload.decode(), header, "whsec_wrong")
    assert receiver.received.empty()  # only the types the endpoint asked for


def test_sign_matches_stripes_scheme():
    header = sign('{"id": "evt_1"}', "whsec_abc", 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert stripe.WebhookSignature.verify_header('{"id": "evt_1"}', header, "whsec_abc",
                                                 tolerance=None)


def test_every_object_the_portal_changes_makes_events(client, customer_with_card):
    customer, pm = customer_with_card()
    sub = client.v1.subscriptions.create({"customer": customer.id,
                                          "items": [{"price": "price_pro_monthly"}],
                                          "default_payment_method": pm.id})
    client.v1.subscriptions.update(sub.id, {"pause_collection": {"behavior": "void"}})
    client.v1.customers.update(customer.id, {"name": "Renamed"})
    tax = client.v1.customers.tax_ids.create(customer.id, {"type": "us_ein",
                                                           "value": "12-3456789"})
    client.v1.customers.tax_ids.delete(customer.id, tax.id)
    seti = client.v1.setup_intents.create({"customer": customer.id})
    client.v1.setup_intents.confirm(seti.id, {"payment_method": "pm_card_visa"})
    schedule = client.v1.subscription_schedules.create({"from_subscription": sub.id})
    client.v1.subscription_schedules.release(schedule.id)
    invoice = client.v1.subscriptions.retrieve("sub_demo_carla").latest_invoice
    client.v1.invoices.pay(invoice, {"payment_method": "pm_card_visa"})
    client.v1.subscriptions.cancel(sub.id)
    types = set(_events(client))
    for expected in ("customer.created", "customer.updated", "payment_method.attached",
                     "customer.subscription.created", "customer.subscription.updated",
                     "customer.subscription.deleted", "invoice.created", "invoice.finalized",
                     "invoice.paid", "invoice.payment_succeeded", "customer.tax_id.created",
                     "customer.tax_id.deleted", "setup_intent.created",
                     "setup_intent.succeeded", "subscription_schedule.created",
                     "subscription_schedule.released"):
        assert expected in types, expected


def test_a_declined_payment_is_an_event(client):
    invoice = client.v1.subscriptions.retrieve("sub_demo_carla").latest_invoice
    with pytest.raises(stripe.CardError):
        client.v1.invoices.pay(invoice)
    assert "invoice.payment_failed" in _events(client)


def test_the_clock_makes_events(client, sandbox):
    sub = client.v1.subscriptions.retrieve("sub_demo_ana")
    now = requests.get(f"{sandbox.url}/_sandbox/clock", timeout=5).json()["now"]
    requests.post(f"{sandbox.url}/_sandbox/clock", timeout=5, json={
        "advance_seconds": sub["items"].data[0].current_period_end - now + 1})
    renewal = client.v1.events.list({"type": "invoice.paid"}).data
    assert any(e.data.object.parent.subscription_details.subscription == "sub_demo_ana"
               for e in renewal)


def test_events_list_filters_and_reads(client):
    client.v1.customers.create({"email": "ev@example.com"})
    client.v1.customers.update("cus_demo_ana", {"name": "Ana"})
    created = client.v1.events.list({"type": "customer.created"}).data
    assert [e.type for e in created] == ["customer.created"]
    assert created[0].request.id.startswith("req_")
    both = client.v1.events.list({"types": ["customer.created", "customer.updated"]}).data
    assert {e.type for e in both} == {"customer.created", "customer.updated"}
    wildcard = client.v1.events.list({"type": "customer.*"}).data
    assert len(wildcard) == 2
    assert client.v1.events.retrieve(created[0].id).id == created[0].id
    later = client.v1.events.list({"created": {"gt": created[0].created + 3600}}).data
    assert later == []


def test_delivery_log_and_pending_webhooks(client, sandbox, receiver):
    client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    client.v1.customers.update("cus_demo_ben", {"name": "Ben"})
    payload, _ = receiver.next()
    event_id = json.loads(payload)["id"]
    log: list[dict[str, Any]] = []
    for _ in range(50):  # the log is written right after the receiver answered
        log = requests.get(f"{sandbox.url}/_sandbox/webhooks", timeout=5).json()["deliveries"]
        if log:
            break
        threading.Event().wait(0.05)
    assert log[0]["event"] == event_id and log[0]["status"] == 200
    assert client.v1.events.retrieve(event_id).pending_webhooks == 0


def test_webhook_endpoint_management(client):
    endpoint = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/hook",
                                                   "enabled_events": ["invoice.paid"]})
    updated = client.v1.webhook_endpoints.update(endpoint.id, {"disabled": True})
    assert updated.status == "disabled"
    assert [e.id for e in client.v1.webhook_endpoints.list().data] == [endpoint.id]
    assert client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.webhook_endpoints.create({"url": "ftp://x", "enabled_events": ["*"]})
