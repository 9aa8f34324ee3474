"""Multi-currency plans (setting ``multi_currency``): a EUR or JPY customer sees, previews and
changes plans in their currency, and pays exactly what the preview showed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal.helpers import Portal, error_of
from tests.portal.test_action_plan_money import confirm, latest_invoice, preview

ELENA = "/v1/portal/subscriptions/sub_demo_elena"
KENJI = "/v1/portal/subscriptions/sub_demo_kenji"


def view(portal: Portal, customer: str, locale: str = "en") -> dict[str, Any]:
    response = portal.call("GET", f"/v1/portal?locale={locale}", customer=customer)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_a_eur_subscription_is_shown_in_eur_even_with_the_setting_off(portal: Portal) -> None:
    body = view(portal, "cus_demo_elena", "de")
    item = body["subscriptions"][0]["items"][0]
    assert item["price"]["currency"] == "eur"
    assert item["price"]["unit_amount"] == 2700  # the EUR option, not the USD base (2900)
    assert item["amount_display"] == "27,00\u00a0\u20ac"
    # off: only plans whose base currency is EUR are offered, and there are none
    assert item["plan_options"] == []
    assert {p["currency"] for p in body["catalog"]} == {"usd"}


def test_with_the_setting_on_plans_are_offered_in_the_customers_currency(
        portal: Portal) -> None:
    portal.configure(multi_currency=True)
    body = view(portal, "cus_demo_elena", "de")
    assert {p["currency"] for p in body["catalog"]} == {"eur"}
    pro = next(p for p in body["catalog"] if p["id"] == "price_pro_yearly")
    assert (pro["unit_amount"], pro["amount_display"]) == (27000, "270,00\u00a0\u20ac")
    options = body["subscriptions"][0]["items"][0]["plan_options"]
    assert "price_pro_yearly" in options and "price_starter_monthly" in options
    # the add-on has no JPY option: a JPY customer is not offered it
    kenji = view(portal, "cus_demo_kenji", "ja")
    assert "price_support_monthly" not in {p["id"] for p in kenji["catalog"]}
    starter = next(p for p in kenji["catalog"] if p["id"] == "price_starter_monthly")
    assert starter["amount_display"] == "\uffe51,400"


@pytest.mark.parametrize(("path", "customer", "price", "currency"), [
    (ELENA, "cus_demo_elena", "price_pro_yearly", "eur"),
    (ELENA, "cus_demo_elena", "price_team_monthly", "eur"),
    (KENJI, "cus_demo_kenji", "price_pro_monthly", "jpy"),
    (KENJI, "cus_demo_kenji", "price_starter_yearly", "jpy"),
])
def test_the_preview_is_what_is_charged(portal: Portal, path: str, customer: str, price: str,
                                         currency: str) -> None:
    portal.configure(multi_currency=True)
    body = {"price": price}
    shown = preview(portal, f"{path}/change_plan", body, customer=customer)
    assert shown["currency"] == currency
    assert shown["to"]["amount_display"] and shown["from"]["amount_display"]
    assert sum(line["amount"] for line in shown["lines"]) == shown["total"]
    response = confirm(portal, f"{path}/change_plan", body, shown, customer=customer)
    assert response.status_code == 200, response.get_json()
    invoice = latest_invoice(portal, path.rsplit("/", 1)[-1])
    assert invoice["currency"] == currency
    assert invoice["total"] == shown["total"]
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", shown["amount_due"])
    # the sandbox's own data: the new price's option is what the period line charges
    option = portal.stripe.v1.prices.retrieve(price, {"expand": ["currency_options"]})
    expected = option.currency_options[currency].unit_amount
    assert shown["to"]["amount"] == expected


def test_a_price_without_the_currency_is_refused_even_when_forced(portal: Portal) -> None:
    portal.configure(multi_currency=True)
    response = portal.post(f"{KENJI}/change_plan/preview",
                           json={"price": "price_support_monthly"}, customer="cus_demo_kenji")
    assert response.status_code == 400
    assert error_of(response)["code"] == "currency_mismatch"
    assert portal.item_price("sub_demo_kenji") == "price_starter_monthly"


def test_the_setting_off_refuses_another_currency(portal: Portal) -> None:
    """Off, a EUR subscription has no plan to switch to: the action itself is refused, and
    a price in another currency would be refused too (currency_mismatch) on its own."""
    before = len(portal.writes())
    for suffix in ("/preview", ""):
        response = portal.post(f"{ELENA}/change_plan{suffix}",
                               json={"price": "price_pro_yearly"}, customer="cus_demo_elena")
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "action_not_allowed" and error["message"]
    assert len(portal.writes()) == before
    assert portal.item_price("sub_demo_elena") == "price_pro_monthly"


def test_off_a_usd_customer_still_changes_plans_in_usd(portal: Portal) -> None:
    shown = preview(portal, "/v1/portal/subscriptions/sub_demo_ana/change_plan",
                    {"price": "price_pro_yearly"})
    assert shown["currency"] == "usd"
    assert shown["to"]["amount"] == 29000


def test_a_downgrade_at_period_end_renews_in_eur(portal: Portal) -> None:
    portal.configure(multi_currency=True, downgrade_at_period_end=True)
    body = {"price": "price_starter_monthly"}
    shown = preview(portal, f"{ELENA}/change_plan", body, customer="cus_demo_elena")
    assert shown["applies_at_period_end"] is True and shown["currency"] == "eur"
    assert shown["next_invoice"]["amount"] == 900  # Starter's EUR option
    response = portal.post(f"{ELENA}/change_plan", json=body, customer="cus_demo_elena")
    assert response.status_code == 200, response.get_json()
    schedule = portal.obj("subscription_schedule",
                          portal.subscription("sub_demo_elena")["schedule"])
    assert {phase["currency"] for phase in schedule["phases"]} == {"eur"}
    portal.control("POST", "/clock", json={"advance_seconds": 32 * 86400})
    assert portal.item_price("sub_demo_elena") == "price_starter_monthly"
    invoice = latest_invoice(portal, "sub_demo_elena")
    assert (invoice["currency"], invoice["total"], invoice["status"]) == ("eur", 900, "paid")


def test_the_views_subscriptions_are_a_tuple_so_the_rules_index_is_reused() -> None:
    """The view passes ``shown_all``'s result as every subscription's `others`: a tuple is
    indexed once per view (a list would be rescanned for every item)."""
    from widget_server.billing.domain import Subscription
    from widget_server.portal import currency, rules

    subs = (Subscription(id="sub_1", customer_id="cus_1", status="active", currency="usd",
                         created=1, items=()),)
    shown = currency.shown_all(list(subs), ())
    assert isinstance(shown, tuple) and shown == subs
    assert rules._live_holders(shown) is rules._live_holders(shown)  # the cache hits


def test_after_an_action_the_item_keeps_its_currency_with_an_owner_list(
        portal: Portal) -> None:
    """The owner's list filters the plans offered, not the amounts of the price held."""
    portal.configure(catalog_prices=["price_starter_monthly"])
    response = portal.post(f"{ELENA}/cancel", json={}, customer="cus_demo_elena")
    assert response.status_code == 200, response.get_json()
    item = response.get_json()["subscription"]["items"][0]
    assert (item["price"]["currency"], item["price"]["unit_amount"]) == ("eur", 2700)
    assert item["amount_display"] == "\u20ac27.00"


def test_canceled_pages_show_their_currency_and_resubscribe_options(portal: Portal) -> None:
    portal.configure(multi_currency=True, resubscribe=True)
    portal.stripe.v1.subscriptions.cancel("sub_demo_elena")
    from widget_server.billing.paging import encode_cursor, first_positions

    start = encode_cursor(first_positions(["cus_demo_elena"]))  # the page the view begins
    response = portal.call("GET", f"/v1/portal/subscriptions/canceled?starting_after={start}",
                           "cus_demo_elena")
    assert response.status_code == 200, response.get_json()
    [page] = response.get_json()["subscriptions"]
    item = page["items"][0]
    assert (item["price"]["currency"], item["price"]["unit_amount"]) == ("eur", 2700)
    assert item["amount_display"] == "\u20ac27.00"
    assert "price_pro_yearly" in item["plan_options"]
    # the same as the view's copy of it
    [shown] = [s for s in view(portal, "cus_demo_elena")["subscriptions"]
               if s["id"] == "sub_demo_elena"]
    assert page["items"] == shown["items"] and page["actions"] == shown["actions"]


def test_entitlement_changes_are_offered_in_the_customers_currency(portal: Portal) -> None:
    portal.configure(multi_currency=True, show_entitlements=True)
    body = view(portal, "cus_demo_elena")
    [entry] = body["entitlements"]["subscriptions"]
    options = set(body["subscriptions"][0]["items"][0]["plan_options"])
    assert options and {c["price"] for c in entry["changes"]} == options


def test_each_subscription_gets_plans_in_its_own_currency(portal: Portal) -> None:
    """A token of a USD and a EUR customer: each subscription's plan options are those of
    its currency (as the actions check them), not those of the first customer's."""
    portal.configure(multi_currency=True)
    for customers in (("cus_demo_ana", "cus_demo_elena"), ("cus_demo_elena", "cus_demo_ana")):
        response = portal.call("GET", "/v1/portal", customers)
        assert response.status_code == 200, response.get_json()
        subs = {s["id"]: s for s in response.get_json()["subscriptions"]}
        for sub_id in ("sub_demo_ana", "sub_demo_elena"):
            assert subs[sub_id]["items"][0]["plan_options"], (customers, sub_id)


def test_an_archived_price_in_another_currency_shows_no_amount(portal: Portal) -> None:
    """Not in the active catalog, the item's EUR amount is unknown: none is shown rather
    than the price's USD base amount."""
    portal.stripe.v1.prices.update("price_pro_monthly", {"active": False})
    item = view(portal, "cus_demo_elena")["subscriptions"][0]["items"][0]
    assert item["price"]["currency"] == "eur"
    assert item["price"]["unit_amount"] is None and item["price"]["amount_display"] is None
    assert item["amount_display"] is None
    # a USD customer of the same archived price still sees its (USD) amount
    ana = portal.item_price("sub_demo_ana")
    portal.stripe.v1.prices.update(ana, {"active": False})
    shown = view(portal, "cus_demo_ana")["subscriptions"][0]["items"][0]
    assert shown["price"]["currency"] == "usd" and shown["amount_display"]


def test_a_view_localizes_the_catalog_once_per_currency() -> None:
    """50 subscriptions in one currency share one localized catalog (and get what
    ``catalog_for`` gives each of them); another currency gets its own."""
    from widget_server.billing.domain import Price, Product, Subscription, SubscriptionItem
    from widget_server.portal.currency import catalog_for, catalogs_by_currency

    pro = Product(id="prod_pro", name="Pro")
    monthly = Price(id="price_m", product=pro, currency="usd", unit_amount=2900,
                    interval="month", currency_options=(("eur", 2700),))

    def sub(sub_id: str, currency: str) -> Subscription:
        item = SubscriptionItem(id=f"si_{sub_id}", price=monthly, quantity=1,
                                current_period_start=0, current_period_end=1)
        return Subscription(id=sub_id, customer_id="cus_1", status="active",
                            currency=currency, created=0, items=(item,))

    for settings in ({"multi_currency": True}, {"multi_currency": False}):
        offered = catalogs_by_currency(settings, [monthly])
        first, second, euro = sub("sub_1", "usd"), sub("sub_2", "usd"), sub("sub_3", "eur")
        assert offered(first) is offered(second)
        for one in (first, second, euro):
            assert offered(one) == catalog_for(settings, [monthly], [one])
        assert (offered(euro) is offered(first)) is (settings["multi_currency"] is False)
