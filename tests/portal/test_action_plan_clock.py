"""A customer on a Stripe test clock: previews prorate at the clock's frozen time and the
change charges exactly the preview; customers without a clock cost no extra Stripe call."""

from __future__ import annotations

import time
from typing import Any

from tests.portal.helpers import Portal

DAY = 86400
# far from the real time, so a preview taken at the service's "now" could not pass
START = int(time.time()) - 100 * DAY
MID_PERIOD = START + 10 * DAY + 3 * 3600 + 17


def on_clock(portal: Portal, price: str, quantity: int = 1, trial_days: int = 0,
             ) -> tuple[str, str, str]:
    """(clock, customer, subscription): subscribed at START, the clock then advanced to
    MID_PERIOD (the customer lives there; the real time is 90 days later)."""
    stripe = portal.stripe
    clock = stripe.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = stripe.v1.customers.create({"email": "clock@example.com",
                                           "test_clock": clock.id})
    pm = stripe.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2031}})
    stripe.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    stripe.v1.customers.update(customer.id,
                               {"invoice_settings": {"default_payment_method": pm.id}})
    params: dict[str, Any] = {"customer": customer.id,
                              "items": [{"price": price, "quantity": quantity}]}
    if trial_days:
        params["trial_period_days"] = trial_days
    sub = stripe.v1.subscriptions.create(params)  # type: ignore[arg-type]
    assert sub.status == ("trialing" if trial_days else "active")
    stripe.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": MID_PERIOD})
    return clock.id, customer.id, sub.id


def preview(portal: Portal, path: str, body: dict[str, Any], customer: str) -> dict[str, Any]:
    response = portal.post(f"{path}/preview", customer=customer, json=body)
    assert response.status_code == 200, response.get_json()
    shown: dict[str, Any] = response.get_json()["preview"]
    return shown


def confirm_and_invoice(portal: Portal, path: str, body: dict[str, Any], customer: str,
                        shown: dict[str, Any], sub_id: str) -> dict[str, Any]:
    response = portal.post(path, customer=customer, json={
        **body, "proration_date": shown["proration_date"],
        "expected_total": shown["expected_total"],
        "expected_amount_due": shown["expected_amount_due"]})
    assert response.status_code == 200, response.get_json()
    invoice: dict[str, Any] = portal.obj("invoice", portal.subscription(sub_id)["latest_invoice"])
    return invoice


def clock_calls(portal: Portal) -> list[dict[str, Any]]:
    return [r for r in portal.requests() if r["path"].startswith("/v1/test_helpers/")]


def test_plan_upgrade_on_a_clock_charges_the_preview_to_the_cent(portal: Portal) -> None:
    clock, customer, sub_id = on_clock(portal, "price_starter_monthly")
    path = f"/v1/portal/subscriptions/{sub_id}/change_plan"
    portal.clear_log()
    shown = preview(portal, path, {"price": "price_pro_monthly"}, customer)
    assert [r["path"] for r in clock_calls(portal)] == [f"/v1/test_helpers/test_clocks/{clock}"]
    assert shown["kind"] == "plan_change"
    assert shown["proration_date"] == MID_PERIOD  # the clock's time, not the service's
    # the unused Starter time and the remaining Pro time, both from the clock's moment
    assert {line["kind"] for line in shown["lines"]} == {"credit", "charge"}
    assert 0 < shown["amount_due"] < 4900 - 1900
    invoice = confirm_and_invoice(portal, path, {"price": "price_pro_monthly"}, customer,
                                  shown, sub_id)
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", shown["amount_due"])
    assert invoice["total"] == shown["total"]
    assert invoice["created"] == MID_PERIOD
    lines = invoice["lines"]["data"] if isinstance(invoice["lines"], dict) else invoice["lines"]
    assert {line["period"]["start"] for line in lines} == {MID_PERIOD}
    assert portal.item_price(sub_id) == "price_pro_monthly"


def test_quantity_change_on_a_clock_charges_the_preview_to_the_cent(portal: Portal) -> None:
    portal.configure(quantity=True)
    _, customer, sub_id = on_clock(portal, "price_team_monthly", quantity=5)
    path = f"/v1/portal/subscriptions/{sub_id}/quantity"
    shown = preview(portal, path, {"quantity": 7}, customer)
    assert shown["kind"] == "quantity_change" and shown["proration_date"] == MID_PERIOD
    assert shown["amount_due"] > 0
    invoice = confirm_and_invoice(portal, path, {"quantity": 7}, customer, shown, sub_id)
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", shown["amount_due"])
    assert invoice["total"] == shown["total"] and invoice["created"] == MID_PERIOD
    assert portal.item_of(sub_id)["quantity"] == 7


def test_a_trial_still_running_on_the_clock_is_a_trial(portal: Portal) -> None:
    """The trial ended 76 days ago in real time, but not on the customer's clock."""
    _, customer, sub_id = on_clock(portal, "price_starter_monthly", trial_days=14)
    path = f"/v1/portal/subscriptions/{sub_id}/change_plan"
    shown = preview(portal, path, {"price": "price_pro_monthly"}, customer)
    assert shown["in_trial"] is True and shown["trial_end"] == START + 14 * DAY
    assert (shown["amount_due"], shown["lines"]) == (0, [])
    before = portal.subscription(sub_id)["latest_invoice"]
    response = portal.post(path, customer=customer, json={"price": "price_pro_monthly"})
    assert response.status_code == 200, response.get_json()
    assert portal.item_price(sub_id) == "price_pro_monthly"
    assert portal.subscription(sub_id)["latest_invoice"] == before  # nothing charged


def test_the_real_time_is_refused_as_a_proration_date_on_a_clock(portal: Portal) -> None:
    """A date taken from the service's clock is outside the clock customer's period."""
    _, customer, sub_id = on_clock(portal, "price_starter_monthly")
    response = portal.post(f"/v1/portal/subscriptions/{sub_id}/change_plan", customer=customer,
                           json={"price": "price_pro_monthly",
                                 "proration_date": int(time.time())})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "preview_expired"
    assert portal.item_price(sub_id) == "price_starter_monthly"


def test_no_clock_no_extra_call(portal: Portal) -> None:
    portal.configure(quantity=True)
    preview(portal, "/v1/portal/subscriptions/sub_demo_ana/change_plan",
            {"price": "price_pro_yearly"}, "cus_demo_ana")
    preview(portal, "/v1/portal/subscriptions/sub_demo_grace/quantity", {"quantity": 7},
            "cus_demo_grace")
    assert portal.requests() and clock_calls(portal) == []


def test_a_portal_view_of_a_clock_customer_never_reads_the_clock(portal: Portal) -> None:
    _, customer, _ = on_clock(portal, "price_starter_monthly")
    portal.clear_log()
    response = portal.call("GET", "/v1/portal", customer=customer)
    assert response.status_code == 200
    assert portal.requests() and clock_calls(portal) == []
