"""Meters, meter events and summaries, metered prices, balance transactions and credit grants:
aggregation math, Stripe's refusals, and invoices that bill usage and apply credit."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import stripe

DAY = 86400


def _now(client: stripe.StripeClient) -> int:
    return int(client.v1.invoices.create_preview({"subscription": "sub_demo_ana"}).created)


def _meter(client: stripe.StripeClient, formula: str = "sum") -> Any:
    return client.v1.billing.meters.create({
        "display_name": "Test", "event_name": "t_" + secrets.token_hex(4),
        "default_aggregation": {"formula": formula}})


def _event(client: stripe.StripeClient, meter: Any, value: int | None, at: int,
           customer: str = "cus_demo_ana") -> Any:
    payload = {"stripe_customer_id": customer}
    if value is not None:
        payload["value"] = str(value)
    return client.v1.billing.meter_events.create(
        {"event_name": meter.event_name, "payload": payload, "timestamp": at})


def _summaries(client: stripe.StripeClient, meter: Any, start: int, end: int,
               window: str | None = None, customer: str = "cus_demo_ana") -> list[Any]:
    params: dict[str, Any] = {"customer": customer, "start_time": start, "end_time": end}
    if window:
        params["value_grouping_window"] = window
    return list(client.v1.billing.meters.event_summaries.list(meter.id, params).data)


@pytest.mark.parametrize(("formula", "expected"), [("sum", [10, 7]), ("count", [2, 2]),
                                                  ("last", [4, 5])])
def test_aggregation_per_day_follows_the_formula(client: stripe.StripeClient, formula: str,
                                                 expected: list[int]) -> None:
    meter = _meter(client, formula)
    today = _now(client) // DAY * DAY
    yesterday = today - DAY
    for value, at in ((6, yesterday + 60), (4, yesterday + 120), (2, today + 1),
                      (5, today + 2)):
        _event(client, meter, value, at)
    _event(client, meter, 100, today, customer="cus_demo_ben")  # another customer's
    rows = _summaries(client, meter, yesterday, today + DAY, "day")
    assert [r.start_time for r in rows] == [today, yesterday]  # newest first
    assert [r.aggregated_value for r in reversed(rows)] == expected
    assert all(r.object == "billing.meter_event_summary" and r.meter == meter.id for r in rows)
    [whole] = _summaries(client, meter, yesterday, today + DAY)
    assert whole.aggregated_value == {"sum": 17, "count": 4, "last": 5}[formula]


def test_count_needs_no_value_but_sum_does(client: stripe.StripeClient) -> None:
    count, total = _meter(client, "count"), _meter(client, "sum")
    at = _now(client)
    _event(client, count, None, at)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        _event(client, total, None, at)
    assert missing.value.param == "payload[value]"
    with pytest.raises(stripe.InvalidRequestError) as decimal:
        _event(client, total, "1.5", at)  # type: ignore[arg-type]
    assert decimal.value.param == "payload[value]"


def test_event_refusals(client: stripe.StripeClient) -> None:
    meter = _meter(client)
    now = _now(client)
    for at in (now - 36 * DAY, now + 600):
        with pytest.raises(stripe.InvalidRequestError) as late:
            _event(client, meter, 1, at)
        assert late.value.param == "timestamp"
    with pytest.raises(stripe.InvalidRequestError) as nobody:
        _event(client, meter, 1, now, customer="cus_nobody")
    assert nobody.value.param == "payload[stripe_customer_id]"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.billing.meter_events.create({"event_name": "no_such_meter", "payload": {
            "stripe_customer_id": "cus_demo_ana", "value": "1"}})
    assert unknown.value.param == "event_name"
    params: Any = {"event_name": meter.event_name, "identifier": "dup_" + secrets.token_hex(4),
                   "payload": {"stripe_customer_id": "cus_demo_ana", "value": "1"}}
    first = client.v1.billing.meter_events.create(params)
    assert first.identifier == params["identifier"] and first.payload["value"] == "1"
    with pytest.raises(stripe.InvalidRequestError) as duplicate:
        client.v1.billing.meter_events.create(params)
    assert duplicate.value.param == "identifier"
    [row] = _summaries(client, meter, now // 60 * 60 - 3600, now // 60 * 60 + 3600)
    assert row.aggregated_value == 1  # the duplicate counted nothing


def test_a_deactivated_meter_takes_no_events_and_no_prices(client: stripe.StripeClient) -> None:
    meter = _meter(client)
    done = client.v1.billing.meters.deactivate(meter.id)
    assert done.status == "inactive" and done.status_transitions.deactivated_at
    with pytest.raises(stripe.InvalidRequestError):
        _event(client, meter, 1, _now(client))
    with pytest.raises(stripe.InvalidRequestError) as price:
        client.v1.prices.create({"product": "prod_pro", "currency": "usd", "unit_amount": 1,
                                 "recurring": {"interval": "month", "usage_type": "metered",
                                               "meter": meter.id}})
    assert price.value.param == "recurring[meter]"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing.meters.deactivate(meter.id)
    assert client.v1.billing.meters.reactivate(meter.id).status == "active"
    active = client.v1.billing.meters.list({"status": "active", "limit": 100}).data
    assert meter.id in {m.id for m in active}


@pytest.mark.parametrize("params", [
    {"start_time": 1_700_000_030},  # not on a minute
    {"value_grouping_window": "day", "start_time": 1_700_000_040 // 60 * 60},  # not on a day
    {"end_time": 1_699_000_000 // DAY * DAY},  # before the start
])
def test_summary_windows_must_align(client: stripe.StripeClient, params: dict[str, Any]) -> None:
    base: dict[str, Any] = {"customer": "cus_demo_olga", "start_time": 1_700_006_400 // DAY * DAY,
                            "end_time": 1_700_006_400 // DAY * DAY + DAY}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.billing.meters.event_summaries.list("mtr_demo_api_calls", {**base, **params})


def test_metered_prices_need_a_meter_and_items_take_no_quantity(
        client: stripe.StripeClient, customer_with_card: Any) -> None:
    with pytest.raises(stripe.InvalidRequestError) as no_meter:
        client.v1.prices.create({"product": "prod_pro", "currency": "usd", "unit_amount": 1,
                                 "recurring": {"interval": "month", "usage_type": "metered"}})
    assert no_meter.value.param == "recurring[meter]"
    with pytest.raises(stripe.InvalidRequestError) as licensed:
        client.v1.prices.create({"product": "prod_pro", "currency": "usd", "unit_amount": 1,
                                 "recurring": {"interval": "month",
                                               "meter": "mtr_demo_api_calls"}})
    assert licensed.value.param == "recurring[meter]"
    customer, _pm = customer_with_card()
    with pytest.raises(stripe.InvalidRequestError) as quantity:
        client.v1.subscriptions.create({"customer": customer.id, "items": [
            {"price": "price_api_calls_monthly", "quantity": 2}]})
    assert quantity.value.param == "items[0][quantity]"
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [
        {"price": "price_pro_monthly"}, {"price": "price_api_calls_monthly"}]})
    metered = next(i for i in sub["items"].data if i.price.id == "price_api_calls_monthly")
    assert metered.quantity is None and metered.price.recurring.meter == "mtr_demo_api_calls"
    first = client.v1.invoices.retrieve(str(sub.latest_invoice))
    assert first.total == 2900  # usage is billed in arrears, nothing in advance


def test_renewal_bills_usage_in_arrears_and_applies_grants_then_balance(
        client: stripe.StripeClient, raw: Any) -> None:
    sub = client.v1.subscriptions.retrieve("sub_demo_olga")
    start, end = sub["items"].data[0].current_period_start, sub["items"].data[0].current_period_end
    preview = client.v1.invoices.create_preview({"subscription": sub.id})
    line = next(x for x in preview.lines.data
                if x.pricing.price_details.price == "price_api_calls_monthly")
    events = raw("GET", "/_sandbox/state").json()["objects"]["billing.meter_event"]
    usage = sum(int(e["payload"]["value"]) for e in events.values()
                if e["payload"]["stripe_customer_id"] == "cus_demo_olga"
                and start <= e["timestamp"] < end)
    assert line.quantity == usage and line.amount == usage and line.period.start == start
    assert [c.amount for c in line.pretax_credit_amounts] == [min(500, usage)]
    assert preview.total == 900 + usage - min(500, usage)
    balance = client.v1.customers.retrieve("cus_demo_olga").balance
    assert preview.amount_due == max(0, preview.total + balance)
    summary = client.v1.billing.credit_balance_summary.retrieve({
        "customer": "cus_demo_olga", "filter": {"type": "applicability_scope",
                                                "applicability_scope": {"price_type": "metered"}}})
    assert summary.balances[0].available_balance.monetary.value == 500  # a preview uses nothing
    now = raw("GET", "/_sandbox/clock").json()["now"]
    raw("POST", "/_sandbox/clock", json={"advance_seconds": end - now + 1})
    invoice = client.v1.invoices.list({"customer": "cus_demo_olga", "limit": 1}).data[0]
    assert (invoice.total, invoice.amount_due) == (preview.total, preview.amount_due)
    after = client.v1.billing.credit_balance_summary.retrieve({
        "customer": "cus_demo_olga", "filter": {"type": "applicability_scope",
                                                "applicability_scope": {"price_type": "metered"}}})
    assert after.balances[0].available_balance.monetary.value == 500 - min(500, usage)
    txns = client.v1.customers.balance_transactions.list("cus_demo_olga").data
    assert txns[0].type == "applied_to_invoice" and txns[0].invoice == invoice.id
    assert txns[0].ending_balance == client.v1.customers.retrieve("cus_demo_olga").balance


def test_balance_transactions(client: stripe.StripeClient) -> None:
    made = client.v1.customers.balance_transactions.create(
        "cus_demo_ana", {"amount": -300, "currency": "usd", "description": "Goodwill"})
    assert (made.type, made.amount, made.ending_balance) == ("adjustment", -300, -300)
    assert client.v1.customers.retrieve("cus_demo_ana").balance == -300
    got = client.v1.customers.balance_transactions.retrieve("cus_demo_ana", made.id)
    assert got.description == "Goodwill"
    with pytest.raises(stripe.InvalidRequestError) as currency:
        client.v1.customers.balance_transactions.create(
            "cus_demo_ana", {"amount": -1, "currency": "eur"})
    assert currency.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.balance_transactions.retrieve("cus_demo_ben", made.id)


@pytest.mark.parametrize(("change", "param"), [
    ({"applicability_config": {"scope": {}}}, "applicability_config"),
    ({"expires_at": 1_000}, "expires_at"),
    ({"priority": 101}, "priority"),
    ({"amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 0}}},
     "amount[monetary][value]"),
    ({"customer": "cus_nobody"}, "customer"),
])
def test_credit_grant_refusals(client: stripe.StripeClient, change: dict[str, Any],
                               param: str) -> None:
    params: Any = {"customer": "cus_demo_ana", "amount": {"type": "monetary", "monetary": {
        "currency": "usd", "value": 100}},
        "applicability_config": {"scope": {"price_type": "metered"}}, **change}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.billing.credit_grants.create(params)
    assert refused.value.param == param


def test_grants_apply_by_priority_then_expiry(client: stripe.StripeClient) -> None:
    now = _now(client)
    late = client.v1.billing.credit_grants.create({
        "customer": "cus_demo_olga", "amount": {"type": "monetary", "monetary": {
            "currency": "usd", "value": 100_000}},
        "applicability_config": {"scope": {"price_type": "metered"}}, "priority": 10,
        "expires_at": now + 90 * DAY})
    preview = client.v1.invoices.create_preview({"subscription": "sub_demo_olga"})
    line = next(x for x in preview.lines.data
                if x.pricing.price_details.price == "price_api_calls_monthly")
    # priority 10 beats the seed's grant (50) and covers all the usage alone
    assert [c.amount for c in line.pretax_credit_amounts] == [line.amount]
    assert preview.total == 900
    left = client.v1.billing.credit_balance_summary.retrieve({
        "customer": "cus_demo_olga", "filter": {"type": "credit_grant", "credit_grant": late.id}})
    assert left.balances[0].available_balance.monetary.value == 100_000
    listed = client.v1.billing.credit_grants.list({"customer": "cus_demo_olga"}).data
    assert listed[0].id == late.id and len(listed) == 2


def test_refusals_name_the_nested_parameter(raw: Any) -> None:
    meter = raw("POST", "/v1/billing/meters", data={
        "display_name": "x", "event_name": "x_" + secrets.token_hex(3),
        "default_aggregation[formula]": "avg"})
    assert meter.status_code == 400
    assert meter.json()["error"]["param"] == "default_aggregation[formula]"
    summary = raw("GET", "/v1/billing/credit_balance_summary", params={
        "customer": "cus_demo_ana", "filter[type]": "everything"})
    assert summary.status_code == 400 and summary.json()["error"]["param"] == "filter[type]"
    grant = raw("POST", "/v1/billing/credit_grants", data={
        "customer": "cus_demo_ana", "amount[type]": "monetary",
        "amount[monetary][value]": "5", "applicability_config[scope][price_type]": "metered"})
    assert grant.status_code == 400
    assert grant.json()["error"]["param"] == "amount[monetary][currency]"


@pytest.mark.parametrize(("customer", "params", "param"), [
    ("cus_demo_ana", {"amount": -300, "currency": "xyz"}, "currency"),
    ("cus_demo_ana", {"amount": -300, "currency": ""}, "currency"),
    ("cus_demo_ben", {"amount": -150, "currency": "isk"}, "amount"),
])
def test_balance_transaction_currency_rules(client: stripe.StripeClient, customer: str,
                                            params: Any, param: str) -> None:
    before = client.v1.customers.retrieve(customer).balance
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.balance_transactions.create(customer, params)
    assert refused.value.param == param
    assert client.v1.customers.retrieve(customer).balance == before


@pytest.mark.parametrize(("currency", "value", "param"), [
    ("xyz", 100, "amount[monetary][currency]"),
    ("isk", 150, "amount[monetary][value]"),
])
def test_credit_grant_currency_rules(client: stripe.StripeClient, currency: str, value: int,
                                     param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.billing.credit_grants.create({
            "customer": "cus_demo_ana",
            "amount": {"type": "monetary", "monetary": {"currency": currency, "value": value}},
            "applicability_config": {"scope": {"price_type": "metered"}}})
    assert refused.value.param == param
    assert client.v1.billing.credit_grants.list({"customer": "cus_demo_ana"}).data == []


def test_negative_usage_corrects_and_a_negative_period_bills_zero(
        client: stripe.StripeClient) -> None:
    """Stripe takes negative values to correct usage; a period below zero bills 0."""
    def usage_line() -> Any:
        preview = client.v1.invoices.create_preview({"subscription": "sub_demo_olga"})
        return next(x for x in preview.lines.data
                    if x.pricing.price_details.price == "price_api_calls_monthly")

    before = usage_line().quantity
    assert before > 0
    client.v1.billing.meter_events.create({"event_name": "api_call", "payload": {
        "stripe_customer_id": "cus_demo_olga", "value": "-1"}})
    assert usage_line().quantity == before - 1
    client.v1.billing.meter_events.create({"event_name": "api_call", "payload": {
        "stripe_customer_id": "cus_demo_olga", "value": str(-10 * before)}})
    line = usage_line()
    assert line.quantity == 0 and line.amount == 0
