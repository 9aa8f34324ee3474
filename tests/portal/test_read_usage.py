"""GET /v1/portal/usage and /v1/portal/credit against the sandbox: the numbers are the
sandbox's own (its meter events, its invoice after the clock moves, its balance and grants),
and each read is refused when its setting is off."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.portal.helpers import Portal, error_of

OLGA = "cus_demo_olga"
SUB = "sub_demo_olga"
METER = "mtr_demo_api_calls"
DAY = 86400


def assert_private_json(response: Any) -> None:
    """One customer's data: JSON that no cache keeps."""
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


def usage(portal: Portal, customer: str = OLGA, **headers: str) -> dict[str, Any]:
    response = portal.call("GET", "/v1/portal/usage", customer, **headers)
    assert response.status_code == 200, response.get_json()
    assert_private_json(response)
    body: dict[str, Any] = response.get_json()
    return body


def credit(portal: Portal, customer: str = OLGA, **headers: str) -> dict[str, Any]:
    response = portal.call("GET", "/v1/portal/credit", customer, **headers)
    assert response.status_code == 200, response.get_json()
    assert_private_json(response)
    body: dict[str, Any] = response.get_json()
    return body


def events_of(portal: Portal, customer: str = OLGA) -> list[dict[str, Any]]:
    return [e for e in portal.objects("billing.meter_event").values()
            if e["payload"]["stripe_customer_id"] == customer]


def sandbox_sum(portal: Portal, start: int, end: int) -> int:
    return sum(int(e["payload"]["value"]) for e in events_of(portal)
               if start <= e["timestamp"] < end)


@pytest.mark.parametrize(("path", "setting"), [("/v1/portal/usage", "show_usage"),
                                               ("/v1/portal/credit", "show_credit")])
@pytest.mark.parametrize("locale", ["en", "de", "ar"])
def test_refused_when_the_setting_is_off(portal: Portal, path: str, setting: str,
                                         locale: str) -> None:
    other = "show_credit" if setting == "show_usage" else "show_usage"
    portal.configure(**{setting: False, other: True})
    portal.clear_log()
    response = portal.call("GET", path, OLGA, **{"Accept-Language": locale})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "feature_disabled"
    english = "This action is not available in this billing portal."
    assert (error["message"] == english) == (locale == "en")
    assert portal.requests() == []  # refused before any Stripe call


def test_off_by_default_and_not_in_the_view(portal: Portal) -> None:
    assert portal.call("GET", "/v1/portal/usage", OLGA).status_code == 403
    assert portal.call("GET", "/v1/portal/credit", OLGA).status_code == 403
    portal.configure(show_usage=True, show_credit=True)
    portal.call("GET", "/v1/portal", OLGA)  # warms the catalog cache
    portal.clear_log()
    view = portal.call("GET", "/v1/portal", OLGA).get_json()
    assert view["settings"]["show_usage"] is True and view["settings"]["show_credit"] is True
    # the view's budget is unchanged: usage and credit are their own requests
    assert len(portal.requests()) <= 2
    assert not any("billing" in r["path"] or "create_preview" in r["path"]
                   for r in portal.requests())


def test_usage_matches_the_sandbox_meter_events(portal: Portal) -> None:
    portal.configure(show_usage=True)
    body = usage(portal)
    [item] = body["items"]
    assert item["meter_name"] == "API calls" and item["subscription_id"] == SUB
    expected = sandbox_sum(portal, item["period_start"], item["period_end"])
    assert expected > 0 and item["usage"] == expected
    assert item["amount"] == expected * 1  # one cent a call
    assert item["amount_display"] == f"${expected / 100:,.2f}"
    assert item["unit_amount_display"] == "$0.01"
    assert item["period_display"].count(",") == 2 and "%" not in item["period_display"]
    history = item["history"]
    assert len(history) == 30
    starts = [d["start"] for d in history]
    assert starts == sorted(starts) and all(s % DAY == 0 for s in starts)
    for day in history:
        assert day["value"] == sandbox_sum(portal, day["start"], day["start"] + DAY)
    assert item["history_max"] == max(d["value"] for d in history) > 0


def test_summaries_follow_new_events(portal: Portal) -> None:
    portal.configure(show_usage=True)
    before = usage(portal)["items"][0]
    portal.stripe.v1.billing.meter_events.create({
        "event_name": "api_call", "identifier": "test_new_event",
        "payload": {"stripe_customer_id": OLGA, "value": "250"}})
    after = usage(portal)["items"][0]
    assert after["usage"] == before["usage"] + 250
    assert after["history"][-1]["value"] == before["history"][-1]["value"] + 250


def test_estimate_equals_the_invoice_after_the_clock_moves(portal: Portal) -> None:
    portal.configure(show_usage=True)
    body = usage(portal)
    [estimate] = body["estimates"]
    [item] = body["items"]
    grant = next(iter(portal.objects("billing.credit_grant").values()))
    customer = portal.obj("customer", OLGA)
    # the estimate is Stripe's arithmetic: Starter in advance + usage in arrears - grant
    assert estimate["subtotal"] == 900 + item["usage"]
    assert estimate["credits"] == min(grant["amount"]["monetary"]["value"], item["amount"])
    assert estimate["total"] == estimate["subtotal"] - estimate["credits"]
    assert estimate["balance_applied"] == min(-customer["balance"], estimate["total"])
    assert estimate["amount_due"] == estimate["total"] - estimate["balance_applied"]
    now = portal.control("GET", "/clock")["now"]
    portal.control("POST", "/clock", json={"advance_seconds": item["period_end"] - now + 1})
    invoice = max((i for i in portal.objects("invoice").values() if i["customer"] == OLGA),
                  key=lambda i: i["created"])
    assert invoice["billing_reason"] == "subscription_cycle"
    assert invoice["total"] == estimate["total"]
    assert invoice["amount_due"] == estimate["amount_due"]
    usage_line = next(line for line in invoice["lines"]
                      if line["pricing"]["price_details"]["price"] == "price_api_calls_monthly")
    assert usage_line["quantity"] == item["usage"] and usage_line["amount"] == item["amount"]


def test_customers_without_metered_items_get_an_empty_list(portal: Portal) -> None:
    portal.configure(show_usage=True)
    portal.clear_log()
    assert usage(portal, "cus_demo_ana") == {"items": [], "estimates": []}
    assert len(portal.requests()) == 1  # the subscriptions; no preview without a meter


def test_credit_balance_transactions_and_grants(portal: Portal) -> None:
    portal.configure(show_credit=True)
    [mine] = credit(portal)["customers"]
    customer = portal.obj("customer", OLGA)
    assert customer["balance"] < 0
    assert mine["credit"] == -customer["balance"]
    assert mine["credit_display"] == f"${-customer['balance'] / 100:,.2f}"
    assert mine["applies_display"] == "Applied to your next invoice."
    [txn] = mine["transactions"]
    assert txn["type"] == "applied_to_invoice" and txn["credit"] == -customer["balance"]
    assert txn["type_display"] == "Credit from an invoice"  # credit gained, not used
    [grant] = mine["grants"]
    stored = portal.obj("billing.credit_grant", grant["id"])
    assert grant["amount"] == stored["amount"]["monetary"]["value"] == 500
    assert grant["remaining"] == 500 and grant["remaining_display"] == "$5.00"
    assert grant["expires_at"] == stored["expires_at"] and grant["expires_display"]
    assert grant["applies_display"] == "Applies to metered usage on your next invoices."


def test_credit_used_by_an_invoice_reads_as_applied(portal: Portal) -> None:
    portal.configure(show_credit=True, show_usage=True)
    item = usage(portal)["items"][0]
    now = portal.control("GET", "/clock")["now"]
    portal.control("POST", "/clock", json={"advance_seconds": item["period_end"] - now + 1})
    [mine] = credit(portal)["customers"]
    used = [t for t in mine["transactions"] if t["credit"] < 0]
    assert used and {t["type_display"] for t in used} == {"Applied to an invoice"}


def test_grant_remaining_drops_after_the_invoice_uses_it(portal: Portal) -> None:
    portal.configure(show_credit=True, show_usage=True)
    item = usage(portal)["items"][0]
    now = portal.control("GET", "/clock")["now"]
    portal.control("POST", "/clock", json={"advance_seconds": item["period_end"] - now + 1})
    [mine] = credit(portal)["customers"]
    assert mine["grants"][0]["remaining"] == max(0, 500 - item["amount"])


def test_owner_adjustment_and_owed_balance(portal: Portal) -> None:
    portal.configure(show_credit=True)
    portal.stripe.v1.customers.balance_transactions.create(
        "cus_demo_ana", {"amount": 1250, "currency": "usd", "description": "Setup fee"})
    [mine] = credit(portal, "cus_demo_ana")["customers"]
    assert mine["credit"] == -1250 and mine["credit_display"] == "$12.50"
    assert mine["applies_display"] == "Added to your next invoice."
    assert mine["transactions"][0]["description"] == "Setup fee"
    assert mine["grants"] == []


def test_no_credit_no_grants(portal: Portal) -> None:
    portal.configure(show_credit=True)
    [mine] = credit(portal, "cus_demo_ana")["customers"]
    assert mine["credit"] == 0 and mine["applies_display"] is None
    assert mine["transactions"] == [] and mine["grants"] == []


def test_the_view_says_a_metered_price_bills_by_usage(portal: Portal) -> None:
    view = portal.call("GET", "/v1/portal", OLGA).get_json()
    prices = {i["price"]["id"]: i["price"] for s in view["subscriptions"] for i in s["items"]}
    assert prices["price_api_calls_monthly"]["interval_display"] == \
        "per unit used, billed per month"
    assert prices["price_starter_monthly"]["interval_display"] == "per month"


def test_usage_on_a_eur_subscription_is_in_euros(portal: Portal) -> None:
    """The metered price's base currency is USD; on a EUR subscription its usage is billed
    (and shown) from its EUR option: the unit amount and the amount in one currency."""
    portal.configure(show_usage=True)
    portal.stripe.v1.prices.update("price_api_calls_monthly",
                                   {"currency_options": {"eur": {"unit_amount": 2}}})
    portal.stripe.v1.subscriptions.update("sub_demo_elena", {
        "items": [{"price": "price_api_calls_monthly"}], "proration_behavior": "none"})
    portal.stripe.v1.billing.meter_events.create({
        "event_name": "api_call", "identifier": "test_elena_calls",
        "payload": {"stripe_customer_id": "cus_demo_elena", "value": "300"}})
    body = usage(portal, "cus_demo_elena")
    [item] = body["items"]
    [estimate] = body["estimates"]
    assert item["currency"] == estimate["currency"] == "eur"
    assert item["usage"] == 300 and item["amount"] == 300 * 2
    assert item["unit_amount_display"] == "\u20ac0.02"
    assert item["amount_display"] == "\u20ac6.00"


def test_a_metered_item_has_no_quantity_to_change(portal: Portal) -> None:
    """Its usage is its quantity: Stripe refuses a quantity on a metered price, so the portal
    neither offers nor accepts one (the product's unit label alone would allow it)."""
    portal.configure(quantity=True)
    view = portal.call("GET", "/v1/portal", customer=OLGA).get_json()
    [sub] = [s for s in view["subscriptions"] if s["id"] == SUB]
    by_price = {i["price"]["id"]: i for i in sub["items"]}
    assert by_price["price_api_calls_monthly"]["product"]["adjustable_quantity"] is False
    metered = by_price["price_api_calls_monthly"]["id"]
    refused = portal.post(f"/v1/portal/subscriptions/{SUB}/quantity/preview",
                          json={"quantity": 2, "item": metered}, customer=OLGA)
    assert refused.status_code in (400, 403), refused.get_json()
    assert error_of(refused)["code"] in ("quantity_not_adjustable", "action_not_allowed")
    before = portal.item_of(SUB, 1)
    # and the sandbox, as Stripe, refuses a quantity on it
    with pytest.raises(stripe.InvalidRequestError) as error:
        portal.stripe.v1.subscription_items.update(metered, {"quantity": 2})
    assert error.value.param == "items[0][quantity]"
    assert portal.item_of(SUB, 1) == before
