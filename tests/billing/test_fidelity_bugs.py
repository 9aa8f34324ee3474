"""The four product bugs the strict sandbox revealed (issue 8), each against the sandbox.

Each test fails on the code before the fix: the sandbox now refuses, leaves out or pages
what Stripe refuses, leaves out or pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe
from flask import Flask

from widget_server.billing.changes import ItemChangePlan
from widget_server.billing.writes import StripeWriter
from widget_server.billing_web import billing_factory
from widget_server.sandbox import SandboxServer

STRIPE_KEY = "sk_test_widgetserver"


@pytest.fixture
def writer(app: Flask) -> Iterator[StripeWriter]:
    with app.app_context():
        yield billing_factory().writer(STRIPE_KEY)


def test_setup_intent_uses_the_current_parameter_name(
        writer: StripeWriter, stripe_calls: Callable[[], list[dict[str, Any]]]) -> None:
    # API 2026-10-28 renamed payment_method_types to allowed_payment_method_types on create;
    # the old name is now an unknown parameter (a 400), which broke "update card"
    secret = writer.create_setup_intent("cus_demo_ana", "idem-setup-1")
    assert secret.client_secret.startswith(secret.id + "_secret_")
    [call] = [c for c in stripe_calls() if c["path"] == "/v1/setup_intents"]
    assert call["status"] == 200
    seti = writer.client.v1.setup_intents.retrieve(secret.id)
    assert seti.allowed_payment_method_types == ["card"]


def test_a_coupon_read_includes_applies_to(writer: StripeWriter) -> None:
    # applies_to is includable: without expand[]=applies_to Stripe leaves it out, and the
    # "does this code apply to this plan" check could never refuse
    writer.client.v1.coupons.create({"id": "only-team", "percent_off": 10,
                                     "applies_to": {"products": ["prod_team"]}})
    plain = writer.client.v1.coupons.retrieve("only-team")
    assert "applies_to" not in plain
    coupon = writer.coupon("only-team")
    assert coupon is not None and coupon.applies_to_products == ("prod_team",)
    writer.client.v1.promotion_codes.create({
        "promotion": {"type": "coupon", "coupon": "only-team"}, "code": "TEAMONLY"})
    promo = writer.find_promotion_code("TEAMONLY")
    assert promo is not None and promo.coupon.applies_to_products == ("prod_team",)


def test_a_preview_longer_than_ten_lines_is_read_whole(writer: StripeWriter) -> None:
    # Stripe embeds 10 lines and pages the rest at /v1/invoices/{id}/lines; summing the
    # embedded page alone under-counts a preview with many items
    client = writer.client
    customer = client.v1.customers.create({"email": "many@example.com"})
    pm = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 1, "exp_year": 2040}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    product = client.v1.products.create({"name": "Module"})
    prices = [client.v1.prices.create({"product": product.id, "currency": "usd",
                                       "unit_amount": 100 * (n + 1),
                                       "recurring": {"interval": "month"}})
              for n in range(12)]
    client.v1.subscriptions.create({
        "customer": customer.id, "default_payment_method": pm.id,
        "items": [{"price": p.id} for p in prices]})
    subscription = writer.subscription(
        client.v1.subscriptions.list({"customer": customer.id}).data[0].id)
    assert subscription is not None and len(subscription.items) == 12
    item = subscription.items[-1]
    # at period end the preview is the next renewal: twelve period lines, one more quantity
    plan = ItemChangePlan(subscription=subscription, item=item, price_id=item.price.id,
                          quantity=3, at_period_end=True, proration_date=None,
                          restarts_cycle=False)
    preview = writer.preview_change(plan)
    assert len(preview.lines) == 12
    assert sum(line.amount for line in preview.lines) == preview.next_invoice_amount
    assert preview.next_invoice_amount == sum(100 * (n + 1) for n in range(11)) + 3 * 1200


def test_a_period_end_change_ends_its_schedule(writer: StripeWriter,
                                               sandbox: SandboxServer) -> None:
    # the second phase is one billing cycle long (duration); ignoring duration left end_date
    # null, so the schedule never released the subscription
    subscription = writer.subscription("sub_demo_ana")
    assert subscription is not None
    price = writer.price("price_starter_monthly")
    assert price is not None
    writer.change_item_at_period_end(subscription, subscription.items[0].id, price=price,
                                     quantity=1)
    schedule_id = writer.client.v1.subscriptions.retrieve("sub_demo_ana").schedule
    assert isinstance(schedule_id, str)
    schedule = writer.client.v1.subscription_schedules.retrieve(schedule_id)
    assert schedule.phases[1].end_date is not None
    now = requests.get(f"{sandbox.url}/_sandbox/clock", timeout=5).json()["now"]
    requests.post(f"{sandbox.url}/_sandbox/clock", timeout=5, json={
        "advance_seconds": schedule.phases[1].end_date - now + 1}).raise_for_status()
    released = writer.client.v1.subscription_schedules.retrieve(schedule_id)
    assert released.status == "released"
    after = writer.client.v1.subscriptions.retrieve("sub_demo_ana")
    assert after.schedule is None and after.status == "active"
    assert after["items"].data[0].price.id == "price_starter_monthly"


def test_the_old_setup_intent_parameter_is_refused(writer: StripeWriter) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        writer.client.v1.setup_intents.create({  # type: ignore[typeddict-unknown-key]
            "customer": "cus_demo_ana", "payment_method_types": ["card"]})
    assert error.value.code == "parameter_unknown"
    assert error.value.error.param == "payment_method_types"
