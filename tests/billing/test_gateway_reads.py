"""The read gateway against the seeded sandbox: lookups, snapshots, invoices, call budget."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from widget_server.billing.errors import (
    BillingUnavailable,
    CustomerNotFound,
    ResourceNotFound,
)
from widget_server.billing.gateway import StripeGateway, escape_search_value
from widget_server.billing_web.errors import api_error
from widget_server.sandbox import SandboxServer
from widget_server.sandbox.seed import DEMO_CUSTOMERS

SEEDED_IDS = [c["id"] for c in DEMO_CUSTOMERS]


# --- find_customers --------------------------------------------------------------------------

def test_find_by_id(gateway: StripeGateway) -> None:
    (found,) = gateway.find_customers(customer_id="cus_demo_ana")
    assert (found.id, found.email, found.name) == ("cus_demo_ana", "ana@example.com", "Ana Souza")


def test_find_by_unknown_id_is_empty(gateway: StripeGateway) -> None:
    assert gateway.find_customers(customer_id="cus_does_not_exist") == ()


def test_find_by_id_when_stripe_fails_is_a_billing_error(
    gateway: StripeGateway, faults: Callable[..., None]
) -> None:
    """Not an untranslated stripe.APIError (a 500): the typed error, like every other read."""
    faults(error_status=500, rate=1.0, path="/v1/customers")
    with pytest.raises(BillingUnavailable):
        gateway.find_customers(customer_id="cus_demo_ana")


def test_find_by_email(gateway: StripeGateway) -> None:
    assert [c.id for c in gateway.find_customers(email="ben@example.com")] == ["cus_demo_ben"]


@pytest.mark.parametrize("typed", ["mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM",
                                   "Mixed.Case@Example.com"])
def test_find_by_email_ignores_ascii_case(gateway: StripeGateway, typed: str) -> None:
    assert [c.id for c in gateway.find_customers(email=typed)] == ["cus_demo_mixed"]


def test_find_by_email_never_trims(gateway: StripeGateway) -> None:
    # The hash signed these exact bytes (DESIGN §5): a padded email is another identifier.
    assert gateway.find_customers(email=" mixed.case@example.com ") == ()


def test_find_by_unknown_email_is_empty(gateway: StripeGateway) -> None:
    assert gateway.find_customers(email="nobody@example.com") == ()
    assert gateway.find_customers(email="") == ()


def test_find_by_email_costs_one_round_of_calls(
    gateway: StripeGateway, stripe_calls: Callable[[], list[dict[str, Any]]]
) -> None:
    gateway.find_customers(email="Mixed.Case@Example.com")
    paths = sorted(r["path"] for r in stripe_calls())
    assert paths == ["/v1/customers", "/v1/customers", "/v1/customers/search"]


def test_find_by_email_with_quote(gateway: StripeGateway) -> None:
    created = gateway.client.v1.customers.create({"email": "o'brien@example.com"})
    try:
        assert [c.id for c in gateway.find_customers(email="o'brien@example.com")] == [created.id]
    finally:
        gateway.client.v1.customers.delete(created.id)


def test_deleted_customer_is_not_found(gateway: StripeGateway) -> None:
    created = gateway.client.v1.customers.create({"email": "gone@example.com"})
    gateway.client.v1.customers.delete(created.id)
    assert gateway.find_customers(customer_id=created.id) == ()
    assert gateway.find_customers(email="gone@example.com") == ()


def test_search_values_are_escaped() -> None:
    assert escape_search_value("a'b\\c") == "a\\'b\\\\c"


# --- snapshot --------------------------------------------------------------------------------

@pytest.mark.parametrize("customer_id", SEEDED_IDS)
def test_snapshot_matches_the_sandbox(
    gateway: StripeGateway, sandbox_state: Callable[[], dict[str, Any]], customer_id: str
) -> None:
    snapshot = gateway.snapshot([customer_id])
    state = sandbox_state()
    expected_subs = {s["id"]: s for s in state["subscription"].values()
                     if s["customer"] == customer_id}
    assert snapshot.customer is not None and snapshot.customer.id == customer_id
    assert snapshot.customer.email == state["customer"][customer_id]["email"]
    assert {s.id for s in snapshot.subscriptions} == set(expected_subs)
    assert [s.created for s in snapshot.subscriptions] == sorted(
        (s.created for s in snapshot.subscriptions), reverse=True)
    for sub in snapshot.subscriptions:
        raw = expected_subs[sub.id]
        assert sub.status == raw["status"]
        assert sub.cancel_at_period_end == raw["cancel_at_period_end"]
        assert sub.canceled_at == raw["canceled_at"]
        assert sub.trial_end == raw["trial_end"]
        raw_items = [i for i in state["subscription_item"].values() if i["subscription"] == sub.id]
        assert {i.id for i in sub.items} == {i["id"] for i in raw_items}
        for item in sub.items:
            raw_item = state["subscription_item"][item.id]
            raw_price = state["price"][raw_item["price"]]
            assert item.price.id == raw_price["id"]
            assert item.price.unit_amount == raw_price["unit_amount"]
            assert item.quantity == (raw_item["quantity"] or 1)  # metered items have none
            assert item.current_period_end == raw_item["current_period_end"]
            assert item.price.product.name == state["product"][raw_price["product"]]["name"]
        assert [d.id for d in sub.discounts] == raw["discounts"]
    assert snapshot.catalog, "the catalog comes with the snapshot"


def test_snapshot_shapes(gateway: StripeGateway) -> None:
    by_customer = {c: gateway.snapshot([c]) for c in
                   ("cus_demo_ana", "cus_demo_carla", "cus_demo_dan", "cus_demo_eve",
                    "cus_demo_grace", "cus_demo_hana")}
    ana = by_customer["cus_demo_ana"]
    assert ana.customer is not None
    assert [(t.type, t.value) for t in ana.customer.tax_ids] == [("eu_vat", "DE123456789")]
    assert ana.payment_method is not None and ana.payment_method.last4 == "4242"
    carla = by_customer["cus_demo_carla"].subscriptions[0]
    assert carla.status == "past_due"
    assert carla.latest_invoice is not None and carla.latest_invoice.status == "open"
    dan = by_customer["cus_demo_dan"].subscriptions[0]
    assert dan.status == "canceled" and dan.cancellation_feedback == "too_expensive"
    assert by_customer["cus_demo_eve"].subscriptions[0].cancel_at_period_end
    grace = by_customer["cus_demo_grace"].subscriptions[0].items[0]
    assert grace.quantity == 5 and grace.price.product.adjustable_quantity
    assert (grace.price.product.unit_label, grace.price.product.quantity_max) == ("seat", 50)
    (discount,) = by_customer["cus_demo_hana"].subscriptions[0].discounts
    assert (discount.coupon_id, discount.percent_off, discount.promotion_code) == (
        "welcome-20", 20.0, "WELCOME20")


def test_snapshot_of_unknown_customer(gateway: StripeGateway) -> None:
    with pytest.raises(CustomerNotFound) as caught:
        gateway.snapshot(["cus_does_not_exist"])
    assert api_error(caught.value).status == 404


@pytest.mark.parametrize("customer_id", ["cus_demo_ana", "cus_demo_farid", "cus_demo_ivan"])
def test_snapshot_call_budget(
    gateway: StripeGateway, stripe_calls: Callable[[], list[dict[str, Any]]], customer_id: str
) -> None:
    gateway.snapshot([customer_id])
    cold = sorted(r["path"] for r in stripe_calls())
    # tax ids come with the customer (expand[]=tax_ids), not from a call of their own
    assert cold == sorted(["/v1/prices", f"/v1/customers/{customer_id}", "/v1/subscriptions"])
    gateway.snapshot([customer_id])
    warm = [r["path"] for r in stripe_calls()][len(cold):]
    assert "/v1/prices" not in warm and len(warm) == 2


def test_more_than_ten_tax_ids_are_listed_whole(
    gateway: StripeGateway, stripe_calls: Callable[[], list[dict[str, Any]]]
) -> None:
    for n in range(11):
        gateway.client.v1.customers.tax_ids.create(
            "cus_demo_ben", {"type": "au_abn", "value": f"{n:011d}"})
    stripe_calls()
    snapshot = gateway.snapshot(["cus_demo_ben"])
    assert len(snapshot.customers[0].tax_ids) == 11
    assert "/v1/customers/cus_demo_ben/tax_ids" in [r["path"] for r in stripe_calls()]


def test_products_outside_the_catalog_are_fetched_once_batched(
    gateway: StripeGateway, stripe_calls: Callable[[], list[dict[str, Any]]]
) -> None:
    gateway.catalog.prices()
    products = gateway.catalog.products(["prod_onboarding", "prod_pro", "prod_gone"])
    assert products["prod_onboarding"].name == "Onboarding session"  # one-off price only
    assert products["prod_pro"].name == "Pro"
    assert products["prod_gone"].active is False
    gateway.catalog.products(["prod_onboarding", "prod_gone"])
    assert [r["path"] for r in stripe_calls()] == ["/v1/prices", "/v1/products"]


# --- subscriptions and invoices --------------------------------------------------------------

def test_subscription_is_reread_and_owned(gateway: StripeGateway) -> None:
    sub = gateway.subscription("sub_demo_farid", ["cus_demo_farid"])
    assert {i.price.product.name for i in sub.items} == {"Pro", "Priority support"}
    with pytest.raises(ResourceNotFound):
        gateway.subscription("sub_demo_farid", ["cus_demo_ana"])
    with pytest.raises(ResourceNotFound):
        gateway.subscription("sub_nope", ["cus_demo_ana"])


def test_invoices_newest_first_and_bounded(
    gateway: StripeGateway, sandbox_state: Callable[[], dict[str, Any]]
) -> None:
    invoices = gateway.invoices(["cus_demo_ana"])
    expected = [i for i in sandbox_state()["invoice"].values()
                if i["customer"] == "cus_demo_ana" and i["status"] != "draft"]
    assert {i.id for i in invoices} == {i["id"] for i in expected}
    assert [i.created for i in invoices] == sorted((i.created for i in invoices), reverse=True)
    assert all(i.subscription_id == "sub_demo_ana" for i in invoices)
    assert len(gateway.invoices(["cus_demo_ana"], limit=1)) == 1


def add_one_off_invoice(sandbox: SandboxServer, customer_id: str) -> str:
    """The sandbox cannot create one-off invoices: copy a paid one without its parent."""
    store = sandbox.store
    with store.lock:
        template = next(i for i in store.table("invoice").values()
                        if i["customer"] == customer_id and i["status"] == "paid")
        invoice = copy.deepcopy(template)
        invoice.update(id=store.new_id("in_"), parent=None, number=None,
                       created=store.now())
        store.insert("invoice", invoice)
    return str(invoice["id"])


def test_invoices_of_subscriptions_only(gateway: StripeGateway, sandbox: SandboxServer) -> None:
    one_off = add_one_off_invoice(sandbox, "cus_demo_ivan")
    every = gateway.invoices(["cus_demo_ivan"])
    subscription_only = gateway.invoices(["cus_demo_ivan"], subscriptions_only=True)
    assert one_off in {i.id for i in every}
    assert one_off not in {i.id for i in subscription_only}
    team = gateway.invoices(["cus_demo_ivan"], subscription_ids={"sub_demo_ivan_team"})
    assert team and {i.subscription_id for i in team} == {"sub_demo_ivan_team"}


def test_open_invoice(gateway: StripeGateway) -> None:
    invoice = gateway.open_invoice(["cus_demo_carla"], "sub_demo_carla")
    assert invoice is not None and invoice.status == "open" and invoice.amount_remaining == 900
    assert gateway.open_invoice(["cus_demo_ana"], "sub_demo_carla") is None
    assert gateway.open_invoice(["cus_demo_ana"], "sub_demo_ana") is None
