"""Saved cards: list, add without making default, make default, remove (never the last one
a subscription needs, nor the default)."""

from __future__ import annotations

from typing import Any

from tests.portal.helpers import Portal, error_of


def add_card(portal: Portal, customer: str, number: str = "5555555555554444") -> str:
    pm = portal.stripe.v1.payment_methods.create({"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2031}})
    portal.stripe.v1.payment_methods.attach(pm.id, {"customer": customer})
    return str(pm.id)


def cards(portal: Portal, customer: str = "cus_demo_ana") -> list[dict[str, Any]]:
    response = portal.client.get("/v1/portal/payment_methods", headers={
        "Authorization": f"Bearer {portal.token(customer)}"})
    assert response.status_code == 200, response.get_json()
    found: list[dict[str, Any]] = response.get_json()["payment_methods"]
    return found


def test_the_only_card_of_a_live_subscription_cannot_be_removed(portal: Portal) -> None:
    [card] = cards(portal)
    assert card["default"] is True and card["removable"] is False
    response = portal.client.delete(f"/v1/portal/payment_methods/{card['id']}", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"})
    assert (response.status_code, error_of(response)["code"]) == (409, "payment_method_in_use")
    assert "only card" in error_of(response)["message"]
    assert portal.writes() == []


def test_add_make_default_and_remove_the_old_one(portal: Portal) -> None:
    new = add_card(portal, "cus_demo_ana")
    listed = cards(portal)
    assert [c["default"] for c in listed] == [True, False]  # the default comes first
    old = listed[0]["id"]
    refused = portal.client.delete(f"/v1/portal/payment_methods/{old}", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"})
    assert "default card" in error_of(refused)["message"]
    made = portal.post("/v1/portal/payment_method", json={"payment_method": new})
    assert made.status_code == 200, made.get_json()
    assert portal.subscription("sub_demo_ana")["default_payment_method"] == new
    removed = portal.client.delete(f"/v1/portal/payment_methods/{old}", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"})
    assert removed.status_code == 200, removed.get_json()
    assert [c["id"] for c in cards(portal)] == [new]


def test_a_card_can_be_kept_without_becoming_the_default(portal: Portal) -> None:
    new = add_card(portal, "cus_demo_ana")
    response = portal.post("/v1/portal/payment_method",
                           json={"payment_method": new, "make_default": False})
    assert response.status_code == 200 and response.get_json()["message"] == "The card was added."
    assert [c["id"] for c in cards(portal) if c["default"]] != [new]


def test_another_customers_card_is_not_found(portal: Portal) -> None:
    theirs = add_card(portal, "cus_demo_ben")
    response = portal.client.delete(f"/v1/portal/payment_methods/{theirs}", headers={
        "Authorization": f"Bearer {portal.token('cus_demo_ana')}"})
    assert response.status_code == 404
    assert portal.obj("payment_method", theirs)["customer"] == "cus_demo_ben"
