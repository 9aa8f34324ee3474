"""The seeded demo data matches what DEMO_CUSTOMERS promises."""

from __future__ import annotations

from widget_server.sandbox.seed import DEMO_CUSTOMERS

EXPECTED_STATUS = {
    "cus_demo_ana": {"active"}, "cus_demo_ben": {"trialing"}, "cus_demo_carla": {"past_due"},
    "cus_demo_dan": {"canceled"}, "cus_demo_eve": {"active"}, "cus_demo_farid": {"active"},
    "cus_demo_grace": {"active"}, "cus_demo_hana": {"active"}, "cus_demo_mixed": {"active"},
    "cus_demo_ivan": {"active"}, "cus_demo_kim": {"incomplete"},
    "cus_demo_lena": {"incomplete_expired"}, "cus_demo_paul": {"active"},
    "cus_demo_sam": {"active"}, "cus_demo_uma": {"past_due"}, "cus_demo_olga": {"active"},
}


def test_every_demo_customer_exists_with_card_and_invoices(client):
    assert len(DEMO_CUSTOMERS) >= 8
    for spec in DEMO_CUSTOMERS:
        customer = client.v1.customers.retrieve(spec["id"])
        assert customer.email == spec["email"]
        assert customer.invoice_settings.default_payment_method
        subs = client.v1.subscriptions.list({"customer": spec["id"], "status": "all"}).data
        assert {s.status for s in subs} == EXPECTED_STATUS[spec["id"]]
        invoices = client.v1.invoices.list({"customer": spec["id"]}).data
        assert invoices and all(i.number for i in invoices)


def test_seeded_states(client):
    assert client.v1.subscriptions.retrieve("sub_demo_eve").cancel_at_period_end
    assert len(client.v1.subscriptions.retrieve("sub_demo_farid")["items"].data) == 2
    assert client.v1.subscriptions.retrieve("sub_demo_grace")["items"].data[0].quantity == 5
    assert client.v1.subscriptions.retrieve("sub_demo_hana").discounts
    dan = client.v1.subscriptions.retrieve("sub_demo_dan")
    assert dan.cancellation_details.feedback == "too_expensive"
    carla = client.v1.invoices.list({"customer": "cus_demo_carla", "status": "open"}).data
    assert len(carla) == 1
    paid = client.v1.invoices.list({"customer": "cus_demo_ana", "status": "paid"}).data
    assert len(paid) >= 3
    team = client.v1.products.retrieve("prod_team")
    assert team.unit_label == "seat" and team.metadata["quantity_max"] == "50"


def test_renewal_invoices_are_dated_at_their_period_start():
    """History is replayed through the clock: each renewal is dated when it happened."""
    from widget_server.sandbox import create_sandbox_app

    app = create_sandbox_app(seed=True)
    store = app.extensions["sandbox"]
    store = getattr(store, "store", store)
    renewals = [i for i in store.table("invoice").values()
                if i["billing_reason"] == "subscription_cycle"]
    assert len(renewals) >= 5
    for invoice in renewals:
        assert invoice["created"] == invoice["period_start"], invoice["number"]


def test_seeded_money_states(client):
    assert client.v1.subscriptions.retrieve("sub_demo_paul").pause_collection.behavior == "void"
    assert client.v1.subscriptions.retrieve("sub_demo_sam").schedule
    uma = client.v1.subscriptions.retrieve("sub_demo_uma", {
        "expand": ["latest_invoice.confirmation_secret"]})
    intent = uma.latest_invoice.confirmation_secret.client_secret.split("_secret_")[0]
    assert client.v1.payment_intents.retrieve(intent).status == "requires_action"
