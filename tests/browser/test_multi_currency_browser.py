"""A EUR customer's plans and preview in EUR, in the iframe and inline, and in German."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import HostSite, LivePortal
from tests.browser.test_actions_portal import (
    MODES,
    Sandbox,
    click_action,
    configure,
    mount,
    stripe_state,
    submit,
)
from tests.browser.test_flow_browser import _api_key
from tests.browser.test_screenshots import mount_translated

FIXTURES = (stripe_state,)
TARGET = os.environ.get("WIDGET_SERVER_SCREENSHOTS")


def choose_pro_yearly(root: Any) -> Any:
    dialog = click_action(root, "sub_demo_elena", "change_plan")
    dialog.locator('.wsp-segmented input[value="year:1"]').check()
    dialog.locator('input[type=radio][value="price_pro_yearly"]').check()
    return dialog


@pytest.mark.parametrize("mode", MODES)
def test_a_eur_customer_sees_plans_and_preview_in_eur(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox, mode: str) -> None:
    configure(live_portal, multi_currency=True)
    root = mount(browser_page, live_portal, host_site, "elena@example.com", mode)
    card = root.locator('[data-subscription="sub_demo_elena"]')
    assert "\u20ac27.00" in card.inner_text()
    dialog = choose_pro_yearly(root)
    assert "\u20ac270.00" in dialog.inner_text() and "$" not in dialog.inner_text()
    submit(dialog)
    dialog.get_by_test_id("due-now").wait_for()
    assert "\u20ac" in dialog.get_by_test_id("due-now").inner_text()
    assert stripe_state.writes() == []


def test_german_formatting_of_a_eur_preview(live_portal: LivePortal, host_site: HostSite,
                                            browser_page: Any, stripe_state: Sandbox) -> None:
    configure(live_portal, multi_currency=True, locale="de", auto_detect_locale=False)
    browser_page.set_viewport_size({"width": 760, "height": 1000})
    root = mount_translated(browser_page, live_portal, host_site, "elena@example.com", "de")
    assert "27,00\u00a0\u20ac" in root.locator('[data-subscription="sub_demo_elena"]'
                                                ).inner_text()
    dialog = choose_pro_yearly(root)
    submit(dialog)
    due = dialog.get_by_test_id("due-now")
    due.wait_for()
    assert "\u20ac" in due.inner_text() and "," in due.inner_text()
    if TARGET:
        Path(TARGET).mkdir(parents=True, exist_ok=True)
        dialog.screenshot(path=str(Path(TARGET) / "de-preview-eur.png"), animations="disabled")


def test_hosted_page_in_german_previews_and_charges_in_eur(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox) -> None:
    configure(live_portal, multi_currency=True)
    response = requests.post(live_portal.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_elena", "return_url": host_site.origin + "/", "locale": "de"},
        headers={"Authorization": f"Bearer {_api_key(live_portal)}"})
    assert response.status_code == 200, response.text
    browser_page.goto(response.json()["url"])
    root = browser_page.locator("body")
    card = root.locator('[data-subscription="sub_demo_elena"]')
    card.wait_for()
    assert "27,00\u00a0\u20ac" in card.inner_text()
    dialog = choose_pro_yearly(root)
    assert "270,00\u00a0\u20ac" in dialog.inner_text()
    submit(dialog)
    due = dialog.get_by_test_id("due-now")
    due.wait_for()
    shown = due.inner_text()
    assert stripe_state.writes() == []
    submit(dialog)  # pay and confirm
    root.get_by_text("Ihr Tarif ist jetzt Pro yearly.").wait_for()
    sub = stripe_state.obj("subscription", "sub_demo_elena")
    invoice = stripe_state.obj("invoice", sub["latest_invoice"])
    assert invoice["currency"] == "eur" and invoice["status"] == "paid"
    euros = f"{invoice['amount_paid'] // 100},{invoice['amount_paid'] % 100:02d}"
    assert euros in shown.replace(".", "")  # shown == charged, to the cent
