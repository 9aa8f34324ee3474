"""Paged history in a real browser: the UI strings come from the versioned strings URL (German
here), and "Show more" appends the next page of invoices and of canceled subscriptions."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import HostSite, LivePortal, mount_iframe, wait_ready
from widget_server.sandbox.growth import add_customer, add_invoices, add_subscriptions

LONG = "cus_browser_history"


def test_show_more_pages_invoices_and_canceled_subscriptions_in_german(
    live_portal: LivePortal, host_site: HostSite, browser_page: Any
) -> None:
    store = live_portal.sandbox.store
    if store.get("customer", LONG) is None:
        add_customer(store, LONG)
        add_subscriptions(store, LONG, 1)
        add_subscriptions(store, LONG, 8, canceled=True)
        add_invoices(store, LONG, 20)
    frame = mount_iframe(live_portal, host_site, browser_page, LONG, "de")
    wait_ready(frame)
    frame.get_by_role("heading", name="Abonnements").wait_for()  # translated: strings loaded
    rows = frame.locator(".wsp-section-invoices tbody tr")
    rows.nth(11).wait_for()
    assert rows.count() == 12
    cards = frame.locator("[data-subscription]")
    assert cards.count() == 1 + 5
    expected = len([i for i in store.table("invoice").values()
                    if i["customer"] == LONG and i["status"] != "draft"])
    assert expected > 24
    show_invoices = frame.locator('[data-action="show_more_invoices"]')
    shown = 12
    while shown < expected:  # 12 a page
        show_invoices.click()
        shown = min(shown + 12, expected)
        rows.nth(shown - 1).wait_for()
    assert rows.count() == expected
    assert show_invoices.count() == 0
    more = frame.locator('[data-action="show_more_subscriptions"]')
    assert more.inner_text() == "Mehr anzeigen"
    more.click()
    cards.nth(8).wait_for()
    assert cards.count() == 1 + 8
    assert frame.locator('[data-action="show_more_subscriptions"]').count() == 0
