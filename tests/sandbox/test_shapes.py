"""Drive every sandbox endpoint with the official StripeClient and check each object against
stripe-python's annotations, plus the fields the portal reads."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import stripe

from .shapes import undeclared_fields

RESOURCES = {
    "customer": stripe.Customer, "tax_id": stripe.TaxId, "product": stripe.Product,
    "price": stripe.Price, "subscription": stripe.Subscription,
    "subscription_item": stripe.SubscriptionItem, "invoice": stripe.Invoice,
    "coupon": stripe.Coupon, "promotion_code": stripe.PromotionCode,
    "discount": stripe.Discount, "payment_method": stripe.PaymentMethod,
    "setup_intent": stripe.SetupIntent, "subscription_schedule": stripe.SubscriptionSchedule,
}


def assert_shape(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else obj
    if data.get("object") in ("list", "search_result"):
        for row in data["data"]:
            assert_shape(row)
        return data
    if data.get("deleted"):
        assert set(data) == {"id", "object", "deleted"}
        return data
    cls = RESOURCES[data["object"]]
    assert undeclared_fields(data, cls) == [], data["object"]
    return data


def has(data: dict[str, Any], *paths: str) -> None:
    for path in paths:
        node: Any = data
        for part in path.split("."):
            assert isinstance(node, dict) and part in node, f"missing {path}"
            node = node[part]


@pytest.fixture
def c(client: stripe.StripeClient) -> stripe.StripeClient:
    return client


def test_customers_tax_ids_and_payment_methods(c):
    customer = assert_shape(c.v1.customers.create({"email": "s@example.com", "name": "S",
                                                    "phone": "+1 555", "metadata": {"a": "b"}}))
    has(customer, "id", "email", "name", "phone", "address",
        "invoice_settings.default_payment_method")
    assert_shape(c.v1.customers.retrieve(customer["id"]))
    assert_shape(c.v1.customers.update(customer["id"], {"address": {"country": "GB"}}))
    assert_shape(c.v1.customers.list({"email": "s@example.com"}))
    assert_shape(c.v1.customers.search({"query": "email:'s@example.com'"}))
    tax = assert_shape(c.v1.customers.tax_ids.create(customer["id"],
                                                     {"type": "gb_vat", "value": "GB123456789"}))
    assert tax["country"] == "GB"
    assert_shape(c.v1.customers.tax_ids.list(customer["id"]))
    assert_shape(c.v1.customers.tax_ids.retrieve(customer["id"], tax["id"]))
    assert_shape(c.v1.customers.tax_ids.delete(customer["id"], tax["id"]))
    with pytest.raises(stripe.InvalidRequestError) as bad:
        c.v1.customers.tax_ids.create(customer["id"], {"type": "eu_vat", "value": "XX1"})
    assert bad.value.code == "tax_id_invalid"
    pm = assert_shape(c.v1.payment_methods.create({"type": "card", "card": {
        "number": "5555555555554444", "exp_month": 3, "exp_year": 2034, "cvc": "123"},
        "billing_details": {"name": "S"}}))
    has(pm, "card.brand", "card.last4", "card.exp_month", "card.exp_year")
    assert (pm["card"]["brand"], pm["card"]["last4"]) == ("mastercard", "4444")
    assert_shape(c.v1.payment_methods.attach(pm["id"], {"customer": customer["id"]}))
    assert_shape(c.v1.payment_methods.retrieve(pm["id"]))
    assert_shape(c.v1.payment_methods.list({"customer": customer["id"], "type": "card"}))
    assert_shape(c.v1.customers.payment_methods.list(customer["id"]))
    assert_shape(c.v1.payment_methods.detach(pm["id"]))
    assert_shape(c.v1.customers.delete(customer["id"]))


def test_catalog(c):
    product = assert_shape(c.v1.products.create({"name": "Gizmo", "unit_label": "gizmo",
                                                 "metadata": {"k": "v"}}))
    has(product, "name", "unit_label", "metadata", "active")
    price = assert_shape(c.v1.prices.create({
        "product": product["id"], "unit_amount": 1234, "currency": "usd", "nickname": "G",
        "recurring": {"interval": "month"}, "lookup_key": "gizmo_monthly"}))
    has(price, "id", "unit_amount", "currency", "recurring", "product", "nickname", "active")
    tiered = assert_shape(c.v1.prices.create({
        "product": product["id"], "currency": "usd", "billing_scheme": "tiered",
        "tiers_mode": "graduated", "recurring": {"interval": "month"},
        "tiers": [{"up_to": 5, "unit_amount": 1000}, {"up_to": "inf", "unit_amount": 800}],
        "expand": ["tiers"]}))
    assert tiered["tiers"][1]["up_to"] is None
    assert_shape(c.v1.products.retrieve(product["id"]))
    assert_shape(c.v1.products.update(product["id"], {"description": "d"}))
    assert_shape(c.v1.products.list({"active": True}))
    assert_shape(c.v1.prices.retrieve(price["id"]))
    assert_shape(c.v1.prices.update(price["id"], {"nickname": "H"}))
    listed = assert_shape(c.v1.prices.list({"lookup_keys": ["gizmo_monthly"],
                                            "expand": ["data.product"]}))
    assert [p["id"] for p in listed["data"]] == [price["id"]]
    assert_shape(c.v1.prices.list({"product": product["id"], "type": "recurring",
                                   "active": True}))


def test_coupons_and_promotion_codes(c):
    coupon = assert_shape(c.v1.coupons.create({"id": "shape-10", "percent_off": 10,
                                               "duration": "repeating",
                                               "duration_in_months": 2,
                                               "applies_to": {"products": ["prod_pro"]}}))
    assert coupon["valid"] is True
    assert_shape(c.v1.coupons.retrieve("shape-10"))
    assert_shape(c.v1.coupons.list())
    promo = assert_shape(c.v1.promotion_codes.create({
        "promotion": {"type": "coupon", "coupon": "shape-10"}, "code": "SHAPE10",
        "restrictions": {"minimum_amount": 100, "minimum_amount_currency": "usd"}}))
    assert promo["promotion"] == {"coupon": "shape-10", "type": "coupon"}
    assert_shape(c.v1.promotion_codes.retrieve(promo["id"]))
    assert_shape(c.v1.promotion_codes.update(promo["id"], {"metadata": {"a": "b"}}))
    found = assert_shape(c.v1.promotion_codes.list({"code": "SHAPE10", "active": True}))
    assert [p["id"] for p in found["data"]] == [promo["id"]]
    expanded = assert_shape(c.v1.promotion_codes.retrieve(
        promo["id"], {"expand": ["promotion.coupon"]}))
    assert expanded["promotion"]["coupon"]["percent_off"] == 10
    assert_shape(c.v1.coupons.delete("shape-10"))


SUB_FIELDS = ("id", "status", "customer", "cancel_at_period_end", "cancel_at", "canceled_at",
              "ended_at", "trial_end", "discounts", "pause_collection",
              "default_payment_method", "latest_invoice", "cancellation_details", "metadata")
ITEM_FIELDS = ("id", "quantity", "price", "current_period_start", "current_period_end")
INVOICE_FIELDS = ("id", "number", "status", "amount_due", "amount_paid", "total", "currency",
                  "created", "hosted_invoice_url", "invoice_pdf", "parent", "lines",
                  "period_start", "period_end")


def test_subscriptions_items_and_invoices(c, customer_with_card):
    customer, pm = customer_with_card()
    sub = assert_shape(c.v1.subscriptions.create({
        "customer": customer.id, "items": [{"price": "price_team_monthly", "quantity": 3}],
        "discounts": [{"promotion_code": "promo_welcome20"}], "default_payment_method": pm.id,
        "metadata": {"source": "test"}, "expand": ["discounts", "latest_invoice"]}))
    has(sub, *SUB_FIELDS)
    for item in sub["items"]["data"]:
        has(item, *ITEM_FIELDS)
    assert sub["discounts"][0]["source"]["coupon"] == "welcome-20"
    assert sub["latest_invoice"]["total"] == 4500 - 900
    assert_shape(c.v1.subscriptions.retrieve(sub["id"]))
    assert_shape(c.v1.subscriptions.list({"customer": customer.id, "status": "all",
                                          "price": "price_team_monthly"}))
    item_id = sub["items"]["data"][0]["id"]
    assert_shape(c.v1.subscription_items.list({"subscription": sub["id"]}))
    assert_shape(c.v1.subscription_items.retrieve(item_id))
    updated = assert_shape(c.v1.subscriptions.update(sub["id"], {
        "items": [{"id": item_id, "quantity": 4}], "proration_behavior": "always_invoice",
        "pause_collection": {"behavior": "void"}, "cancel_at_period_end": True,
        "cancellation_details": {"feedback": "too_expensive", "comment": "meh"},
        "discounts": ""}))
    assert updated["items"]["data"][0]["quantity"] == 4
    assert updated["pause_collection"]["behavior"] == "void"
    assert updated["discounts"] == []
    preview = assert_shape(c.v1.invoices.create_preview({
        "customer": customer.id, "subscription": sub["id"],
        "subscription_details": {"items": [{"id": item_id, "price": "price_team_yearly"}]}}))
    has(preview, "amount_due", "total", "subtotal", "lines", "period_end",
        "next_payment_attempt")
    line = preview["lines"]["data"][0]
    has(line, "parent.subscription_item_details", "pricing.price_details.price", "period")
    invoices = assert_shape(c.v1.invoices.list({"customer": customer.id,
                                                "subscription": sub["id"]}))
    invoice = assert_shape(c.v1.invoices.retrieve(invoices["data"][0]["id"],
                                                  {"expand": ["lines.data.discounts"]}))
    has(invoice, *INVOICE_FIELDS)
    assert invoice["parent"]["subscription_details"]["subscription"] == sub["id"]
    assert requests.get(invoice["hosted_invoice_url"], timeout=5).status_code == 200
    pdf = requests.get(invoice["invoice_pdf"], timeout=5)
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    canceled = assert_shape(c.v1.subscriptions.cancel(sub["id"], {
        "cancellation_details": {"feedback": "unused"}, "invoice_now": True, "prorate": True}))
    assert canceled["status"] == "canceled"
    assert canceled["cancellation_details"]["reason"] == "cancellation_requested"


def test_pay_invoice_shape(c):
    carla = c.v1.subscriptions.retrieve("sub_demo_carla")
    pm = c.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 1, "exp_year": 2035}})
    paid = assert_shape(c.v1.invoices.pay(carla.latest_invoice, {"payment_method": pm.id}))
    assert paid["status"] == "paid"


def test_setup_intents(c):
    seti = assert_shape(c.v1.setup_intents.create({"customer": "cus_demo_ana",
                                                   "usage": "off_session",
                                                   "allowed_payment_method_types": ["card"]}))
    assert seti["client_secret"].startswith(seti["id"] + "_secret_")
    assert seti["status"] == "requires_payment_method"
    pm = c.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 1, "exp_year": 2035}})
    done = assert_shape(c.v1.setup_intents.confirm(seti["id"], {"payment_method": pm.id}))
    assert done["status"] == "succeeded"
    assert c.v1.payment_methods.retrieve(pm.id).customer == "cus_demo_ana"
    assert_shape(c.v1.setup_intents.retrieve(seti["id"]))


def test_subscription_schedules(c):
    schedule = assert_shape(c.v1.subscription_schedules.create(
        {"from_subscription": "sub_demo_ana"}))
    phase = schedule["phases"][0]
    updated = assert_shape(c.v1.subscription_schedules.update(schedule["id"], {
        "end_behavior": "release",
        "phases": [{"items": [{"price": "price_pro_monthly", "quantity": 1}],
                    "start_date": phase["start_date"], "end_date": phase["end_date"]},
                   {"items": [{"price": "price_starter_monthly", "quantity": 1}]}]}))
    assert len(updated["phases"]) == 2
    assert_shape(c.v1.subscription_schedules.retrieve(schedule["id"]))
    assert_shape(c.v1.subscription_schedules.list())
    released = assert_shape(c.v1.subscription_schedules.release(schedule["id"]))
    assert released["status"] == "released"
    other = c.v1.subscription_schedules.create({"from_subscription": "sub_demo_grace"})
    assert_shape(c.v1.subscription_schedules.cancel(other.id))
    assert c.v1.subscriptions.retrieve("sub_demo_grace").status == "canceled"
