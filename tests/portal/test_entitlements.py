"""GET /v1/portal/entitlements against the sandbox: what each subscription grants and what a
plan change adds and removes, checked against the sandbox's own product features and the
customer's active entitlements; refused (and absent from the view) when the setting is off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import set_webhook_secret, signed_delivery
from tests.portal.helpers import Portal, error_of

ANA = "/v1/portal/subscriptions/sub_demo_ana"


def _product_features(portal: Portal, product: str) -> set[str]:
    rows = portal.stripe.v1.products.features.list(product, {"limit": 100}).data
    return {r.entitlement_feature.lookup_key for r in rows}


def _active(portal: Portal, customer: str) -> set[str]:
    rows = portal.stripe.v1.entitlements.active_entitlements.list(
        {"customer": customer, "limit": 100}).data
    return {r.lookup_key for r in rows}


def _grants(portal: Portal, customer: str = "cus_demo_ana") -> dict[str, Any]:
    response = portal.call("GET", "/v1/portal/entitlements", customer)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    return {s["id"]: s for s in response.get_json()["subscriptions"]}


def _keys(features: list[dict[str, Any]]) -> set[str]:
    return {f["lookup_key"] for f in features}


@pytest.fixture
def shown(portal: Portal) -> Portal:
    portal.configure(show_entitlements=True)
    return portal


def test_each_subscription_grants_its_products_features(shown: Portal) -> None:
    grants = _grants(shown)
    assert set(grants) == {"sub_demo_ana"}
    assert _keys(grants["sub_demo_ana"]["grants"]) == _product_features(shown, "prod_pro")
    assert _keys(grants["sub_demo_ana"]["grants"]) == _active(shown, "cus_demo_ana")
    names = {f["lookup_key"]: f["name"] for f in grants["sub_demo_ana"]["grants"]}
    assert names["api_access"] == "API access"
    # two items: the union of both products' features, each once
    farid = _grants(shown, "cus_demo_farid")["sub_demo_farid"]["grants"]
    assert [f["lookup_key"] for f in farid].count("projects") == 1
    assert _keys(farid) == (_product_features(shown, "prod_pro")
                            | _product_features(shown, "prod_support"))


def test_two_subscriptions_of_one_customer_each_show_their_own(shown: Portal) -> None:
    grants = _grants(shown, "cus_demo_ivan")
    assert _keys(grants["sub_demo_ivan_pro"]["grants"]) == _product_features(shown, "prod_pro")
    assert _keys(grants["sub_demo_ivan_team"]["grants"]) == _product_features(shown,
                                                                             "prod_team")
    # Stripe's active entitlements are the customer's: the union of both
    assert _active(shown, "cus_demo_ivan") == (_keys(grants["sub_demo_ivan_pro"]["grants"])
                                               | _keys(grants["sub_demo_ivan_team"]["grants"]))


def test_ended_subscriptions_grant_nothing(shown: Portal) -> None:
    assert _grants(shown, "cus_demo_dan") == {}  # canceled: not listed
    assert _active(shown, "cus_demo_dan") == set()


def test_changes_name_what_each_plan_option_adds_and_removes(shown: Portal) -> None:
    view = shown.call("GET", "/v1/portal").get_json()
    [sub] = [s for s in view["subscriptions"] if s["id"] == "sub_demo_ana"]
    options = sub["items"][0]["plan_options"]
    changes = {c["price"]: c for c in _grants(shown)["sub_demo_ana"]["changes"]}
    assert set(changes) == set(options)  # one comparison per plan the picker offers
    pro = _product_features(shown, "prod_pro")
    down = changes["price_starter_monthly"]
    assert _keys(down["gain"]) == set()
    assert _keys(down["lose"]) == pro - _product_features(shown, "prod_starter") != set()
    up = changes["price_team_monthly"]
    assert _keys(up["gain"]) == _product_features(shown, "prod_team") - pro != set()
    assert _keys(up["lose"]) == set()
    same = changes["price_pro_yearly"]
    assert same["gain"] == same["lose"] == []


def test_a_customer_billed_in_another_currency_gets_the_same_comparisons(
        portal: Portal) -> None:
    portal.configure(show_entitlements=True, multi_currency=True)
    for customer, sub_id in (("cus_demo_elena", "sub_demo_elena"),
                             ("cus_demo_kenji", "sub_demo_kenji")):
        view = portal.call("GET", "/v1/portal", customer).get_json()
        [sub] = [s for s in view["subscriptions"] if s["id"] == sub_id]
        options = sub["items"][0]["plan_options"]
        assert "price_team_monthly" in options
        changes = {c["price"]: c for c in _grants(portal, customer)[sub_id]["changes"]}
        assert set(changes) == set(options)  # one comparison per plan offered, as in USD
        carried = {c["price"]: c for s in view["entitlements"]["subscriptions"]
                   if s["id"] == sub_id for c in s["changes"]}
        assert carried == changes
        team = _product_features(portal, "prod_team")
        had = _keys(_grants(portal, customer)[sub_id]["grants"])
        assert _keys(changes["price_team_monthly"]["gain"]) == team - had != set()


def test_after_a_plan_change_the_new_products_features_are_granted(shown: Portal) -> None:
    _grants(shown)  # cache the features of every product shown
    preview = shown.post(f"{ANA}/change_plan/preview",
                         json={"price": "price_team_monthly"}).get_json()["preview"]
    response = shown.post(f"{ANA}/change_plan", json={
        "price": "price_team_monthly", "proration_date": preview["proration_date"],
        "expected_total": preview["expected_total"],
        "expected_amount_due": preview["expected_amount_due"]})
    assert response.status_code == 200, response.get_json()
    grants = _grants(shown)["sub_demo_ana"]["grants"]
    assert _keys(grants) == _product_features(shown, "prod_team")
    assert _keys(grants) == _active(shown, "cus_demo_ana")
    assert "sso" in _keys(grants)


def test_the_view_carries_the_same_grants_and_stays_at_two_calls_warm(shown: Portal) -> None:
    cold = shown.call("GET", "/v1/portal").get_json()
    assert {s["id"]: s for s in cold["entitlements"]["subscriptions"]} == _grants(shown)
    shown.clear_log()
    response = shown.call("GET", "/v1/portal")
    assert response.status_code == 200
    assert response.get_json()["entitlements"] == cold["entitlements"]
    view_calls = shown.requests()
    assert len(view_calls) <= 2
    assert not any("/features" in r["path"] for r in view_calls)
    shown.clear_log()
    _grants(shown)
    # no webhook secret here, so the subscriptions are read again; the features never are
    assert not any("/features" in r["path"] or "entitlements" in r["path"]
                   for r in shown.requests())


def test_a_product_change_shows_after_the_catalog_is_forgotten(shown: Portal) -> None:
    _grants(shown)
    feature = shown.stripe.v1.entitlements.features.create(
        {"lookup_key": "webhooks", "name": "<b>Webhooks</b> & more"})
    shown.stripe.v1.products.features.create("prod_pro", {"entitlement_feature": feature.id})
    assert "webhooks" not in _keys(_grants(shown)["sub_demo_ana"]["grants"])  # cached
    shown.app.extensions["widget_server.billing"].forget_product_features("sk_test_widgetserver")
    grants = _grants(shown)["sub_demo_ana"]["grants"]
    assert {"lookup_key": "webhooks", "name": "<b>Webhooks</b> & more",
            "id": feature.id} in grants  # the owner's text as data, unchanged


def test_refused_and_absent_when_the_setting_is_off(portal: Portal) -> None:
    portal.clear_log()
    response = portal.call("GET", "/v1/portal/entitlements")
    assert response.status_code == 403
    assert error_of(response)["code"] == "feature_disabled"
    assert portal.requests() == []  # refused before any Stripe call
    view = portal.call("GET", "/v1/portal").get_json()
    assert view["settings"]["show_entitlements"] is False
    text = str(view)
    assert "feat_" not in text and "Advanced analytics" not in text
    assert not any("/features" in r["path"] for r in portal.requests())


def test_needs_a_portal_token(shown: Portal) -> None:
    response = shown.client.get("/v1/portal/entitlements")
    assert response.status_code == 401


def test_an_entitlement_summary_webhook_lists_the_features_again(shown: Portal) -> None:
    secret = "whsec_" + "e" * 32
    set_webhook_secret(shown.app, shown.account.account.public_id, secret)
    _grants(shown)
    feature = shown.stripe.v1.entitlements.features.create({"lookup_key": "hooks",
                                                           "name": "Hooks"})
    shown.stripe.v1.products.features.create("prod_pro", {"entitlement_feature": feature.id})
    payload = json.dumps({
        "id": "evt_ent_1", "object": "event", "api_version": None,
        "type": "entitlements.active_entitlement_summary.updated",
        "data": {"object": {"object": "entitlements.active_entitlement_summary",
                            "customer": "cus_demo_ana", "livemode": False,
                            "entitlements": {"object": "list", "data": [], "has_more": False,
                                             "url": "/v1/entitlements/active_entitlements"}}},
    }).encode()
    delivered = shown.client.post(f"/v1/stripe/webhooks/{shown.account.account.public_id}",
                                  data=payload, headers=signed_delivery(payload, secret))
    assert delivered.status_code == 200, delivered.get_json()
    shown.clear_log()
    assert "hooks" in _keys(_grants(shown)["sub_demo_ana"]["grants"])
    # the features were listed again, the prices were not
    paths = [r["path"] for r in shown.requests()]
    assert any(p.endswith("/features") for p in paths)
    assert "/v1/prices" not in paths
