"""A EUR customer's plans and preview in EUR, in the iframe and inline, and in German."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

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
