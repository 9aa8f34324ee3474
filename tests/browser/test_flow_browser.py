"""Deep links (flow_data) in Chromium: the hosted page and the iframe open straight into the
cancel flow, and after the cancel the browser goes to the checked return_url."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.browser.conftest import HostSite, LivePortal
from tests.browser.test_actions_portal import Sandbox, configure, stripe_state, submit
from widget_server import api_keys, db
from widget_server.models import Account

FIXTURES = (stripe_state,)  # the reseeding fixture, shared with test_actions_portal
DONE_PAGE = "<!doctype html><html><body><h1 id='done'>Back in the app</h1></body></html>"


def _api_key(portal: LivePortal) -> str:
    with db.session_scope(portal.app) as session:
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        return api_keys.create_key(session, account, "browser test")[1]


def _cancel_flow(return_url: str | None) -> dict[str, Any]:
    flow: dict[str, Any] = {"type": "subscription_cancel",
                            "subscription_cancel": {"subscription": "sub_demo_ana"}}
    if return_url:
        flow["after_completion"] = {"type": "redirect", "redirect": {"return_url": return_url}}
    return flow


def test_hosted_deep_link_opens_the_cancel_flow_and_redirects(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox) -> None:
    configure(live_portal)
    done = host_site.page(DONE_PAGE)
    response = requests.post(live_portal.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_ana", "return_url": host_site.origin + "/", "locale": "en",
        "flow_data": _cancel_flow(done)},
        headers={"Authorization": f"Bearer {_api_key(live_portal)}"})
    assert response.status_code == 200, response.text
    browser_page.goto(response.json()["url"])
    dialog = browser_page.locator("dialog.wsp-dialog[open]")
    dialog.wait_for()  # no click: the link opened the flow
    assert "Cancel subscription" in dialog.inner_text()
    assert stripe_state.writes() == []
    with browser_page.expect_navigation(url=done):
        submit(dialog)
    browser_page.locator("#done").wait_for()
    assert stripe_state.obj("subscription", "sub_demo_ana")["cancel_at_period_end"] is True


def test_hosted_deep_link_home_after_completion_stays_in_the_portal(
        live_portal: LivePortal, browser_page: Any, host_site: HostSite,
        stripe_state: Sandbox) -> None:
    configure(live_portal)
    response = requests.post(live_portal.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_ana", "return_url": host_site.origin + "/", "locale": "en",
        "flow_data": _cancel_flow(None)},
        headers={"Authorization": f"Bearer {_api_key(live_portal)}"})
    url = response.json()["url"]
    browser_page.goto(url)
    dialog = browser_page.locator("dialog.wsp-dialog[open]")
    dialog.wait_for()
    submit(dialog)
    browser_page.locator('[data-subscription="sub_demo_ana"] [data-action="resume"]').wait_for()
    assert browser_page.url == url  # the portal's home, no redirect
    assert browser_page.locator("dialog.wsp-dialog[open]").count() == 0


@pytest.mark.parametrize("mode", ["iframe", "inline"])
def test_embedded_deep_link_opens_the_cancel_flow_and_the_host_redirects(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox, mode: str) -> None:
    configure(live_portal)
    done = host_site.page(DONE_PAGE)
    options = json.dumps({"account": live_portal.account_id, "email": "ana@example.com",
                          "hash": live_portal.hash("ana@example.com"), "mode": mode,
                          "locale": "en", "flowData": _cancel_flow(done)})
    html = f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="portal"></div>
<script>window.events = [];</script>
<script src="{live_portal.loader_url}"></script>
<script>WidgetServer.mount("#portal", Object.assign({options}, {{
  handleResponse: function (e) {{ window.events.push(e.event); return true; }}
}}));</script></body></html>"""
    browser_page.goto(host_site.page(html))
    root = (browser_page.frame_locator("#portal iframe") if mode == "iframe"
            else browser_page.locator("#portal"))
    dialog = root.locator("dialog.wsp-dialog[open]")
    dialog.wait_for()
    assert "Cancel subscription" in dialog.inner_text()
    with browser_page.expect_navigation(url=done):
        submit(dialog)
    browser_page.locator("#done").wait_for()
    assert stripe_state.obj("subscription", "sub_demo_ana")["cancel_at_period_end"] is True


@pytest.mark.parametrize(("flow", "title"), [
    ({"type": "subscription_update", "subscription_update": {"subscription": "sub_demo_ana"}},
     "Change plan"),
    ({"type": "payment_method_update"}, "Update card"),
])
def test_other_flows_open_their_dialog(live_portal: LivePortal, host_site: HostSite,
                                       browser_page: Any, stripe_state: Sandbox,
                                       flow: dict[str, Any], title: str) -> None:
    configure(live_portal)
    response = requests.post(live_portal.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_ana", "return_url": host_site.origin + "/", "locale": "en",
        "flow_data": flow}, headers={"Authorization": f"Bearer {_api_key(live_portal)}"})
    assert response.status_code == 200, response.text
    browser_page.goto(response.json()["url"])
    dialog = browser_page.locator("dialog.wsp-dialog[open]")
    dialog.wait_for()
    assert title in dialog.locator("h2, h3").first.inner_text()


def test_a_deep_link_whose_subscription_ended_says_so_on_the_home(
        live_portal: LivePortal, browser_page: Any, host_site: HostSite,
        stripe_state: Sandbox) -> None:
    configure(live_portal)
    response = requests.post(live_portal.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_ana", "return_url": host_site.origin + "/", "locale": "de",
        "flow_data": _cancel_flow(None)},
        headers={"Authorization": f"Bearer {_api_key(live_portal)}"})
    assert response.status_code == 200, response.text
    # canceled between the link's making and its opening
    requests.delete(live_portal.sandbox.url + "/v1/subscriptions/sub_demo_ana", timeout=10,
                    headers={"Authorization": "Bearer sk_test_widgetserver"}).raise_for_status()
    browser_page.goto(response.json()["url"])
    notice = browser_page.locator(".wsp-notice")
    notice.wait_for()
    assert ("Dieses Abonnement kann hier nicht mehr geändert werden. Ihr Konto wird so "
            "angezeigt, wie es jetzt ist.") in notice.inner_text()
    assert browser_page.locator("dialog.wsp-dialog[open]").count() == 0
