"""Plan and quantity changes charge exactly what their preview showed, or nothing."""

from __future__ import annotations

import time
from typing import Any

from tests.portal.helpers import Portal, error_of

ANA = "/v1/portal/subscriptions/sub_demo_ana"
GRACE = "/v1/portal/subscriptions/sub_demo_grace"


def preview(portal: Portal, path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = portal.post(f"{path}/preview", json=body, **kw)
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()["preview"]
    return result


def confirm(portal: Portal, path: str, body: dict[str, Any], shown: dict[str, Any],
            **kw: Any) -> Any:
    return portal.post(path, json={**body, "proration_date": shown["proration_date"],
                                   "expected_total": shown["expected_total"],
                                   "expected_amount_due": shown["expected_amount_due"]}, **kw)


def latest_invoice(portal: Portal, sub_id: str) -> dict[str, Any]:
    invoice: dict[str, Any] = portal.obj("invoice", portal.subscription(sub_id)["latest_invoice"])
    return invoice


def test_monthly_to_yearly_charges_exactly_the_preview(portal: Portal) -> None:
    body = {"price": "price_pro_yearly"}
    shown = preview(portal, f"{ANA}/change_plan", body)
    assert shown["kind"] == "interval_change"
    assert shown["to"]["interval"] == "year" and shown["from"]["interval"] == "month"
    assert shown["amount_due"] > 0  # a year of Pro less the unused month: charged today
    assert sorted(line["kind"] for line in shown["lines"]) == ["credit", "period"]
    assert sum(line["amount"] for line in shown["lines"]) == shown["total"]
    response = confirm(portal, f"{ANA}/change_plan", body, shown)
    assert response.status_code == 200, response.get_json()
    invoice = latest_invoice(portal, "sub_demo_ana")
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", shown["amount_due"])
    assert invoice["total"] == shown["total"]
    assert portal.item_price("sub_demo_ana") == "price_pro_yearly"


def test_a_quantity_increase_is_charged_now_as_previewed(portal: Portal) -> None:
    portal.configure(quantity=True)
    body = {"quantity": 7}
    shown = preview(portal, f"{GRACE}/quantity", body, customer="cus_demo_grace")
    assert shown["kind"] == "quantity_change" and shown["amount_due"] > 0
    assert (shown["from"]["quantity"], shown["to"]["quantity"]) == (5, 7)
    before = portal.subscription("sub_demo_grace")["latest_invoice"]
    response = confirm(portal, f"{GRACE}/quantity", body, shown, customer="cus_demo_grace")
    assert response.status_code == 200, response.get_json()
    invoice = latest_invoice(portal, "sub_demo_grace")
    assert invoice["id"] != before
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", shown["amount_due"])
    # a second preview shows only its own lines, never the first change again
    again = preview(portal, f"{GRACE}/quantity", {"quantity": 8}, customer="cus_demo_grace")
    assert again["other_pending"] == 0 and len(again["lines"]) == 2


def test_a_stale_preview_is_refused_with_a_fresh_one(portal: Portal) -> None:
    portal.configure(quantity=True)
    shown = preview(portal, f"{GRACE}/quantity", {"quantity": 7}, customer="cus_demo_grace")
    item = portal.item_of("sub_demo_grace")["id"]  # another tab adds a seat meanwhile
    portal.stripe.v1.subscriptions.update("sub_demo_grace", {
        "items": [{"id": item, "quantity": 6}], "proration_behavior": "none"})
    response = confirm(portal, f"{GRACE}/quantity", {"quantity": 7}, shown,
                       customer="cus_demo_grace")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "preview_stale"
    assert 0 < body["preview"]["amount_due"] < shown["amount_due"]  # one seat, not two
    assert body["preview"]["from"]["quantity"] == 6
    assert portal.item_of("sub_demo_grace")["quantity"] == 6  # the stale change: not applied
    fresh = body["preview"]
    ok = confirm(portal, f"{GRACE}/quantity", {"quantity": 7}, fresh, customer="cus_demo_grace")
    assert ok.status_code == 200, ok.get_json()
    assert latest_invoice(portal, "sub_demo_grace")["amount_paid"] == fresh["amount_due"]


def test_a_downgrade_credits_the_balance_as_previewed(portal: Portal) -> None:
    shown = preview(portal, f"{ANA}/change_plan", {"price": "price_starter_monthly"})
    assert shown["amount_due"] == 0 and shown["credited"] > 0
    response = confirm(portal, f"{ANA}/change_plan", {"price": "price_starter_monthly"}, shown)
    assert response.status_code == 200, response.get_json()
    assert portal.obj("customer", "cus_demo_ana")["balance"] == -shown["credited"]


def test_an_add_on_is_never_offered_for_a_base_plan(portal: Portal) -> None:
    portal.stripe.v1.products.update("prod_support", {"metadata": {"portal_role": "addon"}})
    refused = portal.post(f"{ANA}/change_plan/preview", json={"price": "price_support_monthly"})
    assert (refused.status_code, error_of(refused)["code"]) == (400, "addon_not_allowed")
    view = portal.client.get("/v1/portal", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"}).get_json()
    roles = {p["id"]: p["product"]["role"] for p in view["catalog"]}
    assert roles["price_support_monthly"] == "addon" and roles["price_pro_monthly"] == "base"
    assert list(roles)[-1] == "price_support_monthly"  # add-ons after the base plans


def test_two_items_never_share_a_price(portal: Portal) -> None:
    sub = portal.subscription("sub_demo_farid")
    items = portal.stripe.v1.subscription_items.list({"subscription": "sub_demo_farid"}).data
    base = next(i for i in items if i.price.id == "price_pro_monthly")
    addon = next(i for i in items if i.price.id != "price_pro_monthly")
    response = portal.post("/v1/portal/subscriptions/sub_demo_farid/change_plan/preview",
                           customer="cus_demo_farid",
                           json={"price": addon.price.id, "item": base.id})
    assert (response.status_code, error_of(response)["code"]) == (
        400, "price_already_on_subscription")
    assert sub["status"] == "active"


def test_a_scheduled_downgrade_stays_visible_and_can_be_canceled(portal: Portal) -> None:
    portal.configure(downgrade_at_period_end=True)
    response = portal.post(f"{ANA}/change_plan", json={"price": "price_starter_monthly"})
    assert response.status_code == 200, response.get_json()
    view = portal.client.get("/v1/portal", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"}).get_json()
    [sub] = view["subscriptions"]
    assert sub["state"] == "scheduled_change" and sub["badge"]["tone"] == "info"
    assert sub["scheduled_change"]["items"][0]["plan"] == "Starter monthly"
    assert sub["actions"]["change_plan"] is False and sub["actions"]["cancel_change"] is True
    assert [d["kind"] for d in sub["dates"]] == ["changes"]  # the renewal is the change
    undone = portal.post(f"{ANA}/cancel_change")
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["subscription"]["state"] == "active"
    assert portal.subscription("sub_demo_ana")["schedule"] is None


def test_an_upgrade_with_a_3ds_card_applies_only_once_authenticated(portal: Portal) -> None:
    pm = portal.stripe.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000002500003155", "exp_month": 12, "exp_year": 2031}})
    portal.stripe.v1.payment_methods.attach(pm.id, {"customer": "cus_demo_ana"})
    portal.stripe.v1.subscriptions.update("sub_demo_ana", {"default_payment_method": pm.id})
    body = {"price": "price_pro_yearly"}
    shown = preview(portal, f"{ANA}/change_plan", body)
    response = confirm(portal, f"{ANA}/change_plan", body, shown)
    assert response.status_code == 200, response.get_json()
    secret = response.get_json()["requires_action"]["client_secret"]
    assert portal.item_price("sub_demo_ana") == "price_pro_monthly"  # not yet
    intent = secret.split("_secret_")[0]
    portal.control("POST", f"/payment_intents/{intent}/authenticate",
                   json={"client_secret": secret, "outcome": "complete"})
    assert portal.item_price("sub_demo_ana") == "price_pro_yearly"
    assert latest_invoice(portal, "sub_demo_ana")["amount_paid"] == shown["amount_due"]


def test_a_declined_upgrade_changes_nothing(portal: Portal) -> None:
    pm = portal.stripe.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000000000000341", "exp_month": 12, "exp_year": 2031}})
    portal.stripe.v1.payment_methods.attach(pm.id, {"customer": "cus_demo_ana"})
    portal.stripe.v1.subscriptions.update("sub_demo_ana", {"default_payment_method": pm.id})
    response = portal.post(f"{ANA}/change_plan", json={"price": "price_pro_yearly"})
    assert response.status_code == 402
    assert "your plan was not changed" in error_of(response)["message"]
    assert portal.item_price("sub_demo_ana") == "price_pro_monthly"
    assert portal.subscription("sub_demo_ana")["status"] == "active"


def test_change_plan_never_duplicates_another_live_subscription(portal: Portal) -> None:
    """Ivan has Pro monthly and Team yearly: Team -> Pro yearly would leave him two live Pro
    subscriptions, so it is neither offered nor accepted (409, as a resubscribe is)."""
    team = "/v1/portal/subscriptions/sub_demo_ivan_team"
    for path in (f"{team}/change_plan/preview", f"{team}/change_plan"):
        refused = portal.post(path, customer="cus_demo_ivan",
                              json={"price": "price_pro_yearly", "quantity": 1})
        assert refused.status_code == 409, refused.get_json()
        error = error_of(refused)
        assert error["code"] == "duplicate_subscription"
        assert error["message"].startswith("You already have a live subscription to this plan")
    assert portal.item_price("sub_demo_ivan_team") == "price_team_yearly"
    view = portal.client.get("/v1/portal", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ivan')}"}).get_json()
    subs = {s["id"]: s for s in view["subscriptions"]}
    options = subs["sub_demo_ivan_team"]["items"][0]["plan_options"]
    assert not {"price_pro_monthly", "price_pro_yearly"} & set(options)
    assert "price_team_monthly" in options and "price_starter_yearly" in options
    assert subs["sub_demo_ivan_team"]["actions"]["change_plan"] is True
    german = portal.call("POST", f"{team}/change_plan/preview", "cus_demo_ivan",
                         json={"price": "price_pro_yearly", "quantity": 1},
                         **{"Accept-Language": "de"})
    assert error_of(german)["message"] != error["message"]  # translated


def test_a_plan_change_in_a_trial_charges_nothing_and_bills_at_trial_end(
        portal: Portal) -> None:
    """Ben is trialing Pro monthly (a $0 trial invoice): Pro yearly applies now, nothing is
    charged or credited (no paid time), the trial goes on, and its end bills the new plan."""
    ben = "/v1/portal/subscriptions/sub_demo_ben"
    body = {"price": "price_pro_yearly"}
    before = portal.subscription("sub_demo_ben")
    shown = preview(portal, f"{ben}/change_plan", body, customer="cus_demo_ben")
    assert (shown["amount_due"], shown["total"], shown["credited"]) == (0, 0, 0)
    assert shown["lines"] == [] and shown["in_trial"] is True
    assert shown["trial_end"] == before["trial_end"]
    assert shown["next_invoice"]["date"] == before["trial_end"]
    assert shown["next_invoice"]["amount"] == 29000
    assert shown["summary"][0]["text"].startswith("Nothing is charged now. Your trial")
    response = confirm(portal, f"{ben}/change_plan", body, shown, customer="cus_demo_ben")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["subscription"]["state"] == "trialing"
    after = portal.subscription("sub_demo_ben")
    assert after["latest_invoice"] == before["latest_invoice"]  # no invoice, no charge
    assert (after["status"], after["trial_end"]) == ("trialing", before["trial_end"])
    assert portal.item_price("sub_demo_ben") == "price_pro_yearly"
    portal.control("POST", "/clock", json={
        "advance_seconds": before["trial_end"] - int(time.time()) + 3600})
    first = latest_invoice(portal, "sub_demo_ben")
    assert (first["status"], first["amount_paid"]) == ("paid", shown["next_invoice"]["amount"])
    assert portal.subscription("sub_demo_ben")["status"] == "active"


def test_discounts_and_credit_are_lines_that_add_up_to_the_charge(portal: Portal) -> None:
    """Hana has WELCOME20: monthly -> yearly shows the discount as a line, and the lines add
    up, to the cent, to what is due now and then charged."""
    hana = "/v1/portal/subscriptions/sub_demo_hana"
    body = {"price": "price_starter_yearly"}
    shown = preview(portal, f"{hana}/change_plan", body, customer="cus_demo_hana")
    kinds = [line["kind"] for line in shown["lines"]]
    assert kinds.count("discount") == 1, shown["lines"]
    discount = next(line for line in shown["lines"] if line["kind"] == "discount")
    assert discount["amount"] < 0 and "WELCOME20" in discount["description"]
    assert sum(line["amount"] for line in shown["lines"]) == shown["total"] == \
        shown["amount_due"]
    response = confirm(portal, f"{hana}/change_plan", body, shown, customer="cus_demo_hana")
    assert response.status_code == 200, response.get_json()
    assert latest_invoice(portal, "sub_demo_hana")["amount_paid"] == shown["amount_due"]


def test_account_credit_used_for_a_charge_is_a_line(portal: Portal) -> None:
    down = preview(portal, f"{ANA}/change_plan", {"price": "price_starter_monthly"})
    confirm(portal, f"{ANA}/change_plan", {"price": "price_starter_monthly"}, down)
    body = {"price": "price_pro_yearly"}
    shown = preview(portal, f"{ANA}/change_plan", body)
    credit = [line for line in shown["lines"] if line["kind"] == "balance"]
    assert len(credit) == 1 and -credit[0]["amount"] == shown["balance_applied"] > 0
    assert sum(line["amount"] for line in shown["lines"]) == shown["amount_due"] > 0
    response = confirm(portal, f"{ANA}/change_plan", body, shown)
    assert response.status_code == 200, response.get_json()
    assert latest_invoice(portal, "sub_demo_ana")["amount_paid"] == shown["amount_due"]


def test_a_credit_is_not_promised_to_a_renewal_another_subscription_bills_before(
        portal: Portal) -> None:
    """Ivan: Team yearly (2 seats) -> Starter yearly credits his balance; his Pro monthly
    renews first and uses that credit, so no amount is promised for the Team renewal."""
    portal.configure(quantity=True)
    team = "/v1/portal/subscriptions/sub_demo_ivan_team"
    shown = preview(portal, f"{team}/change_plan",
                    {"price": "price_starter_yearly", "quantity": 1}, customer="cus_demo_ivan")
    assert shown["credited"] > 0 and shown["credit_shared"] is True
    assert shown["next_invoice"]["amount"] is None
    texts = [entry["text"] for entry in shown["summary"]]
    assert any("another of your subscriptions" in text for text in texts), texts
    assert not any(text.startswith("Your next invoice:") for text in texts), texts
    alone = preview(portal, f"{ANA}/change_plan", {"price": "price_starter_monthly"})
    assert alone["credit_shared"] is False and alone["next_invoice"]["amount"] is not None


def test_the_open_invoice_of_a_declined_change_says_what_it_is(portal: Portal) -> None:
    """pending_if_incomplete: the declined change's invoice stays open until Stripe voids it
    (at most 23 h); paying it applies the change. The invoice list says so."""
    pm = portal.stripe.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000000000000341", "exp_month": 12, "exp_year": 2031}})
    portal.stripe.v1.payment_methods.attach(pm.id, {"customer": "cus_demo_ana"})
    portal.stripe.v1.subscriptions.update("sub_demo_ana", {"default_payment_method": pm.id})
    assert portal.post(f"{ANA}/change_plan", json={"price": "price_pro_yearly"}).status_code \
        == 402
    listed = portal.client.get("/v1/portal/invoices", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"}).get_json()["invoices"]
    open_ = [i for i in listed if i["status"] == "open"]
    assert len(open_) == 1 and open_[0]["note"].startswith("For a plan change that was not")
    assert all(i["note"] is None for i in listed if i["status"] != "open")
    expires = portal.subscription("sub_demo_ana")["pending_update"]["expires_at"]
    portal.control("POST", "/clock", json={"advance_seconds": expires - int(time.time()) + 60})
    listed = portal.client.get("/v1/portal/invoices", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"}).get_json()["invoices"]
    assert [i["status"] for i in listed if i["id"] == open_[0]["id"]] == ["void"]
    assert all(i["note"] is None for i in listed)
