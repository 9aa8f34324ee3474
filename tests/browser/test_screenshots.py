"""The screenshots of docs/actions.md, taken in Chromium against the seeded sandbox.

Skipped unless ``WIDGET_SERVER_SCREENSHOTS`` names a folder (``docs/img``):

    WIDGET_SERVER_SCREENSHOTS=docs/img .venv/bin/pytest tests/browser/test_screenshots.py

Each subscription state of the demo data, each preview kind, and German and Arabic views.
The assertions check what each picture must show, so a regression fails here too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import HostSite, LivePortal, wait_ready
from tests.browser.test_actions_portal import (
    Sandbox,
    click_action,
    configure,
    mount,
    stripe_state,
    submit,
)

FIXTURES = (stripe_state,)
TARGET = os.environ.get("WIDGET_SERVER_SCREENSHOTS")
pytestmark = pytest.mark.skipif(not TARGET, reason="set WIDGET_SERVER_SCREENSHOTS=docs/img")

STATES = [  # (customer, subscription, state kind, picture)
    ("ana@example.com", "sub_demo_ana", "active", "state-active"),
    ("ben@example.com", "sub_demo_ben", "trialing", "state-trialing"),
    ("carla@example.com", "sub_demo_carla", "past_due", "state-past-due"),
    ("uma@example.com", "sub_demo_uma", "past_due", "state-past-due-3ds"),
    ("kim@example.com", "sub_demo_kim", "incomplete", "state-incomplete"),
    ("lena@example.com", "sub_demo_lena", "incomplete_expired", "state-incomplete-expired"),
    ("paul@example.com", "sub_demo_paul", "collection_paused", "state-payments-paused"),
    ("eve@example.com", "sub_demo_eve", "canceling", "state-canceling"),
    ("sam@example.com", "sub_demo_sam", "scheduled_change", "state-scheduled-change"),
    ("dan@example.com", "sub_demo_dan", "canceled", "state-canceled"),
]


def settled(root: Any) -> None:
    """Invoices load after the view: wait, so the card is not redrawn under the camera."""
    wait_ready(root)


def shoot(node: Any, name: str) -> None:
    assert TARGET is not None
    Path(TARGET).mkdir(parents=True, exist_ok=True)
    node.screenshot(path=str(Path(TARGET) / f"{name}.png"), animations="disabled")


@pytest.mark.parametrize(("email", "sub_id", "kind", "name"), STATES)
def test_state_pictures(live_portal: LivePortal, host_site: HostSite, browser_page: Any,
                        stripe_state: Sandbox, email: str, sub_id: str, kind: str,
                        name: str) -> None:
    configure(live_portal, pause=True, coupons=True)
    browser_page.set_viewport_size({"width": 760, "height": 900})
    root = mount(browser_page, live_portal, host_site, email, "inline")
    settled(root)
    card = root.locator(f'[data-subscription="{sub_id}"]')
    card.wait_for()
    buttons = card.locator(".wsp-actions button").count()
    assert buttons or card.locator(".wsp-reason").count(), "a way forward or a reason"
    shoot(card, name)


PREVIEWS = [  # (customer, subscription, action, choose, picture, settings)
    ("ana@example.com", "sub_demo_ana", "change_plan", "price_pro_yearly",
     "preview-interval-change", {}),
    ("ana@example.com", "sub_demo_ana", "change_plan", "price_starter_monthly",
     "preview-downgrade-credit", {}),
    ("ana@example.com", "sub_demo_ana", "change_plan", "price_starter_monthly",
     "preview-downgrade-at-period-end", {"downgrade_at_period_end": True}),
    ("grace@example.com", "sub_demo_grace", "change_quantity", "8", "preview-quantity",
     {"quantity": True}),
    ("dan@example.com", "sub_demo_dan", "resubscribe", None, "preview-resubscribe", {}),
]


@pytest.mark.parametrize(("email", "sub_id", "action", "choose", "name", "settings"), PREVIEWS)
def test_preview_pictures(live_portal: LivePortal, host_site: HostSite, browser_page: Any,
                          stripe_state: Sandbox, email: str, sub_id: str, action: str,
                          choose: str | None, name: str, settings: dict[str, Any]) -> None:
    configure(live_portal, **settings)
    browser_page.set_viewport_size({"width": 760, "height": 1000})
    root = mount(browser_page, live_portal, host_site, email, "inline")
    dialog = click_action(root, sub_id, action)
    if action == "change_plan" and choose:
        if choose.endswith("yearly"):
            dialog.locator('.wsp-segmented input[value="year:1"]').check()
        dialog.locator(f'input[type=radio][value="{choose}"]').check()
    elif action == "change_quantity" and choose:
        dialog.locator("input.wsp-stepper-input").fill(choose)
    submit(dialog)
    dialog.get_by_test_id("due-now").wait_for()
    shoot(dialog, name)


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_translated_pictures(live_portal: LivePortal, host_site: HostSite, browser_page: Any,
                             stripe_state: Sandbox, locale: str) -> None:
    configure(live_portal, locale=locale, auto_detect_locale=False)
    browser_page.set_viewport_size({"width": 760, "height": 1000})
    for email, sub_id in (("carla@example.com", "sub_demo_carla"),
                          ("sam@example.com", "sub_demo_sam")):
        root = mount_translated(browser_page, live_portal, host_site, email, locale)
        settled(root)
        card = root.locator(f'[data-subscription="{sub_id}"]')
        card.wait_for()
        assert card.locator(".wsp-badge").inner_text() not in ("Past due", "Change scheduled")
        shoot(card, f"{locale}-{sub_id.removeprefix('sub_demo_')}")
    root = mount_translated(browser_page, live_portal, host_site, "ana@example.com", locale)
    dialog = click_action(root, "sub_demo_ana", "change_plan")
    dialog.locator('.wsp-segmented input[value="year:1"]').check()
    dialog.locator('input[type=radio][value="price_pro_yearly"]').check()
    submit(dialog)
    dialog.get_by_test_id("due-now").wait_for()
    shoot(dialog, f"{locale}-preview-interval-change")


def mount_translated(page: Any, portal: LivePortal, site: HostSite, email: str,
                     locale: str) -> Any:
    import json

    options = json.dumps({"account": portal.account_id, "email": email,
                          "hash": portal.hash(email), "mode": "inline", "locale": locale})
    html = f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="portal"></div><script>window.events = [];</script>
<script src="{portal.loader_url}"></script>
<script>WidgetServer.mount("#portal", Object.assign({options}, {{
  handleResponse: function (e) {{ window.events.push([e.event, e.response]); return true; }}
}}));</script></body></html>"""
    page.goto(site.page(html))
    return wait_ready(page.locator("#portal"))
