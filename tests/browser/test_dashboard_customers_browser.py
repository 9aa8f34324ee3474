"""The owner's side in Chromium: find a customer and revoke their access (their portal then has
no live subscription), and the analytics charts drawn from seeded portal activity.

With ``WIDGET_SERVER_SCREENSHOTS=docs/img`` the pictures of docs/dashboard.md are saved too.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from tests.browser.conftest import HostSite, LivePortal
from tests.browser.test_actions_portal import Sandbox, configure, mount, stripe_state
from tests.dashboard.helpers import PASSWORD, create_owner
from widget_server import db
from widget_server.demo_activity import seed_portal_activity
from widget_server.models import Account, AuditEvent, utcnow

FIXTURES = (stripe_state,)
PICTURES = os.environ.get("WIDGET_SERVER_SCREENSHOTS")


@pytest.fixture
def owner_email(live_portal: LivePortal) -> Iterator[str]:
    """A new owner of the shared browser account (the account is handed back afterwards)."""
    email = f"owner-{secrets.token_hex(4)}@owner.test"
    owner_id = create_owner(live_portal.app, email)
    with db.session_scope(live_portal.app) as session:
        account = session.get(Account, live_portal.account.account.id)
        assert account is not None
        previous, account.owner_id = account.owner_id, owner_id
    yield email
    with db.session_scope(live_portal.app) as session:
        account = session.get(Account, live_portal.account.account.id)
        assert account is not None
        account.owner_id = previous


def sign_in(page: Any, portal: LivePortal, email: str) -> None:
    page.goto(portal.url + "/dashboard/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")


def picture(node: Any, name: str) -> None:
    if PICTURES:
        Path(PICTURES).mkdir(parents=True, exist_ok=True)
        node.screenshot(path=str(Path(PICTURES) / f"{name}.png"), full_page=True,
                        animations="disabled")


def test_find_a_customer_and_revoke_access(live_portal: LivePortal, host_site: HostSite,
                                           browser_page: Any, stripe_state: Sandbox,
                                           owner_email: str) -> None:
    configure(live_portal)
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 800})
    sign_in(page, live_portal, owner_email)
    page.click(f'a[href$="/accounts/{live_portal.account_id}"]')
    page.get_by_role("link", name="Customers").first.click()
    page.fill("#customer-query", "ana@example.com")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("1 customer found").wait_for()
    picture(page, "dashboard-customers")
    page.get_by_role("link", name="Ana Souza").click()
    page.locator('[data-state="active"]').first.wait_for()
    picture(page, "dashboard-customer")
    page.get_by_role("link", name="Cancel now (revoke access)").click()
    page.get_by_text("This cannot be undone").wait_for()
    picture(page, "dashboard-customer-confirm")
    assert stripe_state.writes() == []  # the confirm step wrote nothing
    page.get_by_role("button", name="Yes, cancel now").click()
    page.get_by_role("status").get_by_text("The subscription was canceled").wait_for()
    assert page.locator('[data-state="canceled"]').count() == 1
    assert page.get_by_text("dashboard.subscription.cancel_now").count() == 1
    assert stripe_state.obj("subscription", "sub_demo_ana")["status"] == "canceled"

    # Ana's own portal now shows no live subscription
    root = mount(page, live_portal, host_site, "ana@example.com", "iframe")
    cards = root.locator(".wsp-sub")
    assert cards.count() >= 1
    assert cards.count() == root.locator(".wsp-sub.wsp-sub-ended").count()


def test_charts_render_with_seeded_activity(live_portal: LivePortal, browser_page: Any,
                                            owner_email: str, tmp_path: Path) -> None:
    account_id = live_portal.account.account.id
    with db.session_scope(live_portal.app) as session:
        added = seed_portal_activity(session, account_id, utcnow())
    assert added > 50
    try:
        page = browser_page
        page.set_viewport_size({"width": 1100, "height": 800})
        sign_in(page, live_portal, owner_email)
        page.goto(f"{live_portal.url}/dashboard/accounts/{live_portal.account_id}"
                  "/analytics?period=90")
        charts = page.locator("svg.chart")
        assert charts.count() == 5  # MRR (USD), actions, reasons, offers, plan changes
        for index in range(charts.count()):
            chart = charts.nth(index)
            assert chart.get_attribute("role") == "img"
            assert chart.locator("title").first.text_content()
            assert chart.locator("desc").first.text_content()
            assert chart.locator("rect.bar").count() >= 2
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 40
        assert page.locator("#chart-actions rect.bar").count() == 13  # 90 days, per week
        assert page.locator("table.data").count() >= 5
        shot = tmp_path / "analytics.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        picture(page, "dashboard-analytics")
        # the same page in Arabic: right to left, translated, the charts still drawn
        page.set_extra_http_headers({"Accept-Language": "ar"})
        page.goto(f"{live_portal.url}/dashboard/accounts/{live_portal.account_id}"
                  "/analytics?period=30")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("svg.chart rect.bar").count() > 10
        assert "التحليلات" in page.locator("h1").inner_text()
        picture(page, "dashboard-analytics-ar")
    finally:
        with db.session_scope(live_portal.app) as session:
            session.execute(delete(AuditEvent).where(AuditEvent.account_id == account_id,
                                                     AuditEvent.actor_type == "customer"))
