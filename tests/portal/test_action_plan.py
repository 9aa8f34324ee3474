"""Change plan (with its proration preview) and change quantity, against the sandbox."""

from __future__ import annotations

from tests.portal.helpers import Portal, error_of

ANA = "/v1/portal/subscriptions/sub_demo_ana"
GRACE = "/v1/portal/subscriptions/sub_demo_grace"


def test_preview_shows_the_proration_and_changes_nothing(portal: Portal) -> None:
    response = portal.post(f"{ANA}/change_plan/preview", json={"price": "price_starter_monthly"})
    assert response.status_code == 200, response.get_json()
    preview = response.get_json()["preview"]
    assert preview["currency"] == "usd"
    assert preview["applies_at_period_end"] is False
    assert preview["kind"] == "plan_change"
    assert (preview["from"]["plan"], preview["to"]["plan"]) == ("Pro monthly", "Starter monthly")
    # a cheaper plan: nothing is charged, the unused Pro time becomes a balance credit
    assert preview["amount_due"] == 0 and preview["total"] < 0
    assert preview["credited"] == -preview["total"]
    kinds = sorted(line["kind"] for line in preview["lines"])
    assert kinds == ["charge", "credit"]
    # plan names and dates are isolated (FSI..PDI) so they keep their direction in RTL text
    texts = [line["description"].replace("\u2068", "").replace("\u2069", "")
             for line in preview["lines"]]
    assert all(t.startswith(("Unused time on Pro monthly", "Remaining time on Starter monthly"))
               for t in texts)
    assert preview["next_invoice"]["date_display"]
    assert preview["card"]["display"] == "Visa •••• 4242"
    assert any("credited to your account balance" in s["text"] for s in preview["summary"])
    assert isinstance(preview["proration_date"], int)
    assert portal.writes() == []
    assert portal.item_price("sub_demo_ana") == "price_pro_monthly"


def test_change_plan_switches_the_price_in_stripe(portal: Portal) -> None:
    preview = portal.post(f"{ANA}/change_plan/preview",
                          json={"price": "price_pro_yearly"}).get_json()["preview"]
    response = portal.post(f"{ANA}/change_plan", json={
        "price": "price_pro_yearly", "proration_date": preview["proration_date"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Your plan is now Pro yearly."
    assert body["subscription"]["items"][0]["price"]["id"] == "price_pro_yearly"
    assert portal.item_price("sub_demo_ana") == "price_pro_yearly"
    updates = [w for w in portal.writes() if w["path"] == "/v1/subscriptions/sub_demo_ana"]
    assert len(updates) == 1
    [row] = portal.audit("subscription.change_plan")
    assert (row.result, row.detail["price"], row.detail["from_price"]) == (
        "ok", "price_pro_yearly", "price_pro_monthly")


def test_downgrade_waits_for_the_period_end_when_configured(portal: Portal) -> None:
    portal.configure(downgrade_at_period_end=True)
    preview = portal.post(f"{ANA}/change_plan/preview",
                          json={"price": "price_starter_monthly"}).get_json()["preview"]
    assert preview["applies_at_period_end"] is True and preview["amount_due"] == 0
    response = portal.post(f"{ANA}/change_plan", json={"price": "price_starter_monthly"})
    assert response.status_code == 200, response.get_json()
    assert "will change to Starter monthly on" in response.get_json()["message"]
    sub = portal.subscription("sub_demo_ana")
    assert portal.item_price("sub_demo_ana") == "price_pro_monthly"
    schedule = portal.obj("subscription_schedule", sub["schedule"])
    phases = schedule["phases"]
    assert len(phases) == 2
    assert phases[0]["end_date"] == portal.item_of("sub_demo_ana")["current_period_end"]
    assert phases[1]["items"][0]["price"] == "price_starter_monthly"


def test_upgrade_is_immediate_even_with_downgrades_at_period_end(portal: Portal) -> None:
    portal.configure(downgrade_at_period_end=True)
    response = portal.post("/v1/portal/subscriptions/sub_demo_mixed/change_plan",
                           customer="cus_demo_mixed", json={"price": "price_pro_yearly"})
    assert response.status_code == 200
    assert portal.item_price("sub_demo_mixed") == "price_pro_yearly"
    assert portal.subscription("sub_demo_mixed")["schedule"] is None


def test_a_cheaper_yearly_price_counts_as_a_downgrade(portal: Portal) -> None:
    portal.configure(downgrade_at_period_end=True)  # 12 x $29 > $290 a year
    response = portal.post(f"{ANA}/change_plan", json={"price": "price_pro_yearly"})
    assert response.status_code == 200
    assert response.get_json()["subscription"]["items"][0]["price"]["id"] == "price_pro_monthly"
    assert portal.subscription("sub_demo_ana")["schedule"] is not None


def test_unknown_price_and_price_outside_the_catalog(portal: Portal) -> None:
    unknown = portal.post(f"{ANA}/change_plan", json={"price": "price_nope"})
    assert unknown.status_code == 400
    assert error_of(unknown)["code"] == "unknown_price"
    assert error_of(unknown)["param"] == "price"
    portal.configure(catalog_prices=["price_pro_monthly", "price_pro_yearly"])
    outside = portal.post(f"{ANA}/change_plan", json={"price": "price_starter_monthly"})
    assert outside.status_code == 400
    assert error_of(outside)["code"] == "price_not_allowed"
    one_off = portal.post(f"{ANA}/change_plan/preview", json={"price": "price_onboarding_once"})
    assert error_of(one_off)["code"] == "price_not_allowed"
    assert portal.writes() == []
    assert [r.result for r in portal.audit("subscription.change_plan")] == ["refused"] * 2


def test_same_plan_is_refused(portal: Portal) -> None:
    response = portal.post(f"{ANA}/change_plan", json={"price": "price_pro_monthly"})
    assert (response.status_code, error_of(response)["code"]) == (400, "no_change")


def test_change_plan_off_is_403_without_stripe_writes(portal: Portal) -> None:
    portal.configure(change_plan=False)
    for path in (f"{ANA}/change_plan", f"{ANA}/change_plan/preview"):
        response = portal.post(path, json={"price": "price_pro_yearly"})
        assert response.status_code == 403
        assert error_of(response)["code"] == "feature_disabled"
    assert portal.writes() == []
    assert portal.audit("subscription.change_plan")[0].result == "refused"


def test_another_customers_subscription_is_404_without_writes(portal: Portal) -> None:
    for path in (f"{ANA}/change_plan", f"{ANA}/change_plan/preview"):
        response = portal.post(path, customer="cus_demo_ben", json={"price": "price_pro_yearly"})
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert portal.writes() == []
    assert portal.item_price("sub_demo_ana") == "price_pro_monthly"


def test_a_tampered_proration_date_is_refused(portal: Portal) -> None:
    start = portal.item_of("sub_demo_ana")["current_period_start"]
    response = portal.post(f"{ANA}/change_plan", json={
        "price": "price_starter_monthly", "proration_date": start})
    assert response.status_code == 400
    assert error_of(response)["code"] == "preview_expired"
    assert portal.writes() == []


# --- quantity ------------------------------------------------------------------------------

def test_quantity_preview_and_change(portal: Portal) -> None:
    portal.configure(quantity=True)
    preview = portal.post(f"{GRACE}/quantity/preview", customer="cus_demo_grace",
                          json={"quantity": 7})
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["preview"]["amount_due"] > 0
    assert portal.writes() == []
    response = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace", json={
        "quantity": 7, "proration_date": preview.get_json()["preview"]["proration_date"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["message"] == "Quantity changed to 7."
    assert response.get_json()["subscription"]["items"][0]["quantity"] == 7
    assert portal.item_of("sub_demo_grace")["quantity"] == 7


def test_quantity_out_of_range_or_step(portal: Portal) -> None:
    portal.configure(quantity=True)
    portal.stripe.v1.products.update("prod_team", {"metadata": {"quantity_step": "2"}})
    portal.clear_log()
    too_many = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace", json={"quantity": 53})
    assert (too_many.status_code, error_of(too_many)["code"]) == (400, "invalid_quantity")
    assert "between 1 and 50" in error_of(too_many)["message"]
    odd = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace", json={"quantity": 6})
    assert (odd.status_code, error_of(odd)["code"]) == (400, "invalid_quantity")
    assert "steps of 2" in error_of(odd)["message"]
    zero = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace", json={"quantity": 0})
    assert (zero.status_code, error_of(zero)["param"]) == (400, "quantity")
    assert portal.writes() == []
    assert portal.item_of("sub_demo_grace")["quantity"] == 5


def test_quantity_of_a_fixed_product_is_refused(portal: Portal) -> None:
    portal.configure(quantity=True)
    response = portal.post(f"{ANA}/quantity", json={"quantity": 2})
    assert response.status_code == 403
    assert error_of(response)["code"] == "action_not_allowed"
    assert portal.writes() == []


def test_quantity_off_and_foreign_subscription(portal: Portal) -> None:
    off = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace", json={"quantity": 6})
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    portal.configure(quantity=True)
    foreign = portal.post(f"{GRACE}/quantity", customer="cus_demo_ana", json={"quantity": 6})
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    assert portal.writes() == []
    assert portal.item_of("sub_demo_grace")["quantity"] == 5


def test_multi_item_needs_the_item_and_it_must_be_on_the_subscription(portal: Portal) -> None:
    portal.configure(quantity=True)
    portal.stripe.v1.subscriptions.update("sub_demo_grace", {"items": [
        {"price": "price_support_monthly"}]})
    portal.clear_log()
    missing = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace", json={"quantity": 6})
    assert (missing.status_code, error_of(missing)["param"]) == (400, "item")
    other_item = portal.item_of("sub_demo_ana")["id"]
    foreign = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace",
                          json={"quantity": 6, "item": other_item})
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    assert portal.writes() == []
    team_item = portal.item_of("sub_demo_grace")["id"]
    ok = portal.post(f"{GRACE}/quantity", customer="cus_demo_grace",
                     json={"quantity": 6, "item": team_item})
    assert ok.status_code == 200, ok.get_json()
    assert portal.item_of("sub_demo_grace")["quantity"] == 6


def test_cancel_or_upgrade_releases_a_pending_downgrade(portal: Portal) -> None:
    portal.configure(downgrade_at_period_end=True)
    assert portal.post(f"{ANA}/change_plan",
                       json={"price": "price_starter_monthly"}).status_code == 200
    schedule_id = portal.subscription("sub_demo_ana")["schedule"]
    response = portal.post(f"{ANA}/cancel")
    assert response.status_code == 200, response.get_json()
    assert portal.obj("subscription_schedule", schedule_id)["status"] == "released"
    sub = portal.subscription("sub_demo_ana")
    assert (sub["schedule"], sub["cancel_at_period_end"]) == (None, True)
