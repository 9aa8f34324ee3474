"""PaymentIntents behind invoices: 3-D Secure on payments, pending updates, off-session rules."""

from __future__ import annotations

import pytest
import requests
import stripe


def authenticate(sandbox, intent_id, secret, outcome="complete"):
    return requests.post(f"{sandbox.url}/_sandbox/payment_intents/{intent_id}/authenticate",
                         json={"client_secret": secret, "outcome": outcome}, timeout=5).json()


def intent_of(client, invoice_id):
    invoice = client.v1.invoices.retrieve(invoice_id, {"expand": ["confirmation_secret",
                                                                  "payments"]})
    secret = invoice.confirmation_secret.client_secret
    return invoice, secret.split("_secret_")[0], secret


def test_on_session_subscription_with_3155_needs_authentication_then_activates(
        client, sandbox, customer_with_card):
    customer, _pm = customer_with_card("4000002500003155")
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [
        {"price": "price_pro_monthly"}], "payment_behavior": "allow_incomplete"})
    assert sub.status == "incomplete"
    invoice, pi_id, secret = intent_of(client, sub.latest_invoice)
    assert invoice.status == "open" and invoice.payments.data[0].payment.payment_intent == pi_id
    assert client.v1.payment_intents.retrieve(pi_id).status == "requires_action"
    done = authenticate(sandbox, pi_id, secret)
    assert done["status"] == "succeeded" and done["amount_received"] == 2900
    assert client.v1.invoices.retrieve(invoice.id).status == "paid"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_3155_off_session_succeeds_but_3184_always_needs_authentication(
        client, sandbox, customer_with_card):
    ok, _pm = customer_with_card("4000002500003155")
    sub = client.v1.subscriptions.create({"customer": ok.id, "off_session": True, "items": [
        {"price": "price_pro_monthly"}]})
    assert sub.status == "active"
    always, _pm = customer_with_card("4000002760003184", email="always@example.com")
    sub = client.v1.subscriptions.create({"customer": always.id, "off_session": True,
                                          "items": [{"price": "price_pro_monthly"}]})
    assert sub.status == "incomplete"


def test_invoice_pay_on_session_returns_requires_action_error(client, sandbox,
                                                              customer_with_card):
    customer, _pm = customer_with_card("4000002500003155")
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [
        {"price": "price_pro_monthly"}]})
    with pytest.raises(stripe.CardError) as error:
        client.v1.invoices.pay(sub.latest_invoice, {"off_session": False})
    assert error.value.code == "invoice_payment_intent_requires_action"
    _invoice, pi_id, secret = intent_of(client, sub.latest_invoice)
    failed = authenticate(sandbox, pi_id, secret, "fail")
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    assert client.v1.subscriptions.retrieve(sub.id).status == "incomplete"


def test_pending_if_incomplete_applies_the_change_only_when_paid(client, sandbox,
                                                                 customer_with_card):
    customer, _pm = customer_with_card("4000002500003155")
    sub = client.v1.subscriptions.create({"customer": customer.id, "off_session": True,
                                          "items": [{"price": "price_starter_monthly"}]})
    item = sub["items"].data[0]
    updated = client.v1.subscriptions.update(sub.id, {
        "items": [{"id": item.id, "price": "price_pro_monthly"}],
        "proration_behavior": "always_invoice", "payment_behavior": "pending_if_incomplete"})
    assert updated["items"].data[0].price.id == "price_starter_monthly"
    assert updated.pending_update.subscription_items[0].price.id == "price_pro_monthly"
    assert updated.status == "active"
    _invoice, pi_id, secret = intent_of(client, updated.latest_invoice)
    authenticate(sandbox, pi_id, secret)
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == "price_pro_monthly"
    assert after.pending_update is None


def test_pending_update_expires_and_voids_its_invoice(client, sandbox, customer_with_card):
    customer, _good = customer_with_card("4242424242424242")
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [
        {"price": "price_starter_monthly"}]})
    bad = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000000000000341", "exp_month": 12, "exp_year": 2031}})
    client.v1.payment_methods.attach(bad.id, {"customer": customer.id})
    client.v1.subscriptions.update(sub.id, {"default_payment_method": bad.id})
    item = sub["items"].data[0]
    updated = client.v1.subscriptions.update(sub.id, {
        "items": [{"id": item.id, "price": "price_pro_monthly"}],
        "proration_behavior": "always_invoice", "payment_behavior": "pending_if_incomplete"})
    assert updated.pending_update is not None and updated.status == "active"
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": 24 * 3600},
                  timeout=5).raise_for_status()
    after = client.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert after.pending_update is None and after.latest_invoice.status == "void"
    assert after["items"].data[0].price.id == "price_starter_monthly"


def test_a_publishable_key_reads_a_payment_intent_only_with_its_client_secret(
        raw, client, customer_with_card):
    customer, _pm = customer_with_card("4000002500003155")
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [
        {"price": "price_pro_monthly"}], "payment_behavior": "allow_incomplete"})
    _invoice, pi_id, secret = intent_of(client, sub.latest_invoice)
    for wrong in ({}, {"client_secret": secret + "x"}):
        denied = raw("GET", f"/v1/payment_intents/{pi_id}", key="pk_test_x", params=wrong)
        assert denied.status_code == 400
        assert denied.json()["error"]["param"] == "client_secret"
    ok = raw("GET", f"/v1/payment_intents/{pi_id}", key="pk_test_x",
             params={"client_secret": secret})
    assert (ok.status_code, ok.json()["id"]) == (200, pi_id)
