"""Update the card (SetupIntent), pay an open invoice, billing details and tax ids."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import stripe

from tests.portal.helpers import Portal, error_of


def set_up_card(portal: Portal, customer: str, number: str) -> str:
    """What the page does with Stripe.js: a SetupIntent from us, confirmed with a new card."""
    response = portal.post("/v1/portal/payment_method/setup_intent", customer=customer,
                           key=f"intent-card-{customer}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["publishable_key"] == "pk_test_sandbox"
    seti_id = body["client_secret"].split("_secret_")[0]
    pm = portal.stripe.v1.payment_methods.create(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2031}})
    portal.stripe.v1.setup_intents.confirm(seti_id, {"payment_method": pm.id})
    return pm.id


def test_update_card_sets_the_default_everywhere(portal: Portal) -> None:
    pm_id = set_up_card(portal, "cus_demo_ana", "4242424242424242")
    seti = next(iter(portal.objects("setup_intent").values()))
    assert (seti["customer"], seti["usage"]) == ("cus_demo_ana", "off_session")
    response = portal.post("/v1/portal/payment_method", json={"payment_method": pm_id})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["payment_method"]["last4"] == "4242"
    assert body["message"] == "Your payment method has been updated."
    customer = portal.obj("customer", "cus_demo_ana")
    assert customer["invoice_settings"]["default_payment_method"] == pm_id
    assert portal.subscription("sub_demo_ana")["default_payment_method"] == pm_id


def test_a_declined_card_never_becomes_the_default(portal: Portal) -> None:
    with pytest.raises(stripe.CardError):
        set_up_card(portal, "cus_demo_ana", "4000000000000002")
    [pm_id] = [p for p, row in portal.objects("payment_method").items()
               if row["card"]["last4"] == "0002"]
    portal.clear_log()
    response = portal.post("/v1/portal/payment_method", json={"payment_method": pm_id})
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert portal.writes() == []
    customer = portal.obj("customer", "cus_demo_ana")
    assert customer["invoice_settings"]["default_payment_method"] == "pm_demo_ana"


def test_another_customers_card_is_404(portal: Portal) -> None:
    response = portal.post("/v1/portal/payment_method", json={"payment_method": "pm_demo_ben"})
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    setup = portal.post("/v1/portal/payment_method/setup_intent",
                        json={"customer": "cus_demo_ben"})
    assert (setup.status_code, error_of(setup)["code"]) == (404, "not_found")
    assert portal.writes() == []
    assert portal.obj("customer", "cus_demo_ben")["invoice_settings"][
        "default_payment_method"] == "pm_demo_ben"


def test_update_card_off(portal: Portal) -> None:
    portal.configure(update_card=False)
    for path, body in (("/v1/portal/payment_method/setup_intent", None),
                       ("/v1/portal/payment_method", {"payment_method": "pm_demo_ana"})):
        response = portal.post(path, json=body)
        assert (response.status_code, error_of(response)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []
    assert portal.objects("setup_intent") == {}


# --- paying an open invoice ----------------------------------------------------------------

def carla_open_invoice(portal: Portal) -> str:
    [invoice_id] = [i for i, row in portal.objects("invoice").items()
                    if row["customer"] == "cus_demo_carla" and row["status"] == "open"]
    return invoice_id


def test_a_declined_payment_leaves_the_invoice_open(portal: Portal) -> None:
    invoice_id = carla_open_invoice(portal)
    response = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", customer="cus_demo_carla",
                           key="intent-pay-0001")
    assert response.status_code == 402
    error = error_of(response)
    assert error["code"] == "card_declined"
    assert error["message"] == ("Your card was declined. Please use another card. The invoice "
                                "is still open: update your card and try again.")
    assert portal.obj("invoice", invoice_id)["status"] == "open"
    assert portal.subscription("sub_demo_carla")["status"] == "past_due"
    [row] = portal.audit("invoice.pay")
    assert (row.result, row.detail["code"]) == ("error", "card_declined")


def test_pay_after_updating_the_card(portal: Portal) -> None:
    invoice_id = carla_open_invoice(portal)
    pm_id = set_up_card(portal, "cus_demo_carla", "4242424242424242")
    assert portal.post("/v1/portal/payment_method", customer="cus_demo_carla",
                       json={"payment_method": pm_id}).status_code == 200
    response = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", customer="cus_demo_carla",
                           key="intent-pay-0002")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["invoice"]["status"] == "paid"
    assert body["subscription"]["status"] == "active"
    assert body["message"] == "Thank you! $9.00 has been paid."
    invoice = portal.obj("invoice", invoice_id)
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", 900)
    assert portal.subscription("sub_demo_carla")["status"] == "active"


def test_double_and_concurrent_pay_charge_once(portal: Portal) -> None:
    invoice_id = carla_open_invoice(portal)
    pm_id = set_up_card(portal, "cus_demo_carla", "4242424242424242")
    portal.post("/v1/portal/payment_method", customer="cus_demo_carla",
                json={"payment_method": pm_id})
    portal.clear_log()
    results: list[Any] = []

    def pay() -> None:
        client = portal.app.test_client()
        token = portal.token("cus_demo_carla")
        results.append(client.post(f"/v1/portal/invoices/{invoice_id}/pay", headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": "intent-pay-0003"}))

    threads = [threading.Thread(target=pay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    results.append(portal.post(f"/v1/portal/invoices/{invoice_id}/pay",
                               customer="cus_demo_carla", key="intent-pay-0003"))
    assert all(r.status_code in (200, 409) for r in results), [r.get_json() for r in results]
    assert any(r.status_code == 200 for r in results)
    pays = [r for r in portal.requests() if r["path"] == f"/v1/invoices/{invoice_id}/pay"]
    assert len({r["idempotency_key"] for r in pays}) == 1
    assert len([r for r in pays if r["status"] == 200]) >= 1
    invoice = portal.obj("invoice", invoice_id)
    assert (invoice["status"], invoice["amount_paid"], invoice["attempt_count"]) == (
        "paid", 900, 2)  # the seeded failed attempt, then exactly one successful charge


def test_pay_refusals(portal: Portal) -> None:
    invoice_id = carla_open_invoice(portal)
    missing_key = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", customer="cus_demo_carla")
    assert (missing_key.status_code, error_of(missing_key)["code"]) == (
        400, "idempotency_key_required")
    foreign = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", key="intent-pay-0004")
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    [paid] = [i for i, row in portal.objects("invoice").items()
              if row["customer"] == "cus_demo_ana" and row["status"] == "paid"][:1]
    already_paid = portal.post(f"/v1/portal/invoices/{paid}/pay", key="intent-pay-0005")
    assert already_paid.status_code == 200  # a retry after success: nothing is charged
    portal.configure(pay_failed_invoices=False)
    off = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", customer="cus_demo_carla",
                      key="intent-pay-0006")
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []
    assert portal.obj("invoice", invoice_id)["status"] == "open"


# --- billing details -----------------------------------------------------------------------

def test_update_billing_details(portal: Portal) -> None:
    response = portal.call("PATCH", "/v1/portal/customer", json={
        "email": "ana@new.example", "name": "Ana S.", "phone": "+1 555 0100",
        "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                    "country": "us", "state": "IL"}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["customer"]["email"] == "ana@new.example"
    customer = portal.obj("customer", "cus_demo_ana")
    assert (customer["email"], customer["name"], customer["phone"]) == (
        "ana@new.example", "Ana S.", "+1 555 0100")
    assert customer["address"]["country"] == "US"
    assert customer["address"]["line1"] == "1 Main St"


def test_an_email_with_spaces_around_it_is_trimmed_not_refused(portal: Portal) -> None:
    response = portal.call("PATCH", "/v1/portal/customer",
                           json={"email": "  ana@pasted.example \t"})
    assert response.status_code == 200, response.get_json()
    assert portal.obj("customer", "cus_demo_ana")["email"] == "ana@pasted.example"


@pytest.mark.parametrize(("body", "param"), [
    ({"email": "not-an-email"}, "email"),
    ({"name": "x" * 257}, "name"),
    ({"phone": "call me"}, "phone"),
    ({"address": {"country": "XX"}}, "address[country]"),
    ({"address": {"planet": "Mars"}}, "address[planet]"),
    ({"address": {"line1": 12}}, "address[line1]"),
    ({"address": "Berlin"}, "address"),
    ({"metadata": {"a": "b"}}, "metadata"),
])
def test_bad_billing_details(portal: Portal, body: dict[str, Any], param: str) -> None:
    response = portal.call("PATCH", "/v1/portal/customer", json=body)
    assert response.status_code == 400
    assert error_of(response)["param"] == param
    assert portal.writes() == []


def test_billing_details_off_and_foreign_customer(portal: Portal) -> None:
    foreign = portal.call("PATCH", "/v1/portal/customer",
                          json={"customer": "cus_demo_ben", "name": "Mallory"})
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    portal.configure(billing_details=False)
    off = portal.call("PATCH", "/v1/portal/customer", json={"name": "Mallory"})
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []
    assert portal.obj("customer", "cus_demo_ana")["name"] == "Ana Souza"


def test_add_and_delete_a_tax_id(portal: Portal) -> None:
    response = portal.post("/v1/portal/customer/tax_ids",
                           json={"type": "eu_vat", "value": "FR12345678901"})
    assert response.status_code == 200, response.get_json()
    tax_id = response.get_json()["tax_id"]["id"]
    assert portal.obj("tax_id", tax_id)["value"] == "FR12345678901"
    deleted = portal.call("DELETE", f"/v1/portal/customer/tax_ids/{tax_id}")
    assert deleted.status_code == 200, deleted.get_json()
    assert tax_id not in portal.objects("tax_id")


def test_tax_id_refusals(portal: Portal) -> None:
    [ana_tax_id] = [t for t, row in portal.objects("tax_id").items()
                    if row.get("customer") == "cus_demo_ana"
                    or (row.get("owner") or {}).get("customer") == "cus_demo_ana"]
    foreign = portal.call("DELETE", f"/v1/portal/customer/tax_ids/{ana_tax_id}",
                          customer="cus_demo_ben")
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    bad_type = portal.post("/v1/portal/customer/tax_ids", json={"type": "xx_vat", "value": "1"})
    assert (bad_type.status_code, error_of(bad_type)["param"]) == (400, "type")
    portal.configure(billing_details=False)
    off = portal.post("/v1/portal/customer/tax_ids", json={"type": "eu_vat", "value": "X1"})
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    off = portal.call("DELETE", f"/v1/portal/customer/tax_ids/{ana_tax_id}")
    assert off.status_code == 403
    assert portal.writes() == []
    assert ana_tax_id in portal.objects("tax_id")


def test_a_3ds_card_asks_for_authentication_then_pays(portal: Portal) -> None:
    invoice_id = carla_open_invoice(portal)
    pm = portal.stripe.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000002500003155", "exp_month": 12, "exp_year": 2031}})
    portal.stripe.v1.payment_methods.attach(pm.id, {"customer": "cus_demo_carla"})
    portal.stripe.v1.subscriptions.update("sub_demo_carla", {"default_payment_method": pm.id})
    response = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", customer="cus_demo_carla",
                           key="intent-pay-3ds-1")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    secret = body["requires_action"]["client_secret"]
    assert body["requires_action"]["invoice"] == invoice_id
    assert portal.obj("invoice", invoice_id)["status"] == "open"
    intent_id = secret.split("_secret_")[0]
    done = portal.control("POST", f"/payment_intents/{intent_id}/authenticate",
                          json={"client_secret": secret, "outcome": "complete"})
    assert done["status"] == "succeeded"
    assert portal.obj("invoice", invoice_id)["status"] == "paid"
    assert portal.subscription("sub_demo_carla")["status"] == "active"
