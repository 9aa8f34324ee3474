"""Change plan on a multi-item subscription: the user chooses which item; others stay put."""

from __future__ import annotations

from tests.portal.helpers import Portal, error_of

FARID = "/v1/portal/subscriptions/sub_demo_farid"


def _items(portal: Portal) -> dict[str, str]:
    sub = portal.stripe.v1.subscriptions.retrieve("sub_demo_farid")
    return {item.id: item.price.id for item in sub["items"].data}


def test_multi_item_change_plan_switches_only_the_chosen_item(portal: Portal) -> None:
    before = _items(portal)
    pro_item = next(i for i, price in before.items() if price == "price_pro_monthly")
    portal.clear_log()

    missing = portal.post(f"{FARID}/change_plan", customer="cus_demo_farid",
                          json={"price": "price_pro_yearly"})
    assert (missing.status_code, error_of(missing)["param"]) == (400, "item")
    assert portal.writes() == []

    preview = portal.post(f"{FARID}/change_plan/preview", customer="cus_demo_farid",
                          json={"price": "price_team_monthly", "item": pro_item})
    assert preview.status_code == 200, preview.get_json()
    response = portal.post(f"{FARID}/change_plan", customer="cus_demo_farid", json={
        "price": "price_team_monthly", "item": pro_item,
        "proration_date": preview.get_json()["preview"]["proration_date"]})
    assert response.status_code == 200, response.get_json()

    after = _items(portal)
    assert after[pro_item] == "price_team_monthly"
    others = {i: p for i, p in after.items() if i != pro_item}
    assert others == {i: p for i, p in before.items() if i != pro_item}


def _view(portal: Portal, customer: str) -> dict[str, dict[str, object]]:
    body = portal.client.get("/v1/portal", headers={
        "Authorization": f"Bearer {portal.token(customer)}"}).get_json()
    return {s["id"]: s for s in body["subscriptions"]}


def test_the_demo_support_product_is_an_add_on(portal: Portal) -> None:
    """The seed marks Priority support as an add-on, so it is never offered as a plan."""
    sub = _view(portal, "cus_demo_farid")["sub_demo_farid"]
    items = {i["price"]["id"]: i for i in sub["items"]}  # type: ignore[attr-defined]
    assert items["price_support_monthly"]["product"]["role"] == "addon"
    assert "price_support_monthly" not in items["price_pro_monthly"]["plan_options"]
    assert items["price_support_monthly"]["plan_options"] == ["price_support_monthly"]


def test_without_roles_a_second_item_never_becomes_a_second_plan(portal: Portal) -> None:
    """No role metadata and no catalog_addons: the first item is the plan; the support
    item may not move to Starter ("Pro + Starter" would be two plans on one subscription)."""
    portal.stripe.v1.products.update("prod_support", {"metadata": {"portal_role": ""}})
    support = next(i for i, p in _items(portal).items() if p == "price_support_monthly")
    for path in (f"{FARID}/change_plan/preview", f"{FARID}/change_plan"):
        refused = portal.post(path, customer="cus_demo_farid",
                              json={"price": "price_starter_monthly", "item": support})
        assert (refused.status_code, error_of(refused)["code"]) == (400, "price_not_allowed")
    # nor may the plan item move to a product the subscription already has
    pro = next(i for i, p in _items(portal).items() if p == "price_pro_monthly")
    portal.stripe.v1.prices.create({"product": "prod_support", "unit_amount": 19000,
                                    "currency": "usd", "recurring": {"interval": "year"}})
    yearly = next(p.id for p in portal.stripe.v1.prices.list({"product": "prod_support"}).data
                  if p.recurring and p.recurring.interval == "year")
    refused = portal.post(f"{FARID}/change_plan/preview", customer="cus_demo_farid",
                          json={"price": yearly, "item": pro})
    assert (refused.status_code, error_of(refused)["code"]) == (400, "price_not_allowed")
    assert set(_items(portal).values()) == {"price_pro_monthly", "price_support_monthly"}
    sub = _view(portal, "cus_demo_farid")["sub_demo_farid"]
    options = {i["price"]["id"]: i["plan_options"] for i in sub["items"]}  # type: ignore
    assert options["price_support_monthly"] == ["price_support_monthly"]
    assert yearly not in options["price_pro_monthly"]
    assert "price_starter_monthly" in options["price_pro_monthly"]
