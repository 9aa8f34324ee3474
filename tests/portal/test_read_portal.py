"""GET /v1/portal: the JSON contract (docs/portal-json.md), actions, isolation, locale, cost."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.portal.helpers import auth, configure
from widget_server.accounts import CreatedAccount
from widget_server.sandbox import SandboxServer
from widget_server.sandbox.seed import DEMO_CUSTOMERS

pytestmark = pytest.mark.usefixtures("fresh_sandbox")


def portal(client: FlaskClient, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    response = client.get(f"/v1/portal{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.get_json()
    return body


def strings(client: FlaskClient, body: dict[str, Any]) -> dict[str, str]:
    """The UI strings the view points to (public: fetched without the token)."""
    response = client.get(body["strings_url"])
    assert response.status_code == 200, response.get_json()
    found: dict[str, str] = response.get_json()["strings"]
    return found


def subscription(body: dict[str, Any], sub_id: str) -> dict[str, Any]:
    return next(s for s in body["subscriptions"] if s["id"] == sub_id)


def test_contract_shape(app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    body = portal(client, auth(app, account, "cus_demo_ana"))
    assert list(body) == ["account", "locale", "direction", "strings_url", "settings", "stripe",
                          "customer", "payment_method", "subscriptions", "canceled_next",
                          "catalog"]
    assert body["account"] == {"id": account.account.public_id, "name": "Test Co",
                               "test_mode": True}
    assert (body["locale"], body["direction"]) == ("en", "ltr")
    assert strings(client, body)["Subscriptions"] == "Subscriptions"
    assert body["canceled_next"] is None
    assert body["settings"]["cancellation"] is True and "custom_strings" not in body["settings"]
    assert body["stripe"]["publishable_key"] == "pk_test_sandbox"  # the sandbox stand-in key
    assert body["stripe"]["js_url"].endswith("/js/v3/")
    assert body["customer"]["tax_ids"][0]["value"] == "DE123456789"
    assert body["payment_method"]["display"] == "Visa •••• 4242"
    assert body["payment_method"]["expires_display"] == "12/2030"
    (sub,) = body["subscriptions"]
    assert sub["status_display"] == "Active"
    item = sub["items"][0]
    assert item["price"]["amount_display"] == "$29.00"
    assert item["price"]["interval_display"] == "per month"
    assert item["product"]["name"] == "Pro"
    assert sub["current_period_end"] == item["current_period_end"]
    assert sub["current_period_end_display"]
    assert set(sub["actions"]) == {"change_plan", "change_quantity", "cancel", "resume",
                                   "resubscribe", "apply_coupon", "pause", "unpause",
                                   "pay_invoice", "update_card", "cancel_change"}
    assert sub["state"] == "active" and sub["badge"] == {"text": "Active", "tone": "success"}
    assert [d["kind"] for d in sub["dates"]] == ["renews"] and sub["reason"] is None
    catalog_entry = body["catalog"][0]
    assert set(catalog_entry) >= {"id", "amount_display", "interval_display", "product"}


@pytest.mark.parametrize(("customer_id", "sub_id", "allowed"), [
    ("cus_demo_ana", "sub_demo_ana", {"change_plan", "cancel"}),
    ("cus_demo_ben", "sub_demo_ben", {"change_plan", "cancel"}),
    ("cus_demo_carla", "sub_demo_carla", {"cancel", "pay_invoice", "update_card"}),
    ("cus_demo_dan", "sub_demo_dan", {"resubscribe"}),
    ("cus_demo_eve", "sub_demo_eve", {"resume"}),  # resume first, then change
    ("cus_demo_farid", "sub_demo_farid", {"change_plan", "cancel"}),  # two items: pick one
])
def test_actions_follow_state_and_default_settings(
    app: Flask, client: FlaskClient, account: CreatedAccount,
    customer_id: str, sub_id: str, allowed: set[str],
) -> None:
    actions = subscription(portal(client, auth(app, account, customer_id)), sub_id)["actions"]
    assert {name for name, on in actions.items() if on} == allowed


def test_actions_follow_settings(app: Flask, client: FlaskClient,
                                 account: CreatedAccount) -> None:
    configure(app, account, quantity=True, pause=True, coupons=True, cancellation=False,
              change_plan=False, pay_failed_invoices=False)
    grace = subscription(portal(client, auth(app, account, "cus_demo_grace")), "sub_demo_grace")
    assert {n for n, on in grace["actions"].items() if on} == {
        "change_quantity", "pause", "apply_coupon"}
    hana = subscription(portal(client, auth(app, account, "cus_demo_hana")), "sub_demo_hana")
    assert hana["actions"]["apply_coupon"] is False  # already discounted
    assert hana["actions"]["change_quantity"] is False  # Starter has no quantity rules
    carla = subscription(portal(client, auth(app, account, "cus_demo_carla")), "sub_demo_carla")
    assert carla["actions"]["pay_invoice"] is False
    assert carla["open_invoice"]["amount_display"] == "$9.00"


def test_discount_and_quantity_details(app: Flask, client: FlaskClient,
                                       account: CreatedAccount) -> None:
    hana = subscription(portal(client, auth(app, account, "cus_demo_hana")), "sub_demo_hana")
    (discount,) = hana["discounts"]
    assert discount["coupon_id"] == "welcome-20" and discount["percent_off"] == 20.0
    assert discount["display"].startswith("20% off until ")
    grace = subscription(portal(client, auth(app, account, "cus_demo_grace")), "sub_demo_grace")
    item = grace["items"][0]
    assert item["quantity"] == 5 and item["amount_display"] == "$75.00"
    assert item["product"]["unit_label"] == "seat"
    assert (item["product"]["quantity_max"], item["product"]["adjustable_quantity"]) == (50, True)


def test_only_active_subscriptions_hides_canceled(app: Flask, client: FlaskClient,
                                                  account: CreatedAccount) -> None:
    assert [s["id"] for s in portal(client, auth(app, account, "cus_demo_dan"))
            ["subscriptions"]] == ["sub_demo_dan"]
    configure(app, account, only_active_subscriptions=True)
    assert portal(client, auth(app, account, "cus_demo_dan"))["subscriptions"] == []


def test_catalog_follows_the_owner_allow_list(app: Flask, client: FlaskClient,
                                              account: CreatedAccount) -> None:
    configure(app, account, catalog_prices=["price_pro_yearly", "price_starter_monthly",
                                            "price_onboarding_once"])
    body = portal(client, auth(app, account, "cus_demo_ana"))
    assert [p["id"] for p in body["catalog"]] == ["price_pro_yearly", "price_starter_monthly"]


def test_a_token_only_shows_its_own_customer(app: Flask, client: FlaskClient,
                                             account: CreatedAccount) -> None:
    for spec in DEMO_CUSTOMERS:
        body = portal(client, auth(app, account, spec["id"]))
        assert body["customer"]["id"] == spec["id"]
        assert all(s["id"].startswith(spec["id"].replace("cus_", "sub_"))
                   for s in body["subscriptions"]), spec["id"]


def test_requires_a_token(client: FlaskClient) -> None:
    response = client.get("/v1/portal")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"


def test_locale_from_query_and_accept_language(app: Flask, client: FlaskClient,
                                               account: CreatedAccount) -> None:
    headers = auth(app, account, "cus_demo_grace")
    for body in (portal(client, headers, "?locale=de"),
                 portal(client, {**headers, "Accept-Language": "de-DE,de;q=0.9"})):
        assert body["locale"] == "de"
        item = body["subscriptions"][0]["items"][0]
        assert item["amount_display"] == "75,00\xa0$"
        assert item["price"]["interval_display"] == "pro Monat"
        assert body["subscriptions"][0]["status_display"] == "Aktiv"
        assert "." in body["subscriptions"][0]["current_period_end_display"]


def test_custom_strings_override_per_locale(app: Flask, client: FlaskClient,
                                            account: CreatedAccount) -> None:
    configure(app, account, custom_strings={"de": {"Subscriptions": "Ihre Abos",
                                                   "Active": "Läuft"}})
    headers = auth(app, account, "cus_demo_ana")
    german = portal(client, headers, "?locale=de")
    assert strings(client, german)["Subscriptions"] == "Ihre Abos"
    assert german["subscriptions"][0]["status_display"] == "Läuft"
    assert strings(client, portal(client, headers, "?locale=en"))["Subscriptions"] == (
        "Subscriptions")


def test_right_to_left_locales(app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    assert portal(client, auth(app, account, "cus_demo_ana"), "?locale=ar")["direction"] == "rtl"


def _calls(sandbox: SandboxServer) -> list[str]:
    log = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
    return [r["path"] for r in log if r["path"].startswith("/v1/")]


def test_stripe_calls_per_view_are_bounded_and_the_catalog_cached(
    app: Flask, client: FlaskClient, account: CreatedAccount, sandbox: SandboxServer
) -> None:
    counts = {}
    for customer_id in ("cus_demo_ana", "cus_demo_farid", "cus_demo_ivan", "cus_demo_dan"):
        requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=5)
        portal(client, auth(app, account, customer_id))
        counts[customer_id] = _calls(sandbox)
    assert len(counts["cus_demo_ana"]) == 3 and "/v1/prices" in counts["cus_demo_ana"]
    for customer_id in ("cus_demo_farid", "cus_demo_ivan", "cus_demo_dan"):
        # warm catalog: 2 calls (tax ids come with the customer), whether 1 item, 2 items
        # or 2 subscriptions
        assert len(counts[customer_id]) == 2, counts[customer_id]
        assert "/v1/prices" not in counts[customer_id]
