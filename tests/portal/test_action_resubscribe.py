"""Resubscribe: a new subscription with the same items, exactly once per page intent."""

from __future__ import annotations

import threading
from typing import Any

from test_action_support import Portal, error_of

pytest_plugins = ["test_action_support"]

DAN = "/v1/portal/subscriptions/sub_demo_dan/resubscribe"


def live_subscriptions(portal: Portal, customer: str = "cus_demo_dan") -> list[dict[str, Any]]:
    return [s for s in portal.customer_subscriptions(customer) if s["status"] != "canceled"]


def test_resubscribe_creates_one_subscription_with_the_same_items(portal: Portal) -> None:
    response = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0001")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Welcome back! Your subscription has been restarted."
    assert body["requires_payment"] is False
    [created] = live_subscriptions(portal)
    assert created["id"] == body["subscription"]["id"] != "sub_demo_dan"
    assert created["status"] == "active"
    assert created["metadata"]["resubscribed_from"] == "sub_demo_dan"
    assert portal.item_price(created["id"]) == "price_pro_monthly"
    assert portal.subscription("sub_demo_dan")["status"] == "canceled"


def test_a_double_submit_creates_exactly_one_subscription(portal: Portal) -> None:
    first = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0002")
    second = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0002")
    assert first.status_code == second.status_code == 200
    assert first.get_json()["subscription"]["id"] == second.get_json()["subscription"]["id"]
    assert len(live_subscriptions(portal)) == 1
    creates = [r for r in portal.requests() if r["path"] == "/v1/subscriptions"
               and r["method"] == "POST"]
    assert len(creates) == 2 and creates[0]["idempotency_key"] == creates[1]["idempotency_key"]
    assert "intent-resub-0002" not in creates[0]["idempotency_key"]  # derived, not the nonce


def test_concurrent_submits_create_exactly_one_subscription(portal: Portal) -> None:
    results: list[Any] = []

    def submit() -> None:
        client = portal.app.test_client()
        token = portal.token("cus_demo_dan")
        results.append(client.post(DAN, headers={"Authorization": f"Bearer {token}",
                                                 "Idempotency-Key": "intent-resub-0003"}))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    ok = [r for r in results if r.status_code == 200]
    assert ok, [r.get_json() for r in results]
    # Stripe answers a request racing an in-flight one with 409; nothing is created twice.
    assert all(r.status_code in (200, 409) for r in results)
    assert len({r.get_json()["subscription"]["id"] for r in ok}) == 1
    assert len(live_subscriptions(portal)) == 1


def test_another_intent_is_another_request(portal: Portal) -> None:
    """A new nonce is a new intent; the rules still say a canceled one only may restart."""
    first = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0004")
    assert first.status_code == 200
    again = portal.post(f"/v1/portal/subscriptions/{first.get_json()['subscription']['id']}"
                        "/resubscribe", customer="cus_demo_dan", key="intent-resub-0005")
    assert (again.status_code, error_of(again)["code"]) == (403, "action_not_allowed")
    assert len(live_subscriptions(portal)) == 1


def test_the_idempotency_key_is_required(portal: Portal) -> None:
    for key in (None, "short", "has spaces in it"):
        response = portal.post(DAN, customer="cus_demo_dan", key=key)
        assert response.status_code == 400
        assert error_of(response)["code"] == "idempotency_key_required"
    assert portal.writes() == []


def test_without_a_working_card_the_subscription_waits_for_payment(portal: Portal) -> None:
    pm = portal.stripe.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000000000000341", "exp_month": 12,
                                  "exp_year": 2031}})
    portal.stripe.v1.payment_methods.attach(pm.id, {"customer": "cus_demo_dan"})
    portal.stripe.v1.customers.update(
        "cus_demo_dan", {"invoice_settings": {"default_payment_method": pm.id}})
    response = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0006")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["requires_payment"] is True
    assert body["subscription"]["status"] == "incomplete"
    invoice = body["subscription"]["open_invoice"]
    assert invoice is not None and invoice["amount_due"] == 2900
    assert portal.obj("invoice", invoice["id"])["status"] == "open"
    assert "waiting for payment" in body["message"]


def test_another_price_only_when_allowed(portal: Portal) -> None:
    refused = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0007",
                          json={"price": "price_starter_monthly"})
    assert (refused.status_code, error_of(refused)["code"]) == (403, "feature_disabled")
    portal.configure(change_plan_when_canceled=True)
    outside = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0008",
                          json={"price": "price_onboarding_once"})
    assert (outside.status_code, error_of(outside)["code"]) == (400, "price_not_allowed")
    assert portal.writes() == []
    response = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0009",
                           json={"price": "price_starter_monthly"})
    assert response.status_code == 200, response.get_json()
    [created] = live_subscriptions(portal)
    assert portal.item_price(created["id"]) == "price_starter_monthly"


def test_a_code_only_when_allowed_and_valid(portal: Portal) -> None:
    refused = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0010",
                          json={"promotion_code": "WELCOME20"})
    assert (refused.status_code, error_of(refused)["code"]) == (403, "feature_disabled")
    portal.configure(coupon_on_resubscribe=True)
    expired = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0011",
                          json={"promotion_code": "SUMMER2025"})
    assert (expired.status_code, error_of(expired)["code"]) == (400, "code_expired")
    assert error_of(expired)["param"] == "promotion_code"
    assert portal.writes() == []
    response = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0012",
                           json={"promotion_code": "WELCOME20"})
    assert response.status_code == 200, response.get_json()
    [created] = live_subscriptions(portal)
    [discount] = created["discounts"]
    assert portal.obj("discount", discount)["promotion_code"] == "promo_welcome20"


def test_resubscribe_off_foreign_and_active(portal: Portal) -> None:
    foreign = portal.post(DAN, customer="cus_demo_ana", key="intent-resub-0013")
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    active = portal.post("/v1/portal/subscriptions/sub_demo_ana/resubscribe",
                         key="intent-resub-0014")
    assert (active.status_code, error_of(active)["code"]) == (403, "action_not_allowed")
    portal.configure(resubscribe=False)
    off = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0015")
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []
    assert live_subscriptions(portal) == []
