"""Resubscribe: a new subscription with the same items, exactly once per page intent."""

from __future__ import annotations

import threading
from typing import Any

from tests.portal.helpers import Portal, error_of

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
    assert first.status_code == 200
    assert (second.status_code, error_of(second)["code"]) == (409, "duplicate_subscription")
    assert "already have a live subscription" in error_of(second)["message"]
    assert len(live_subscriptions(portal)) == 1
    creates = [r for r in portal.requests() if r["path"] == "/v1/subscriptions"
               and r["method"] == "POST"]
    assert len(creates) == 1
    assert "intent-resub-0002" not in creates[0]["idempotency_key"]  # derived, not the nonce


def test_a_second_tab_with_another_nonce_cannot_create_a_second_subscription(
        portal: Portal) -> None:
    first = portal.post(DAN, customer="cus_demo_dan", key="intent-tab1-0001")
    assert first.status_code == 200
    stale = portal.post(DAN, customer="cus_demo_dan", key="intent-tab2-0001")
    assert (stale.status_code, error_of(stale)["code"]) == (409, "duplicate_subscription")
    view = portal.client.get("/v1/portal", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_dan')}"}).get_json()
    old = next(s for s in view["subscriptions"] if s["id"] == "sub_demo_dan")
    assert old["actions"]["resubscribe"] is False
    assert old["duplicate_of"] == first.get_json()["subscription"]["id"]
    assert "already have a live subscription" in old["reason"]
    assert len(live_subscriptions(portal)) == 1


def test_concurrent_submits_create_exactly_one_subscription(portal: Portal) -> None:
    """Four tabs at once, each with its own page nonce: one subscription, one charge."""
    results: list[Any] = []

    def submit(n: int) -> None:
        client = portal.app.test_client()
        token = portal.token("cus_demo_dan")
        results.append(client.post(DAN, headers={"Authorization": f"Bearer {token}",
                                                 "Idempotency-Key": f"intent-tab-{n:04d}"}))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    ok = [r for r in results if r.status_code == 200]
    assert ok, [r.get_json() for r in results]
    # Stripe answers a request racing an in-flight one with 409, and the duplicate check
    # refuses the later ones with 409; nothing is created or charged twice.
    assert all(r.status_code in (200, 409) for r in results)
    assert len({r.get_json()["subscription"]["id"] for r in ok}) == 1
    assert len(live_subscriptions(portal)) == 1
    paid = [i for i in portal.stripe.v1.invoices.list({"customer": "cus_demo_dan"}).data
            if i.status == "paid" and i.billing_reason == "subscription_create"
            and i.created >= portal.stripe.v1.subscriptions.retrieve(
                ok[0].get_json()["subscription"]["id"]).created]
    assert len(paid) == 1


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


def test_a_restart_after_the_first_restart_moved_plans_is_not_a_replay(portal: Portal) -> None:
    """Found by the long property run: the first restart moved to another product, so the
    old one may be restarted again; the state-derived key must not replay the first restart."""
    first = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0101")
    assert first.status_code == 200
    moved = first.get_json()["subscription"]
    portal.stripe.v1.subscriptions.update(moved["id"], {
        "items": [{"id": moved["items"][0]["id"], "price": "price_starter_monthly"}],
        "proration_behavior": "none"})
    again = portal.post(DAN, customer="cus_demo_dan", key="intent-resub-0102")
    assert again.status_code == 200, again.get_json()
    created = again.get_json()["subscription"]
    assert created["id"] != moved["id"]
    assert portal.item_price(created["id"]) == "price_pro_monthly"
    assert len(live_subscriptions(portal)) == 2  # Starter (moved) and Pro: no duplicate
