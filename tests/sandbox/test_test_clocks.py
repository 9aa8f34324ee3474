"""Stripe's test clocks in the sandbox: shapes, refusals, per-customer time, advancing."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
import stripe

from .shapes import declared, undeclared_fields

DAY = 86400
MONTH_AGO = int(time.time()) - 40 * DAY


def shape_of(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else obj
    assert undeclared_fields(data, stripe.test_helpers.TestClock) == []
    missing = set(declared(stripe.test_helpers.TestClock)) - set(data) - {"deleted"}
    assert missing == set()
    return data


def test_create_retrieve_list_shapes(client):
    clock = client.v1.test_helpers.test_clocks.create(
        {"frozen_time": MONTH_AGO, "name": "renewals"})
    data = shape_of(clock)
    assert clock.id.startswith("clock_") and clock.object == "test_helpers.test_clock"
    assert (clock.frozen_time, clock.name, clock.status) == (MONTH_AGO, "renewals", "ready")
    assert clock.deletes_after == clock.created + 7 * DAY
    assert data["status_details"] == {"advancing": None} and data["livemode"] is False
    assert abs(clock.created - time.time()) < 60  # the clock itself lives in real time
    assert shape_of(client.v1.test_helpers.test_clocks.retrieve(clock.id)) == data
    listed = client.v1.test_helpers.test_clocks.list({"limit": 100})
    assert clock.id in [c.id for c in listed.data]
    for row in listed.data:
        shape_of(row)


def test_customer_and_subscription_live_at_the_frozen_time(client):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": MONTH_AGO})
    customer = client.v1.customers.create({"email": "clock@example.com",
                                           "test_clock": clock.id})
    assert customer.test_clock == clock.id and customer.created == MONTH_AGO
    expanded = client.v1.customers.retrieve(customer.id, {"expand": ["test_clock"]})
    assert expanded.test_clock.frozen_time == MONTH_AGO
    pm = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2031}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    sub = client.v1.subscriptions.create({
        "customer": customer.id, "items": [{"price": "price_starter_monthly"}],
        "default_payment_method": pm.id, "expand": ["latest_invoice"]})
    assert sub.test_clock == clock.id and sub.created == MONTH_AGO
    assert sub["items"].data[0].current_period_start == MONTH_AGO
    assert sub.latest_invoice.created == MONTH_AGO
    assert sub.latest_invoice.test_clock == clock.id
    # a month and more has passed in real time, but not on the clock: no renewal yet
    again = client.v1.subscriptions.retrieve(sub.id)
    assert again["items"].data[0].current_period_start == MONTH_AGO
    assert len(client.v1.invoices.list({"subscription": sub.id}).data) == 1


def _clock_customer(client: stripe.StripeClient, frozen: int) -> tuple[Any, Any]:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": frozen})
    customer = client.v1.customers.create({"test_clock": clock.id})
    pm = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2031}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    client.v1.customers.update(customer.id,
                               {"invoice_settings": {"default_payment_method": pm.id}})
    return clock, customer


def test_advance_runs_the_clocks_renewals_only(client, sandbox):
    clock, customer = _clock_customer(client, MONTH_AGO)
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    end = sub["items"].data[0].current_period_end
    other = client.v1.invoices.list({"subscription": "sub_demo_grace"}).data
    target = end + DAY
    answer = client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": target})
    assert answer.status == "advancing" and answer.frozen_time == MONTH_AGO
    assert answer.status_details.advancing.target_frozen_time == target
    ready = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert (ready.status, ready.frozen_time) == ("ready", target)
    assert ready.to_dict()["status_details"] == {"advancing": None}
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed["items"].data[0].current_period_start == end
    invoices = client.v1.invoices.list({"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle", "subscription_create"]
    assert invoices[0].created == end and invoices[0].status == "paid"
    # nobody else's time moved
    assert client.v1.invoices.list({"subscription": "sub_demo_grace"}).data == other
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert {"test_helpers.test_clock.created", "test_helpers.test_clock.advancing",
            "test_helpers.test_clock.ready"} <= set(types)


def test_sandbox_clock_does_not_move_a_test_clock(client, sandbox):
    clock, customer = _clock_customer(client, int(time.time()))
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 40 * DAY},
                  timeout=5).raise_for_status()
    assert len(client.v1.invoices.list({"subscription": sub.id}).data) == 1
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time == clock.frozen_time


def _error(call: Any) -> stripe.StripeError:
    with pytest.raises(stripe.InvalidRequestError) as error:
        call()
    return error.value


def test_refusals(client):
    clocks = client.v1.test_helpers.test_clocks
    clock = clocks.create({"frozen_time": MONTH_AGO})
    for frozen in (MONTH_AGO, MONTH_AGO - 1):
        err = _error(lambda f=frozen: clocks.advance(clock.id, {"frozen_time": f}))
        assert err.http_status == 400 and err.param == "frozen_time"
    # no subscription: two years at most
    err = _error(lambda: clocks.advance(clock.id, {"frozen_time": MONTH_AGO + 800 * DAY}))
    assert err.param == "frozen_time"
    assert clocks.retrieve(clock.id).frozen_time == MONTH_AGO  # a refusal changes nothing
    err = _error(lambda: clocks.create({}))  # type: ignore[typeddict-item]
    assert (err.code, err.param) == ("parameter_missing", "frozen_time")
    err = _error(lambda: clocks.create({"frozen_time": MONTH_AGO, "name": "x" * 301}))
    assert err.param == "name"
    err = _error(lambda: clocks.retrieve("clock_nope"))
    assert (err.http_status, err.code) == (404, "resource_missing")
    err = _error(lambda: client.v1.customers.create({"test_clock": "clock_nope"}))
    assert (err.http_status, err.code, err.param) == (404, "resource_missing", "test_clock")
    # the creation parameter `customer` is not emulated: refused by name, never ignored
    err = _error(lambda: clocks.create({"frozen_time": MONTH_AGO, "customer": "cus_x"}))
    assert err.param == "customer"
    err = _error(lambda: client.v1.customers.list({"test_clock": clock.id}))
    assert err.param == "test_clock"


def test_customer_limits_and_a_clock_that_cannot_change(client, raw):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": MONTH_AGO})
    made = [client.v1.customers.create({"test_clock": clock.id}) for _ in range(3)]
    err = _error(lambda: client.v1.customers.create({"test_clock": clock.id}))
    assert err.http_status == 400 and err.param == "test_clock"
    other = client.v1.test_helpers.test_clocks.create({"frozen_time": MONTH_AGO})
    answer = raw("POST", f"/v1/customers/{made[0].id}", data={"test_clock": other.id})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "parameter_unknown"
    assert client.v1.customers.retrieve(made[0].id).test_clock == clock.id


def test_advance_limit_follows_the_shortest_subscription(client):
    clock, customer = _clock_customer(client, MONTH_AGO)
    client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    clocks = client.v1.test_helpers.test_clocks
    err = _error(lambda: clocks.advance(clock.id, {"frozen_time": MONTH_AGO + 70 * DAY}))
    assert err.param == "frozen_time"
    assert clocks.advance(clock.id, {"frozen_time": MONTH_AGO + 55 * DAY}).status == \
        "advancing"


def test_subscription_limit_per_clock_customer(client):
    _, customer = _clock_customer(client, MONTH_AGO)
    for price in ("price_starter_monthly", "price_pro_monthly", "price_pro_yearly"):
        client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price}]})
    err = _error(lambda: client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]}))
    assert err.param == "customer"


def test_delete_removes_the_clocks_customers(client):
    clock, customer = _clock_customer(client, MONTH_AGO)
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    gone = client.v1.test_helpers.test_clocks.delete(clock.id)
    assert gone.to_dict() == {"id": clock.id, "object": "test_helpers.test_clock",
                              "deleted": True}
    assert client.v1.customers.retrieve(customer.id).to_dict().get("deleted") is True
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    err = _error(lambda: client.v1.test_helpers.test_clocks.retrieve(clock.id))
    assert err.http_status == 404
