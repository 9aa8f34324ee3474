"""Review fixes of the usage read: ended subscriptions are neither listed nor previewed (Stripe
refuses their preview), a refused preview skips its subscription, and the estimate's rows
always add up to the amount due."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal.helpers import Portal
from tests.portal.test_read_usage import OLGA, usage
from widget_server.billing import usage as billing_usage

DAY = 86400
LENA = "cus_demo_lena"


def _expired_metered_subscription(portal: Portal) -> str:
    """Lena's card is declined: a new subscription with a metered item stays incomplete and
    expires after 23 hours."""
    sub = portal.stripe.v1.subscriptions.create({"customer": LENA, "items": [
        {"price": "price_pro_monthly"}, {"price": "price_api_calls_monthly"}]})
    assert sub.status == "incomplete"
    portal.control("POST", "/clock", json={"advance_seconds": DAY})
    assert portal.subscription(sub.id)["status"] == "incomplete_expired"
    return sub.id


def test_an_expired_subscription_is_not_previewed(portal: Portal) -> None:
    portal.configure(show_usage=True)
    _expired_metered_subscription(portal)
    portal.clear_log()
    assert usage(portal, LENA) == {"items": [], "estimates": []}
    assert not any("create_preview" in r["path"] for r in portal.requests())


@pytest.mark.parametrize("status", ["incomplete_expired", "canceled"])
def test_the_sandbox_refuses_to_preview_an_ended_subscription(portal: Portal,
                                                             status: str) -> None:
    import stripe

    sub_id = _expired_metered_subscription(portal) if status == "incomplete_expired" else \
        portal.stripe.v1.subscriptions.cancel("sub_demo_olga").id
    with pytest.raises(stripe.InvalidRequestError) as refused:
        portal.stripe.v1.invoices.create_preview({"subscription": sub_id})
    assert refused.value.code == "invoice_upcoming_none"
    assert status.replace("_", " ") in str(refused.value.user_message)


def test_a_refused_preview_skips_only_its_subscription(portal: Portal,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """If Stripe refuses one preview (the subscription ended after it was listed), the
    others are still shown: here the status filter is off, so the expired one is previewed."""
    portal.configure(show_usage=True)
    sub_id = _expired_metered_subscription(portal)
    monkeypatch.setattr(billing_usage, "ENDED", ())
    portal.clear_log()
    body = usage(portal, (OLGA, LENA))  # type: ignore[arg-type]
    assert [i["subscription_id"] for i in body["items"]] == ["sub_demo_olga"]
    assert [e["subscription_id"] for e in body["estimates"]] == ["sub_demo_olga"]
    refused = [r for r in portal.requests() if "create_preview" in r["path"]]
    assert len(refused) == 2 and sorted(r["status"] for r in refused) == [200, 400]
    assert sub_id not in str(body)


def rows_sum(estimate: dict[str, Any]) -> int:
    return int(estimate["subtotal"] - estimate["discount"] + estimate["tax"]
               - estimate["credits"] - estimate["balance_applied"] + estimate["balance_added"])


def test_the_sandbox_lists_expired_subscriptions_by_default_like_stripe(portal: Portal) -> None:
    listed = portal.stripe.v1.subscriptions.list({"customer": LENA}).data
    assert "incomplete_expired" in {s.status for s in listed}


def _invoice_after_the_period(portal: Portal, period_end: int) -> dict[str, Any]:
    now = portal.control("GET", "/clock")["now"]
    portal.control("POST", "/clock", json={"advance_seconds": period_end - now + 1})
    invoice: dict[str, Any] = max(
        (i for i in portal.objects("invoice").values() if i["customer"] == OLGA),
        key=lambda i: i["created"])
    assert invoice["billing_reason"] == "subscription_cycle"
    return invoice


@pytest.mark.parametrize("coupon", ["welcome-20", "five-off"])
def test_with_a_coupon_the_rows_add_up_and_equal_the_invoice(portal: Portal,
                                                             coupon: str) -> None:
    portal.configure(show_usage=True)
    portal.stripe.v1.subscriptions.update("sub_demo_olga", {"discounts": [{"coupon": coupon}]})
    body = usage(portal)
    [estimate], [item] = body["estimates"], body["items"]
    assert estimate["discount"] > 0 and estimate["credits"] > 0
    assert estimate["discount"] == (500 if coupon == "five-off"
                                    else (900 + item["amount"]) * 20 // 100)
    assert estimate["discount_display"] == f"${estimate['discount'] / 100:,.2f}"
    assert estimate["tax"] == 0 and estimate["balance_added"] == 0
    assert rows_sum(estimate) == estimate["amount_due"]
    assert estimate["subtotal"] - estimate["discount"] - estimate["credits"] == \
        estimate["total"]
    invoice = _invoice_after_the_period(portal, item["period_end"])
    assert sum(d["amount"] for d in invoice["total_discount_amounts"]) == estimate["discount"]
    assert invoice["total"] == estimate["total"]
    assert invoice["amount_due"] == estimate["amount_due"]


def test_a_balance_owed_shows_as_added_and_the_rows_add_up(portal: Portal) -> None:
    portal.configure(show_usage=True)
    owed = 2500
    balance = portal.obj("customer", OLGA)["balance"]
    portal.stripe.v1.customers.balance_transactions.create(
        OLGA, {"amount": owed - balance, "currency": "usd", "description": "Late fee"})
    body = usage(portal)
    [estimate], [item] = body["estimates"], body["items"]
    assert estimate["balance_applied"] == 0
    assert estimate["balance_added"] == owed and estimate["balance_added_display"] == "$25.00"
    assert estimate["amount_due"] == estimate["total"] + owed
    assert rows_sum(estimate) == estimate["amount_due"]
    invoice = _invoice_after_the_period(portal, item["period_end"])
    assert invoice["amount_due"] == estimate["amount_due"]


def test_exclusive_tax_is_a_row_inclusive_tax_is_not() -> None:
    """The sandbox has no tax: Stripe's shape, as the pinned stripe-python reads it."""
    import stripe

    def tax(amount: int, behavior: str) -> dict[str, Any]:
        return {"amount": amount, "tax_behavior": behavior, "taxable_amount": 1000,
                "type": "tax_rate_details", "tax_rate_details": None,
                "taxability_reason": "standard_rated"}

    preview = stripe.Invoice.construct_from({
        "id": "upcoming", "object": "invoice", "currency": "usd", "subtotal": 1000,
        "total": 1000 - 100 - 200 + 190, "amount_due": 1000 - 100 - 200 + 190 - 50,
        "next_payment_attempt": None,
        "total_discount_amounts": [{"amount": 100, "discount": "di_1"}],
        "total_pretax_credit_amounts": [
            {"amount": 100, "type": "discount", "discount": "di_1"},
            {"amount": 200, "type": "credit_balance_transaction",
             "credit_balance_transaction": "cbtxn_1"}],
        "total_taxes": [tax(190, "exclusive"), tax(80, "inclusive")],
    }, "sk_test")
    estimate = billing_usage._estimate("sub_1", preview)
    assert (estimate.discount, estimate.tax, estimate.credits) == (100, 190, 200)
    assert (estimate.balance_applied, estimate.balance_added) == (50, 0)
    assert estimate.subtotal - estimate.discount + estimate.tax - estimate.credits \
        - estimate.balance_applied + estimate.balance_added == estimate.amount_due


@pytest.mark.parametrize(("scope", "metered_only", "label"), [
    ({"price_type": "metered", "prices": None}, True,
     "Applies to metered usage on your next invoices."),
    ({"price_type": None, "prices": [{"id": "price_api_calls_monthly"}]}, True,
     "Applies to the usage of some metered prices on your next invoices."),
    ({"price_type": None, "prices": None}, False, "Applies to your next invoices."),
])
def test_a_price_scoped_grant_is_labelled_as_scoped(app: Any, scope: dict[str, Any],
                                                   metered_only: bool, label: str) -> None:
    import flask
    import stripe

    from widget_server.portal.usage import _grant_json

    grant = stripe.billing.CreditGrant.construct_from({
        "id": "credgr_1", "object": "billing.credit_grant", "name": None,
        "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 500}},
        "applicability_config": {"scope": scope}, "category": "promotional",
        "expires_at": None, "effective_at": None, "voided_at": None}, "sk_test")
    mine = billing_usage._grant(grant, 300)
    assert mine.metered_only is metered_only
    assert mine.price_ids == tuple(p["id"] for p in scope["prices"] or [])
    with app.test_request_context():
        assert _grant_json(mine, "en")["applies_display"] == label
    with app.test_request_context():
        flask.g.locale = "de"
        german = _grant_json(mine, "de")["applies_display"]
    assert german and german != label
