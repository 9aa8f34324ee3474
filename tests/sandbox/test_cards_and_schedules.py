"""Setup intents with the test cards (declines, 3-D Secure) and schedule phases on the clock."""

from __future__ import annotations

import pytest
import requests
import stripe


def new_card(client, number):
    return client.v1.payment_methods.create({"type": "card", "card": {
        "number": number, "exp_month": 1, "exp_year": 2035}})


def test_declined_card_fails_setup_and_records_error(client):
    seti = client.v1.setup_intents.create({"customer": "cus_demo_ana"})
    pm = new_card(client, "4000000000000002")
    with pytest.raises(stripe.CardError) as error:
        client.v1.setup_intents.confirm(seti.id, {"payment_method": pm.id})
    assert error.value.error.decline_code == "generic_decline"
    again = client.v1.setup_intents.retrieve(seti.id)
    assert again.status == "requires_payment_method"
    assert again.last_setup_error.code == "card_declined"


def test_three_d_secure_requires_action_then_completes(client, sandbox):
    seti = client.v1.setup_intents.create({"customer": "cus_demo_ana"})
    pm = new_card(client, "4000002500003155")
    pending = client.v1.setup_intents.confirm(seti.id, {"payment_method": pm.id})
    assert pending.status == "requires_action"
    assert pending.next_action.type == "use_stripe_sdk"
    done = requests.post(f"{sandbox.url}/_sandbox/setup_intents/{seti.id}/authenticate",
                         json={"client_secret": seti.client_secret, "outcome": "complete"},
                         timeout=5).json()
    assert done["status"] == "succeeded"


def test_three_d_secure_failure(client, sandbox):
    seti = client.v1.setup_intents.create({"customer": "cus_demo_ana"})
    pm = new_card(client, "4000002500003155")
    client.v1.setup_intents.confirm(seti.id, {"payment_method": pm.id})
    failed = requests.post(f"{sandbox.url}/_sandbox/setup_intents/{seti.id}/authenticate",
                           json={"client_secret": seti.client_secret, "outcome": "fail"},
                           timeout=5).json()
    assert failed["status"] == "requires_payment_method"
    assert failed["last_setup_error"]["code"] == "setup_intent_authentication_failure"


def test_publishable_key_needs_client_secret(raw, client):
    seti = client.v1.setup_intents.create({"customer": "cus_demo_ana"})
    denied = raw("GET", f"/v1/setup_intents/{seti.id}", key="pk_test_x")
    assert denied.status_code == 400
    ok = raw("GET", f"/v1/setup_intents/{seti.id}", key="pk_test_x",
             params={"client_secret": seti.client_secret})
    assert ok.json()["id"] == seti.id


@pytest.mark.parametrize(("code", "message"), [
    ("SUMMER2025", "expired"), ("OLDCODE", "inactive"), ("VIPBEN", "customer")])
def test_unusable_promotion_codes(client, code, message):
    promo = client.v1.promotion_codes.list({"code": code}).data[0]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update("sub_demo_ana", {"discounts": [
            {"promotion_code": promo.id}]})
    assert message in error.value.user_message


def test_discount_lowers_next_invoice(client):
    client.v1.subscriptions.update("sub_demo_ana", {"discounts": [{"coupon": "retention-50"}]})
    preview = client.v1.invoices.create_preview({"subscription": "sub_demo_ana"})
    assert preview.subtotal == 2900 and preview.total == 1450
    assert preview.total_discount_amounts[0].amount == 1450


def test_downgrade_at_period_end_via_schedule(client, sandbox):
    sub = client.v1.subscriptions.retrieve("sub_demo_ana")
    schedule = client.v1.subscription_schedules.create({"from_subscription": sub.id})
    phase = schedule.phases[0]
    client.v1.subscription_schedules.update(schedule.id, {"end_behavior": "release", "phases": [
        {"items": [{"price": "price_pro_monthly"}], "start_date": phase.start_date,
         "end_date": phase.end_date},
        {"items": [{"price": "price_starter_monthly"}],
         "duration": {"interval": "month", "interval_count": 1}}]})
    updated = client.v1.subscription_schedules.retrieve(schedule.id)
    second = updated.phases[1]
    # duration sets the phase's end, so the schedule ends (it stayed open-ended when ignored)
    assert second.end_date is not None and second.end_date > second.start_date
    now = requests.get(f"{sandbox.url}/_sandbox/clock", timeout=5).json()["now"]
    requests.post(f"{sandbox.url}/_sandbox/clock",
                  json={"advance_seconds": phase.end_date - now + 1}, timeout=5)
    after = client.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert after["items"].data[0].price.id == "price_starter_monthly"
    assert after.latest_invoice.total == 900
    assert after.status == "active"
    requests.post(f"{sandbox.url}/_sandbox/clock",
                  json={"advance_seconds": second.end_date - phase.end_date + 1}, timeout=5)
    assert client.v1.subscription_schedules.retrieve(schedule.id).status == "released"
    assert client.v1.subscriptions.retrieve(sub.id).schedule is None


def test_phase_duration_and_end_date_are_exclusive(client):
    schedule = client.v1.subscription_schedules.create({"from_subscription": "sub_demo_grace"})
    phase = schedule.phases[0]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscription_schedules.update(schedule.id, {"phases": [
            {"items": [{"price": "price_team_monthly", "quantity": 5}],
             "start_date": phase.start_date, "end_date": phase.end_date,
             "duration": {"interval": "month"}}]})
    assert error.value.error.param == "phases[0][duration]"


def test_stripe_js_is_served_with_cors(sandbox):
    response = requests.get(f"{sandbox.url}/js/v3/", timeout=5)
    assert response.status_code == 200
    assert "confirmCardSetup" in response.text
    assert "innerHTML" not in response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
