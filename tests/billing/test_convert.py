"""Converters on Stripe's wire shapes (API 2026-10-28.endive), including the edge cases."""

from __future__ import annotations

from typing import Any

import stripe

from widget_server.billing import convert


def build(cls: type[Any], values: dict[str, Any]) -> Any:
    return cls.construct_from(values, "sk_test_x")


def product(**fields: Any) -> stripe.Product:
    base = {"id": "prod_1", "object": "product", "name": "Team", "description": None,
            "unit_label": None, "metadata": {}, "active": True}
    result: stripe.Product = build(stripe.Product, {**base, **fields})
    return result


def test_quantity_rules_from_metadata() -> None:
    found = convert.product_from_stripe(product(
        unit_label="seat", metadata={"quantity_min": "2", "quantity_max": "20",
                                     "quantity_step": "2"}))
    assert (found.quantity_min, found.quantity_max, found.quantity_step) == (2, 20, 2)
    assert found.adjustable_quantity and found.unit_label == "seat"


def test_quantity_rules_tolerate_bad_metadata() -> None:
    found = convert.product_from_stripe(product(
        metadata={"quantity_min": "abc", "quantity_max": "-3", "quantity_step": "0"}))
    assert (found.quantity_min, found.quantity_max, found.quantity_step) == (1, None, 1)
    fixed = convert.product_from_stripe(product(metadata={"quantity_min": "5",
                                                          "quantity_max": "5"}))
    assert fixed.adjustable_quantity is False  # min == max: nothing to choose


def test_plain_product_has_fixed_quantity() -> None:
    assert convert.product_from_stripe(product()).adjustable_quantity is False


def test_price_with_unexpanded_product_uses_the_lookup_or_a_placeholder() -> None:
    raw = build(stripe.Price, {"id": "price_1", "object": "price", "product": "prod_1",
                               "currency": "eur", "unit_amount": 500, "active": True,
                               "recurring": {"interval": "year", "interval_count": 2},
                               "nickname": None, "lookup_key": None})
    known = convert.product_from_stripe(product())
    assert convert.price_from_stripe(raw, {"prod_1": known}).product == known
    placeholder = convert.price_from_stripe(raw).product
    assert (placeholder.id, placeholder.active) == ("prod_1", False)
    assert convert.price_from_stripe(raw).interval_count == 2


def test_discount_needs_an_expanded_coupon() -> None:
    raw = build(stripe.Discount, {"id": "di_1", "object": "discount", "end": None,
                                  "promotion_code": None,
                                  "source": {"type": "coupon", "coupon": "welcome"}})
    assert convert.discount_from_stripe(raw) is None
    assert convert.discount_from_stripe("di_1") is None
    expanded = build(stripe.Discount, {
        "id": "di_1", "object": "discount", "end": 1800000000, "promotion_code": None,
        "source": {"type": "coupon", "coupon": {
            "id": "five", "object": "coupon", "name": "$5", "percent_off": None,
            "amount_off": 500, "currency": "usd", "duration": "once",
            "duration_in_months": None}}})
    found = convert.discount_from_stripe(expanded)
    assert found is not None and (found.amount_off, found.currency) == (500, "usd")


def test_invoice_subscription_comes_from_its_parent() -> None:
    base = {"id": "in_1", "object": "invoice", "currency": "usd", "amount_due": 100,
            "amount_paid": 0, "amount_remaining": 100, "total": 100, "created": 1,
            "customer": "cus_1", "status": "open"}
    with_parent = build(stripe.Invoice, {**base, "parent": {
        "type": "subscription_details",
        "subscription_details": {"subscription": "sub_1", "metadata": {}}}})
    assert convert.invoice_from_stripe(with_parent).subscription_id == "sub_1"
    one_off = build(stripe.Invoice, {**base, "parent": None})
    assert convert.invoice_from_stripe(one_off).subscription_id is None


def test_non_card_payment_methods() -> None:
    sepa = build(stripe.PaymentMethod, {"id": "pm_1", "object": "payment_method",
                                        "type": "sepa_debit", "card": None,
                                        "sepa_debit": {"last4": "3000"}})
    found = convert.payment_method_from_stripe(sepa)
    assert (found.type, found.brand, found.last4, found.exp_month) == (
        "sepa_debit", "sepa_debit", "3000", 0)
