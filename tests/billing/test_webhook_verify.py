"""Verifying Stripe webhook deliveries (billing.webhooks), with stripe-python's own scheme."""

from __future__ import annotations

import json
import time
import typing

import pytest
import stripe

from widget_server.billing.webhooks import (
    WEBHOOK_EVENTS,
    WebhookRejected,
    customers_of,
    verify_delivery,
)
from widget_server.sandbox.events import sign

SECRET = "whsec_" + "a" * 32
OLD_SECRET = "whsec_" + "b" * 32


def event(kind: str = "customer.subscription.updated", obj: dict[str, typing.Any] | None = None,
          previous: dict[str, typing.Any] | None = None, event_id: str = "evt_1") -> bytes:
    data: dict[str, typing.Any] = {"object": obj or {"id": "sub_1", "object": "subscription",
                                                     "customer": "cus_1"}}
    if previous is not None:
        data["previous_attributes"] = previous
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": data}).encode()


def header(payload: bytes, *secrets: str, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    parts = [sign(payload.decode(), s, stamp) for s in secrets]
    return f"t={stamp}," + ",".join(p.split(",", 1)[1] for p in parts)


def test_a_delivery_signed_with_the_secret_is_verified_and_read():
    payload = event()
    found = verify_delivery(payload, header(payload, SECRET), [SECRET])
    assert (found.id, found.type, found.customer_ids) == (
        "evt_1", "customer.subscription.updated", ("cus_1",))
    stripe.Webhook.construct_event(payload.decode(), header(payload, SECRET), SECRET)  # agrees


@pytest.mark.parametrize("signature", [
    None, "", "garbage", "t=abc,v1=00", "t=1900000000", "t=1900000000,v0=" + "0" * 64,
    "t=1900000000,v1=" + "0" * 64,
])
def test_missing_or_malformed_signatures_are_refused(signature: str | None):
    with pytest.raises(WebhookRejected) as refused:
        verify_delivery(event(), signature, [SECRET])
    assert refused.value.reason == "signature"


def test_another_secret_or_a_changed_payload_is_refused():
    payload = event()
    with pytest.raises(WebhookRejected):
        verify_delivery(payload, header(payload, "whsec_" + "c" * 32), [SECRET])
    with pytest.raises(WebhookRejected):
        verify_delivery(payload + b" ", header(payload, SECRET), [SECRET])
    with pytest.raises(WebhookRejected):
        verify_delivery(payload, header(payload, SECRET), [])


def test_an_old_delivery_is_refused_as_a_replay():
    payload = event()
    old = int(time.time()) - 301
    with pytest.raises(WebhookRejected) as refused:
        verify_delivery(payload, header(payload, SECRET, at=old), [SECRET])
    assert refused.value.reason == "signature"
    assert verify_delivery(payload, header(payload, SECRET, at=old + 5), [SECRET]).id == "evt_1"


def test_rotation_any_v1_signature_and_any_configured_secret_verifies():
    payload = event()
    # Stripe rolling its secret signs with both: we know only the new one
    assert verify_delivery(payload, header(payload, OLD_SECRET, SECRET), [SECRET]).id == "evt_1"
    # we hold the new and the previous secret; Stripe still signs with the old one only
    assert verify_delivery(payload, header(payload, OLD_SECRET), [SECRET, OLD_SECRET]).id
    with pytest.raises(WebhookRejected):
        verify_delivery(payload, header(payload, OLD_SECRET), [SECRET])


@pytest.mark.parametrize("payload", [
    b"not json", b"[]", b'{"object": "event"}', b'{"id": "evt_1", "object": "customer"}',
    json.dumps({"id": "evt_1", "object": "event", "type": "x", "data": {}}).encode(),
    json.dumps({"id": "e" * 300, "object": "event", "type": "x",
                "data": {"object": {}}}).encode(),
    b"\xff\xfe",
])
def test_a_signed_but_malformed_payload_is_refused(payload: bytes):
    signature = f"t={int(time.time())},v1=" + stripe.WebhookSignature._compute_signature(
        f"{int(time.time())}.{payload.decode(errors='replace')}", SECRET)
    with pytest.raises(WebhookRejected):
        verify_delivery(payload, signature, [SECRET])


def test_the_customers_of_an_event():
    assert customers_of({"object": {"object": "customer", "id": "cus_9"}}) == ("cus_9",)
    assert customers_of({"object": {"object": "invoice", "customer": "cus_2"}}) == ("cus_2",)
    assert customers_of({"object": {"object": "invoice",
                                    "customer": {"id": "cus_3", "object": "customer"}}}) == (
        "cus_3",)
    detached = {"object": {"object": "payment_method", "customer": None},
                "previous_attributes": {"customer": "cus_4"}}
    assert customers_of(detached) == ("cus_4",)
    assert customers_of({"object": {"object": "product", "id": "prod_1"}}) == ()


def test_catalog_events_concern_the_whole_account():
    payload = event("product.updated", {"id": "prod_1", "object": "product"})
    found = verify_delivery(payload, header(payload, SECRET), [SECRET])
    assert found.account_wide and found.customer_ids == ()


def test_the_events_we_ask_for_exist_in_the_pinned_api_version():
    from widget_server.stripe_schema.objects import declared_fields

    known = set(typing.get_args(declared_fields(stripe.Event)["type"]))
    assert set(WEBHOOK_EVENTS) <= known
