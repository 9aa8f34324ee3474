"""Billing behaviour: charging, declines, paying, prorations, cancel at period end."""

from __future__ import annotations

import pytest
import requests
import stripe

DAY = 86400


def test_create_charges_and_creates_paid_invoice(client, customer_with_card):
    customer, _ = customer_with_card()
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_pro_monthly"}],
         "expand": ["latest_invoice"]})
    assert sub.status == "active"
    assert sub.latest_invoice.status == "paid"
    assert sub.latest_invoice.amount_paid == 2900
    assert sub.latest_invoice.parent.subscription_details.subscription == sub.id


def test_declined_card_leaves_incomplete_with_open_invoice(client, customer_with_card):
    customer, _ = customer_with_card("4000000000009995")
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_pro_monthly"}]})
    assert sub.status == "incomplete"
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.status == "open"
    assert invoice.amount_remaining == 2900


def test_pay_open_invoice_with_good_card_activates(client, customer_with_card):
    customer, _ = customer_with_card("4000000000000341")
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    with pytest.raises(stripe.CardError) as declined:
        client.v1.invoices.pay(sub.latest_invoice)
    assert declined.value.code == "card_declined"
    good = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 1,
                                  "exp_year": 2032}})
    client.v1.payment_methods.attach(good.id, {"customer": customer.id})
    paid = client.v1.invoices.pay(sub.latest_invoice, {"payment_method": good.id})
    assert paid.status == "paid"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_seeded_past_due_becomes_active_when_paid(client):
    sub = client.v1.subscriptions.retrieve("sub_demo_carla")
    assert sub.status == "past_due"
    good = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "5555555555554444", "exp_month": 1,
                                  "exp_year": 2032}})
    client.v1.invoices.pay(sub.latest_invoice, {"payment_method": good.id})
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_upgrade_preview_prorates_by_time_left(client, customer_with_card):
    customer, _ = customer_with_card()
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    item = sub["items"].data[0]
    start, end = item.current_period_start, item.current_period_end
    halfway = start + (end - start) // 2
    preview = client.v1.invoices.create_preview({
        "customer": customer.id, "subscription": sub.id,
        "subscription_details": {
            "items": [{"id": item.id, "price": "price_pro_monthly"}],
            "proration_behavior": "always_invoice", "proration_date": halfway}})
    remaining, length = end - halfway, end - start
    credit = -((900 * remaining * 2 + length) // (2 * length))  # half up, like Stripe
    charge = (2900 * remaining * 2 + length) // (2 * length)
    amounts = sorted(line.amount for line in preview.lines.data)
    assert amounts == [credit, charge]
    assert preview.amount_due == credit + charge
    assert all(line.parent.subscription_item_details.proration for line in preview.lines.data)


def test_next_invoice_preview_includes_next_period(client):
    preview = client.v1.invoices.create_preview({"subscription": "sub_demo_grace"})
    assert preview.total == 5 * 1500
    assert preview.lines.data[0].quantity == 5


def test_cancel_at_period_end_then_clock_advance_cancels(client, sandbox):
    sub = client.v1.subscriptions.update("sub_demo_ana", {"cancel_at_period_end": True})
    assert sub.cancel_at == sub["items"].data[0].current_period_end
    seconds = sub.cancel_at - requests.get(f"{sandbox.url}/_sandbox/clock", timeout=5).json()[
        "now"] + 1
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": seconds},
                  timeout=5).raise_for_status()
    after = client.v1.subscriptions.retrieve("sub_demo_ana")
    assert after.status == "canceled"
    assert after.ended_at == sub.cancel_at


def test_clock_renews_and_invoices(client, sandbox):
    before = client.v1.invoices.list({"subscription": "sub_demo_grace"}).data
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 32 * DAY},
                  timeout=5).raise_for_status()
    after = client.v1.invoices.list({"subscription": "sub_demo_grace"}).data
    assert len(after) == len(before) + 1
    assert after[0].status == "paid" and after[0].total == 7500


def test_canceled_subscription_cannot_be_updated(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update("sub_demo_dan", {"items": [
            {"price": "price_pro_yearly"}]})
    assert "canceled subscription" in error.value.user_message


def test_failed_renewal_makes_subscription_past_due(client, sandbox, customer_with_card):
    customer, _ = customer_with_card()
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_starter_monthly"}]})
    failing = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000000000009995", "exp_month": 1, "exp_year": 2033}})
    client.v1.payment_methods.attach(failing.id, {"customer": customer.id})
    client.v1.subscriptions.update(sub.id, {"default_payment_method": failing.id})
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 32 * DAY},
                  timeout=5).raise_for_status()
    after = client.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert after.status == "past_due"
    assert after.latest_invoice.status == "open"
    assert after.latest_invoice.billing_reason == "subscription_cycle"


def test_quantity_change_creates_prorations_for_next_invoice(client):
    sub = client.v1.subscriptions.retrieve("sub_demo_grace")
    item = sub["items"].data[0]
    client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "quantity": 7}]})
    preview = client.v1.invoices.create_preview({"subscription": sub.id})
    prorations = [line for line in preview.lines.data
                  if line.parent.subscription_item_details.proration]
    assert len(prorations) == 2
    assert sum(line.amount for line in prorations) > 0
    assert preview.total == sum(line.amount for line in preview.lines.data)


def test_promotion_code_minimum_amount_checks_the_subscription_amount(client):
    promo = client.v1.promotion_codes.create({
        "promotion": {"type": "coupon", "coupon": "vip-50"}, "code": "MIN5",
        "restrictions": {"minimum_amount": 500, "minimum_amount_currency": "usd"}})
    preview = client.v1.invoices.create_preview(
        {"subscription": "sub_demo_ana", "discounts": [{"promotion_code": promo.id}]})
    assert preview.total == 1450
    sub = client.v1.subscriptions.update("sub_demo_ana",
                                         {"discounts": [{"promotion_code": promo.id}]})
    assert len(sub.discounts) == 1
    big = client.v1.promotion_codes.create({
        "promotion": {"type": "coupon", "coupon": "vip-50"}, "code": "MIN50",
        "restrictions": {"minimum_amount": 5000, "minimum_amount_currency": "usd"}})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update("sub_demo_ana",
                                       {"discounts": [{"promotion_code": big.id}]})
    assert "minimum amount" in error.value.user_message


def test_unchanged_item_creates_no_prorations_or_invoice(client):
    sub = client.v1.subscriptions.retrieve("sub_demo_grace")
    item = sub["items"].data[0]
    before = client.v1.invoices.list({"subscription": sub.id, "limit": 100}).data
    client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "quantity": 5}],
                                            "proration_behavior": "always_invoice"})
    assert len(client.v1.invoices.list({"subscription": sub.id, "limit": 100}).data) == len(
        before)
    preview = client.v1.invoices.create_preview({"subscription": sub.id})
    assert not [line for line in preview.lines.data
                if line.parent.subscription_item_details.proration]


def test_incomplete_subscription_expires_and_voids_its_invoice(client, sandbox,
                                                               customer_with_card):
    customer, _ = customer_with_card("4000000000009995")
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_pro_monthly"}]})
    assert sub.status == "incomplete"
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": DAY},
                  timeout=5).raise_for_status()
    after = client.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert after.status == "incomplete_expired"
    assert after.latest_invoice.status == "void"
    assert after.latest_invoice.amount_remaining == 0
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(after.latest_invoice.id)
