"""The live preview in Chromium: an edited setting shows in the framed portal before it is
saved and stays after saving; a German custom string shows in the German preview."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import LivePortal, wait_ready
from tests.dashboard.helpers import PASSWORD, create_owner, give_account, load_account
from widget_server import db
from widget_server.models import Account

OWNER = "preview-owner@owner.test"
ACCOUNT = "acct_previewbrowser"


@pytest.fixture(scope="module")
def preview_account(live_portal: LivePortal) -> Iterator[str]:
    owner_id = create_owner(live_portal.app, OWNER)
    give_account(live_portal.app, owner_id, name="Preview Co", public_id=ACCOUNT,
                 allowed_origins=["https://app.example.com"])
    yield ACCOUNT
    with db.session_scope(live_portal.app) as session:
        account = session.query(Account).filter_by(public_id=ACCOUNT).one()
        account.owner_id = None


def _set_settings(portal: LivePortal, **settings: Any) -> None:
    """A freshly seeded sandbox (another browser test on this worker may have canceled Ana's
    subscription) and the account's saved settings: the defaults plus `settings`."""
    requests.post(portal.sandbox.url + "/_sandbox/seed", timeout=30).raise_for_status()
    with db.session_scope(portal.app) as session:
        account = session.query(Account).filter_by(public_id=ACCOUNT).one()
        account.settings = dict(settings)


def _sign_in(page: Any, portal: LivePortal) -> None:
    page.goto(f"{portal.url}/dashboard/login")
    page.fill('input[name="email"]', OWNER)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_url(f"{portal.url}/dashboard/")


def _cancel_button(page: Any) -> Any:
    frame = page.frame_locator("#preview-frame")
    return frame.locator('[data-subscription="sub_demo_ana"] [data-action="cancel"]')


def _preview_loaded(page: Any) -> Any:
    frame = page.frame_locator("#preview-frame")
    frame.locator('[data-subscription="sub_demo_ana"]').wait_for()
    return wait_ready(frame)


def test_a_toggled_setting_shows_in_the_preview_before_and_after_saving(
    live_portal: LivePortal, preview_account: str, browser_page: Any
) -> None:
    page = browser_page
    _set_settings(live_portal)
    _sign_in(page, live_portal)
    page.goto(f"{live_portal.url}/dashboard/accounts/{preview_account}")
    page.fill("#preview-customer", "ana@example.com")
    page.select_option("#preview-locale", "en")
    page.click("#preview-form button[type=submit]")
    _preview_loaded(page)
    assert _cancel_button(page).count() == 1
    assert "read-only" in page.frame_locator("#preview-frame").locator(
        ".wsp-preview-banner").inner_text()

    page.uncheck('form.settings input[name="cancellation"]')  # not saved yet
    _cancel_button(page).wait_for(state="detached")
    _preview_loaded(page)
    assert _cancel_button(page).count() == 0
    assert load_account(live_portal.app, preview_account).settings.get("cancellation", True)

    page.click('form.settings button[type="submit"]:not([formaction])')
    page.wait_for_url("**#settings-saved")
    _preview_loaded(page)  # the preview comes back with the saved settings
    assert _cancel_button(page).count() == 0
    assert load_account(live_portal.app, preview_account).settings["cancellation"] is False


def test_preview_without_saving_keeps_the_live_preview_customer(
    live_portal: LivePortal, preview_account: str, browser_page: Any
) -> None:
    page = browser_page
    _set_settings(live_portal)
    _sign_in(page, live_portal)
    page.goto(f"{live_portal.url}/dashboard/accounts/{preview_account}")
    page.fill("#preview-customer", "ana@example.com")
    page.click("#preview-form button[type=submit]")
    _preview_loaded(page)
    page.uncheck('form.settings input[name="cancellation"]')
    _cancel_button(page).wait_for(state="detached")
    # the form's own button (a full page load, as without JS) continues the same draft
    page.click('form.settings button[formaction]')
    page.wait_for_url("**#preview")
    assert page.input_value("#preview-customer") == "ana@example.com"
    _preview_loaded(page)
    assert _cancel_button(page).count() == 0
    assert load_account(live_portal.app, preview_account).settings.get("cancellation", True)


def test_a_german_custom_string_shows_in_the_german_preview(
    live_portal: LivePortal, preview_account: str, browser_page: Any
) -> None:
    page = browser_page
    _set_settings(live_portal)
    _sign_in(page, live_portal)
    page.goto(f"{live_portal.url}/dashboard/accounts/{preview_account}?strings_locale=de")
    page.fill("#preview-customer", "ana@example.com")
    page.select_option("#preview-locale", "de")
    page.click("#preview-form button[type=submit]")
    frame = _preview_loaded(page)
    frame.get_by_text("Zahlungsmethode", exact=True).first.wait_for()
    page.fill('input[name="cs_key.0"]', "Payment method")
    page.fill('input[name="cs_text.0"]', "Ihre Karte bei uns")
    frame.get_by_text("Ihre Karte bei uns", exact=True).first.wait_for()
    assert frame.locator("html").get_attribute("lang") == "de"
    assert "Ihre Karte bei uns" not in str(
        load_account(live_portal.app, preview_account).settings.get("custom_strings"))


@pytest.mark.skipif(not os.environ.get("WIDGET_SERVER_SCREENSHOTS"),
                    reason="set WIDGET_SERVER_SCREENSHOTS=docs/img")
def test_dashboard_pictures(live_portal: LivePortal, preview_account: str,
                            browser_page: Any) -> None:
    """docs/dashboard.md's pictures of the Plans, Appearance and Live preview sections."""
    target = Path(os.environ["WIDGET_SERVER_SCREENSHOTS"])
    target.mkdir(parents=True, exist_ok=True)
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    _set_settings(live_portal, custom_strings={"de": {"Payment method": "Ihre Karte"}})
    _sign_in(page, live_portal)
    page.goto(f"{live_portal.url}/dashboard/accounts/{preview_account}?strings_locale=de")
    page.fill("#preview-customer", "ana@example.com")
    page.select_option("#preview-locale", "de")
    page.click("#preview-form button[type=submit]")
    _preview_loaded(page)
    page.check('input[name="plan_price"][value="price_starter_monthly"]')
    page.fill('input[name="plan_order.price_starter_monthly"]', "1")
    page.check('input[name="plan_price"][value="price_pro_monthly"]')
    page.fill('input[name="plan_order.price_pro_monthly"]', "2")
    page.fill('input[name="accent_color"]', "#0f766e")
    page.fill('input[name="cs_key.0"]', "Payment method")
    page.fill('input[name="cs_text.0"]', "Ihre Karte bei uns")
    frame = page.frame_locator("#preview-frame")
    frame.get_by_text("Ihre Karte bei uns", exact=True).first.wait_for()
    frame.locator(".wsp-section-invoices .wsp-table-card, .wsp-section-invoices .wsp-empty"
                  ).first.wait_for()
    page.locator("#plans").screenshot(path=str(target / "dashboard-plans.png"),
                                      animations="disabled")
    page.locator("#appearance").screenshot(path=str(target / "dashboard-appearance.png"),
                                           animations="disabled")
    page.locator("#preview").screenshot(path=str(target / "dashboard-preview.png"),
                                        animations="disabled")
    for name in ("plans", "appearance", "preview"):
        assert (target / f"dashboard-{name}.png").stat().st_size > 10_000
    assert "Zahlungsmethode" in page.locator("#appearance .reference").first.inner_text()
    _set_settings(live_portal)
