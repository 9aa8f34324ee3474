"""The JSON converters of the hot reads give exactly what the StripeObject converters give,
for every seeded customer (subscriptions with every expansion, customers, invoices, cards)."""

from __future__ import annotations

import pytest
import stripe
from flask import Flask

from tests.billing.conftest import STRIPE_KEY
from widget_server.billing import convert, convert_json
from widget_server.billing.gateway import CUSTOMER_EXPAND, SUBSCRIPTION_EXPAND
from widget_server.billing_web import registry
from widget_server.sandbox.seed import DEMO_CUSTOMERS

SEEDED_IDS = [c["id"] for c in DEMO_CUSTOMERS]


@pytest.fixture
def client(app: Flask) -> stripe.StripeClient:
    return registry(app).client_for(STRIPE_KEY)


@pytest.mark.parametrize("customer_id", SEEDED_IDS)
def test_subscriptions_and_their_invoices_convert_alike(client: stripe.StripeClient,
                                                        customer_id: str) -> None:
    params = {"customer": customer_id, "status": "all", "limit": 100,
              "expand": SUBSCRIPTION_EXPAND}
    typed = client.v1.subscriptions.list(params)  # type: ignore[arg-type]
    raw = client.raw_request("get", "/v1/subscriptions", **params).data
    assert len(typed.data) == len(raw["data"]) > 0
    for obj, data in zip(typed.data, raw["data"], strict=True):
        assert convert_json.subscription_from_json(data) == convert.subscription_from_stripe(obj)
        if "default_payment_method" in obj and isinstance(obj.default_payment_method,
                                                          stripe.PaymentMethod):
            assert (convert_json.payment_method_from_json(data["default_payment_method"])
                    == convert.payment_method_from_stripe(obj.default_payment_method))
    invoices = client.raw_request("get", "/v1/invoices", customer=customer_id, limit=100).data
    typed_invoices = client.v1.invoices.list({"customer": customer_id, "limit": 100})
    assert [convert_json.invoice_from_json(i) for i in invoices["data"]] == [
        convert.invoice_from_stripe(i) for i in typed_invoices.data]


@pytest.mark.parametrize("customer_id", SEEDED_IDS)
def test_customers_convert_alike(client: stripe.StripeClient, customer_id: str) -> None:
    typed = client.v1.customers.retrieve(customer_id, {"expand": CUSTOMER_EXPAND})
    raw = client.raw_request("get", f"/v1/customers/{customer_id}", expand=CUSTOMER_EXPAND).data
    assert convert_json.customer_from_json(raw) == convert.customer_from_stripe(typed)
    assert (convert_json.customer_default_payment_method(raw)
            == convert.customer_default_payment_method(typed))


def test_the_scheduled_change_and_discount_are_read(client: stripe.StripeClient) -> None:
    """The fields only expansions carry, checked by value, not only against the other path."""
    sam = client.raw_request("get", "/v1/subscriptions", customer="cus_demo_sam", status="all",
                             expand=SUBSCRIPTION_EXPAND).data["data"][0]
    change = convert_json.subscription_from_json(sam).scheduled_change
    assert change is not None and change.items == (("price_starter_yearly", 1),)
    hana = client.raw_request("get", "/v1/subscriptions", customer="cus_demo_hana", status="all",
                              expand=SUBSCRIPTION_EXPAND).data["data"][0]
    (discount,) = convert_json.subscription_from_json(hana).discounts
    assert (discount.percent_off, discount.promotion_code) == (20, "WELCOME20")



@pytest.mark.parametrize("status", ["draft", "open", "paid", "void", "uncollectible"])
def test_only_an_unsettled_latest_invoice_is_converted(status: str) -> None:
    """A paid or void latest invoice tells a view nothing (no banner, no payment, no attempt
    date): both converters keep only a draft or open one, and always its id."""
    invoice = {"id": "in_1", "object": "invoice", "status": status, "currency": "usd",
               "amount_due": 900, "amount_paid": 0, "amount_remaining": 900, "total": 900,
               "created": 1, "lines": {"object": "list", "data": [], "has_more": False}}
    sub = {"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "past_due",
           "currency": "usd", "created": 1, "latest_invoice": invoice,
           "items": {"object": "list", "data": [], "has_more": False}}
    from_json = convert_json.subscription_from_json(sub)
    from_sdk = convert.subscription_from_stripe(stripe.Subscription.construct_from(sub, "sk"))
    kept = status in ("draft", "open")
    for converted in (from_json, from_sdk):
        assert converted.latest_invoice_id == "in_1"
        assert (converted.latest_invoice is not None) is kept
        if kept:
            assert converted.latest_invoice is not None
            assert converted.latest_invoice.amount_remaining == 900
