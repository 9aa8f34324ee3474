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
