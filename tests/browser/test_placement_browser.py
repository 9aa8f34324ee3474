"""Where the portal's overlays land, clicked through in Chromium: in iframe mode the frame is as
tall as its content, so dialogs, notices and the 3-D Secure challenge must open in the host's
viewport (the loader reports it and scrolls the host on the frame's request), and a notice must
never cover a control the user needs next. Also: a step refused as out of date cannot be
submitted again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import HostSite, LivePortal, wait_ready
from tests.browser.test_actions_portal import MODES, Sandbox, configure, stripe_state, submit
from tests.browser.test_money_browser import attach_default

FIXTURES = (stripe_state,)  # the reseeding fixture, shared with test_actions_portal
VIEWPORT = {"width": 1100, "height": 800}


def mount_below(page: Any, portal: LivePortal, site: HostSite, email: str, mode: str,
                above: int) -> Any:
    """Mount the portal `above` px down a host page whose viewport is VIEWPORT."""
    options = json.dumps({"account": portal.account_id, "email": email,
                          "hash": portal.hash(email), "mode": mode, "locale": "en"})
    html = f"""<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">
<div style="height:{above}px">The customer's app</div><div id="portal"></div>
<div style="height:1200px"></div>
<script>window.events = [];</script>
<script src="{portal.loader_url}"></script>
<script>WidgetServer.mount("#portal", Object.assign({options}, {{
  handleResponse: function (e) {{ window.events.push([e.event, e.response]); }}
}}));</script></body></html>"""
    page.set_viewport_size(VIEWPORT)
    page.goto(site.page(html))
    root = page.frame_locator("#portal iframe") if mode == "iframe" else page.locator("#portal")
    return wait_ready(root)  # invoices shown too: the frame has its full height


# After the next frames (a notice is re-placed when the page re-renders): the texts of the
# visible controls the notice covers.
COVERED_CONTROLS = """async (root) => {
  for (let i = 0; i < 2; i++) await new Promise((done) => requestAnimationFrame(done));
  const toast = root.querySelector(".wsp-notice").getBoundingClientRect();
  return [...root.querySelectorAll("button, a[href], input, select, textarea")]
    .filter((c) => !c.closest(".wsp-notice") && c.getClientRects().length)
    .filter((c) => { const r = c.getBoundingClientRect();
      return r.left < toast.right && toast.left < r.right && r.top < toast.bottom &&
        toast.top < r.bottom; })
    .map((c) => c.textContent.trim());
}"""


def in_view(box: dict[str, float] | None, height: int) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_iframe_3ds_challenge_opens_in_the_hosts_viewport(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox) -> None:
    configure(live_portal, quantity=True)
    attach_default(stripe_state, "cus_demo_ivan", "4000002500003155", "sub_demo_ivan_team")
    # Ivan's frame is tall (two subscriptions, invoices): Stripe.js centres its challenge in
    # the frame's window, which put it across the fold of an 800 px window
    root = mount_below(browser_page, live_portal, host_site, "ivan@example.com", "iframe", 150)
    root.locator('[data-subscription="sub_demo_ivan_team"] [data-action="change_quantity"]').click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    dialog.locator("input.wsp-stepper-input").fill("4")
    submit(dialog)
    dialog.locator(".wsp-preview").wait_for()
    assert in_view(dialog.bounding_box(), VIEWPORT["height"]), dialog.bounding_box()
    browser_page.evaluate("scrollTo(0, 0)")  # the user is at the top of the page
    submit(dialog)
    bank = root.frame_locator('[data-testid="three-ds-challenge"] iframe')
    complete = bank.get_by_role("button", name="Complete authentication")
    # the frame asked the host to scroll as the challenge was added, before its page loaded
    complete.wait_for()
    box = root.locator('[data-testid="three-ds-challenge"] iframe').bounding_box()
    assert in_view(box, VIEWPORT["height"]), box
    complete.click()
    root.get_by_text("Payment confirmed. Thank you!").wait_for()


def test_iframe_dialog_at_phone_width_opens_in_view(live_portal: LivePortal, host_site: HostSite,
                                                    browser_page: Any,
                                                    stripe_state: Sandbox) -> None:
    configure(live_portal, quantity=True)
    root = mount_below(browser_page, live_portal, host_site, "grace@example.com", "iframe", 100)
    browser_page.set_viewport_size({"width": 375, "height": 800})
    button = root.locator('[data-subscription="sub_demo_grace"] [data-action="change_quantity"]')
    button.scroll_into_view_if_needed()
    button.click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    dialog.locator("input[type=number]").fill("7")
    submit(dialog)
    dialog.locator(".wsp-preview").wait_for()
    box = dialog.bounding_box()
    assert in_view(box, 800), box


@pytest.mark.parametrize("mode", MODES)
def test_a_notice_never_covers_a_control(live_portal: LivePortal, host_site: HostSite,
                                         browser_page: Any, stripe_state: Sandbox,
                                         mode: str) -> None:
    configure(live_portal)
    attach_default(stripe_state, "cus_demo_dan", "4000000000000341")  # attaches, then declines
    root = mount_below(browser_page, live_portal, host_site, "dan@example.com", mode, 0)
    root.locator('[data-subscription="sub_demo_dan"] [data-action="resubscribe"]').click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    submit(dialog)
    dialog.get_by_test_id("due-now").wait_for()
    submit(dialog)
    dialog.wait_for(state="detached")  # the decline leaves an incomplete subscription
    notice = root.locator(".wsp-notice")
    notice.wait_for()
    root.locator('[data-action="pay_invoice"]').wait_for()  # "Pay now", the way forward
    covered = root.locator(".wsp").first.evaluate(COVERED_CONTROLS)
    assert covered == []
    assert in_view(notice.bounding_box(), VIEWPORT["height"]), notice.bounding_box()


@pytest.mark.parametrize("mode", MODES)
def test_a_step_refused_as_out_of_date_cannot_be_submitted_again(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any, stripe_state: Sandbox,
        mode: str) -> None:
    configure(live_portal)
    second_tab = browser_page.context.new_page()
    try:
        tabs = [mount_below(page, live_portal, host_site, "dan@example.com", mode, 0)
                for page in (browser_page, second_tab)]
        dialogs = []
        for root in tabs:  # both tabs reach the confirm step of the same resubscribe
            root.locator('[data-subscription="sub_demo_dan"] [data-action="resubscribe"]').click()
            dialog = root.locator("dialog.wsp-dialog[open]")
            submit(dialog)
            dialog.get_by_test_id("due-now").wait_for()
            dialogs.append(dialog)
        submit(dialogs[0])
        browser_page.wait_for_function("() => window.events.some(e => e[0] === 'resubscribe')")
        submit(dialogs[1])
        refusal = dialogs[1].locator("[role=alert]")
        refusal.get_by_text("already have a live subscription").wait_for()
        primary = dialogs[1].locator(".wsp-dialog-footer button[type=submit]")
        assert primary.is_disabled()
        assert dialogs[1].get_by_role("button", name="Back").is_enabled()
    finally:
        second_tab.close()
