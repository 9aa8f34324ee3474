"""Usage and credit in Chromium, in the iframe and on the hosted page: the metered item's
usage and estimate, the daily chart (bars, a table for screen readers, mirrored right to
left), the credit balance and the grant; nothing of it when the settings are off."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from tests.browser.conftest import HostSite, LivePortal, mount_iframe, wait_ready
from tests.browser.test_actions_portal import Sandbox, configure, stripe_state
from tests.browser.test_flow_browser import _api_key

FIXTURES = (stripe_state,)  # the reseeding fixture, shared with test_actions_portal
OLGA = "cus_demo_olga"


def _iframe(live_portal: LivePortal, host_site: HostSite, page: Any, locale: str) -> Any:
    return mount_iframe(live_portal, host_site, page, OLGA, locale)


def _usage_of(live_portal: LivePortal) -> dict[str, Any]:
    """What the API answers for Olga (the browser must show the same numbers)."""
    from widget_server.identity import issue_portal_token

    token, _ = issue_portal_token(live_portal.app.config["SECRET_KEY"],
                                  account_id=live_portal.account_id, customer_ids=[OLGA],
                                  mode="embed", ttl_seconds=600)
    headers = {"Authorization": f"Bearer {token}"}
    usage = requests.get(live_portal.url + "/v1/portal/usage", headers=headers, timeout=10)
    credit = requests.get(live_portal.url + "/v1/portal/credit", headers=headers, timeout=10)
    assert usage.status_code == credit.status_code == 200
    return {"usage": usage.json(), "credit": credit.json()}


def _check_sections(scope: Any, expected: dict[str, Any]) -> None:
    item = expected["usage"]["items"][0]
    estimate = expected["usage"]["estimates"][0]
    section = scope.locator(".wsp-section-usage")
    section.locator(".wsp-usage-item").wait_for()
    text = section.inner_text()
    assert "API calls" in text and item["usage_display"] in text
    assert item["amount_display"] in text and estimate["amount_due_display"] in text
    bars = section.locator("svg rect.wsp-usage-bar")
    assert bars.count() == len(item["history"]) == 30
    assert section.locator("svg[role=img]").get_attribute("aria-label")
    cells = section.locator("table.wsp-visually-hidden tbody td")
    assert cells.count() == 60 and cells.nth(59).inner_text() == \
        item["history"][-1]["value_display"]
    credit = expected["credit"]["customers"][0]
    box = scope.locator(".wsp-section-credit .wsp-credit")
    box.wait_for()
    credit_text = box.inner_text()
    assert credit["credit_display"] in credit_text
    assert credit["applies_display"] in credit_text
    grant = credit["grants"][0]
    assert grant["remaining_display"] in credit_text and grant["name"] in credit_text


def test_iframe_shows_usage_chart_and_credit(live_portal: LivePortal, host_site: HostSite,
                                             browser_page: Any, stripe_state: Sandbox) -> None:
    configure(live_portal, show_usage=True, show_credit=True)
    frame = _iframe(live_portal, host_site, browser_page, "en")
    frame.get_by_role("heading", name="Usage").wait_for()
    _check_sections(frame, _usage_of(live_portal))
    assert frame.get_by_role("heading", name="Credit", exact=True).count() == 1


def test_hosted_page_shows_usage_and_credit(live_portal: LivePortal, host_site: HostSite,
                                            browser_page: Any, stripe_state: Sandbox) -> None:
    configure(live_portal, show_usage=True, show_credit=True)
    response = requests.post(live_portal.url + "/v1/portal_sessions", timeout=10, json={
        "customer": OLGA, "return_url": host_site.origin + "/", "locale": "en"},
        headers={"Authorization": f"Bearer {_api_key(live_portal)}"})
    assert response.status_code == 200, response.text
    browser_page.goto(response.json()["url"])
    _check_sections(browser_page, _usage_of(live_portal))


def test_chart_is_mirrored_in_arabic(live_portal: LivePortal, host_site: HostSite,
                                     browser_page: Any, stripe_state: Sandbox) -> None:
    configure(live_portal, show_usage=True, show_credit=True)
    frame = _iframe(live_portal, host_site, browser_page, "ar")
    chart = frame.locator(".wsp-usage-chart svg")
    chart.wait_for()
    assert frame.locator(".wsp[dir=rtl]").count() == 1
    transform = chart.evaluate("node => getComputedStyle(node).transform")
    assert transform.startswith("matrix(-1")  # scaleX(-1): today's bar is on the left
    assert frame.get_by_role("heading", name="الاستخدام").count() == 1


def test_nothing_renders_when_off(live_portal: LivePortal, host_site: HostSite,
                                  browser_page: Any, stripe_state: Sandbox) -> None:
    configure(live_portal)
    frame = _iframe(live_portal, host_site, browser_page, "en")
    frame.locator(".wsp-section-invoices").wait_for()
    assert frame.locator(".wsp-section-usage, .wsp-section-credit").count() == 0
    paths = [r["path"] for r in stripe_state.control("GET", "/requests")["requests"]]
    assert not any(p.startswith("/v1/billing") or "balance_transactions" in p for p in paths)


@pytest.mark.skipif(not os.environ.get("WIDGET_SERVER_SCREENSHOTS"),
                    reason="set WIDGET_SERVER_SCREENSHOTS=docs/img")
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_usage_pictures(live_portal: LivePortal, host_site: HostSite, browser_page: Any,
                        stripe_state: Sandbox, locale: str) -> None:
    """docs/img/usage.png, credit.png and ar-usage.png (docs/usage.md)."""
    from tests.browser.test_screenshots import shoot

    configure(live_portal, show_usage=True, show_credit=True)
    browser_page.set_viewport_size({"width": 760, "height": 1400})
    frame = _iframe(live_portal, host_site, browser_page, locale)
    usage = frame.locator(".wsp-section-usage")
    usage.locator(".wsp-usage-estimate").wait_for()
    credit = frame.locator(".wsp-section-credit")
    credit.locator(".wsp-credit-grant").wait_for()
    frame.locator(".wsp-section-invoices .wsp-table-card").wait_for()
    prefix = "" if locale == "en" else f"{locale}-"
    shoot(usage, f"{prefix}usage")
    if locale == "en":
        shoot(credit, "credit")


def _coupon_and_debt(stripe_state: Sandbox) -> None:
    """Olga's subscription gets 20% off and she owes $25: discount and balance rows."""
    import stripe

    client = stripe.StripeClient("sk_test_arrange", base_addresses={"api": stripe_state.url},
                                 max_network_retries=0)
    client.v1.subscriptions.update("sub_demo_olga", {"discounts": [{"coupon": "welcome-20"}]})
    balance = stripe_state.obj("customer", OLGA)["balance"]
    client.v1.customers.balance_transactions.create(
        OLGA, {"amount": 2500 - balance, "currency": "usd", "description": "Late fee"})


def test_estimate_rows_add_up_with_a_discount_and_a_balance_owed(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox) -> None:
    configure(live_portal, show_usage=True, show_credit=True)
    _coupon_and_debt(stripe_state)
    estimate = _usage_of(live_portal)["usage"]["estimates"][0]
    assert estimate["discount"] > 0 and estimate["balance_added"] == 2500
    frame = _iframe(live_portal, host_site, browser_page, "en")
    card = frame.locator(".wsp-usage-estimate")
    card.wait_for()
    rows = [(r.locator("dt").inner_text(), r.locator("dd").inner_text())
            for r in card.locator(".wsp-meta-row").all()]
    labels = [label for label, _ in rows]
    assert labels[:4] == ["Subtotal", "Discount", "Credit grants applied", "Balance owed"]
    assert labels[4].startswith("Amount due") and len(rows) == 5
    # the server's signed amounts, as shown: Babel's minus, like every other amount
    assert [shown for _, shown in rows[:4]] == [r["amount_display"] for r in estimate["rows"]]
    assert rows[1][1] == "-" + estimate["discount_display"]
    assert rows[3][1] == "+" + estimate["balance_added_display"]
    assert rows[4][1] == estimate["amount_due_display"]
    assert "\u2212" not in card.inner_text()
    credit = frame.locator(".wsp-section-credit .wsp-credit-txn .wsp-num").all_inner_texts()
    assert credit and all(t.startswith(("+", "-")) for t in credit)


@pytest.mark.parametrize(("locale", "title"), [("en", "Your next invoice (estimate)"),
                                               ("ar", "فاتورتك التالية (تقدير)")])
def test_the_estimate_card_has_a_title(live_portal: LivePortal, host_site: HostSite,
                                       browser_page: Any, stripe_state: Sandbox, locale: str,
                                       title: str) -> None:
    configure(live_portal, show_usage=True)
    frame = _iframe(live_portal, host_site, browser_page, locale)
    card = frame.locator(".wsp-usage-estimate")
    card.wait_for()
    heading = card.get_by_role("heading", name=title)
    assert heading.count() == 1
    assert frame.get_by_role("group", name=title).count() == 1  # the card is named by it


@pytest.mark.skipif(not os.environ.get("WIDGET_SERVER_SCREENSHOTS"),
                    reason="set WIDGET_SERVER_SCREENSHOTS=docs/img")
def test_estimate_rows_picture(live_portal: LivePortal, host_site: HostSite,
                               browser_page: Any, stripe_state: Sandbox) -> None:
    """docs/img/usage-estimate-rows.png (docs/usage.md)."""
    from tests.browser.test_screenshots import shoot

    configure(live_portal, show_usage=True)
    _coupon_and_debt(stripe_state)
    browser_page.set_viewport_size({"width": 760, "height": 1400})
    frame = _iframe(live_portal, host_site, browser_page, "en")
    card = frame.locator(".wsp-usage-estimate")
    card.wait_for()
    shoot(card, "usage-estimate-rows")
def test_credit_is_read_again_after_a_plan_change(live_portal: LivePortal,
                                                  host_site: HostSite, browser_page: Any,
                                                  stripe_state: Sandbox) -> None:
    """A downgrade credits the unused time: the credit section shows it without a reload."""
    configure(live_portal, show_credit=True, show_usage=True, change_plan=True)
    ana = "cus_demo_ana"
    frame = mount_iframe(live_portal, host_site, browser_page, ana, "en")
    frame.locator(".wsp-section-credit").get_by_text("You have no credit.").wait_for()
    # Ana has nothing metered: no usage section once her usage has loaded (no empty card)
    frame.locator(".wsp-section-usage").wait_for(state="detached")
    wait_ready(frame)
    frame.locator("[data-action=change_plan]").first.click()
    dialog = frame.locator("dialog, [role=dialog]").first
    dialog.locator(".wsp-option").filter(has_text="Starter monthly").first.click()
    dialog.locator("button[type=submit]").first.click()
    credited = dialog.locator(".wsp-totals dd").nth(1)
    credited.wait_for()
    shown = credited.inner_text()
    dialog.locator("button[type=submit]").first.click()
    box = frame.locator(".wsp-section-credit .wsp-credit")
    box.get_by_text(shown).first.wait_for()  # before the fix: "You have no credit." stayed
    balance = live_portal.sandbox  # the sandbox's own number, as the customer reads it
    customer = requests.get(balance.url + f"/v1/customers/{ana}", timeout=10,
                            headers={"Authorization": "Bearer sk_test_x"}).json()
    assert customer["balance"] < 0
    assert shown in box.inner_text()
    assert f"{-customer['balance'] / 100:.2f}" in box.inner_text()
