"""Portal actions clicked through in Chromium, in iframe and inline modes, checked in Stripe.

Each test reseeds the sandbox, sets the account's features, mounts the portal on the host
site, clicks through a dialog and then checks the sandbox's state and the host's
handleResponse events (and that a pre_* veto stops the action before any Stripe write).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.browser.conftest import HostSite, LivePortal, wait_ready
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.features import defaults
from widget_server.models import Account

MODES = ["iframe", "inline"]


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def obj(self, kind: str, object_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.control("GET", "/state")["objects"][kind][object_id]
        return found

    def objects(self, kind: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.control("GET", "/state")["objects"].get(kind, {})
        return found

    def item_price(self, sub_id: str) -> str:
        items = [i for i in self.objects("subscription_item").values()
                 if i["subscription"] == sub_id]
        price = items[0]["price"]
        return str(price if isinstance(price, str) else price["id"])

    def writes(self) -> list[dict[str, Any]]:
        return [r for r in self.control("GET", "/requests")["requests"]
                if r["method"] in ("POST", "DELETE") and not r["path"].endswith("create_preview")]


@pytest.fixture
def stripe_state(live_portal: LivePortal) -> Iterator[Sandbox]:
    sandbox = Sandbox(live_portal.sandbox.url)
    sandbox.control("POST", "/seed")
    sandbox.control("DELETE", "/faults")
    sandbox.control("DELETE", "/requests")
    yield sandbox
    configure(live_portal)  # leave the shared account with its defaults


def configure(portal: LivePortal, **settings: Any) -> None:
    """Reset the shared demo account to the defaults plus `settings`."""
    wanted = {**defaults(), "stripe_publishable_key": "pk_test_sandbox", **settings}
    with db.session_scope(portal.app) as session:
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        AccountService(session, secret_box(portal.app)).update_settings(account, wanted)


def mount(page: Any, portal: LivePortal, site: HostSite, email: str, mode: str,
          veto: str | None = None, ready: bool = True) -> Any:
    """Mount the portal for `email`; returns the locator root of the portal's DOM once its view
    is complete (`ready`), or as soon as its first subscription card is drawn."""
    options = json.dumps({"account": portal.account_id, "email": email,
                          "hash": portal.hash(email), "mode": mode, "locale": "en"})
    answer = (f"window.answer = function (e) {{ return e.event !== {json.dumps(veto)}; }};"
              if veto else "")
    html = f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="portal"></div>
<script>window.events = []; {answer}</script>
<script src="{portal.loader_url}"></script>
<script>WidgetServer.mount("#portal", Object.assign({options}, {{
  handleResponse: function (e) {{ window.events.push([e.event, e.response]);
                                 return window.answer ? window.answer(e) : true; }}
}}));</script></body></html>"""
    page.goto(site.page(html))
    root = page.frame_locator("#portal iframe") if mode == "iframe" else page.locator("#portal")
    if ready:
        return wait_ready(root)
    root.locator(".wsp-sub").first.wait_for()
    return root


def wait_event(page: Any, name: str) -> Any:
    page.wait_for_function("(n) => window.events.some(e => e[0] === n)", arg=name)
    return page.evaluate("(n) => window.events.filter(e => e[0] === n).pop()[1]", name)


def events(page: Any) -> list[str]:
    names: list[str] = page.evaluate("() => window.events.map(e => e[0])")
    return names


def click_action(root: Any, sub_id: str, action: str) -> Any:
    root.locator(f'[data-subscription="{sub_id}"] [data-action="{action}"]').click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    dialog.wait_for()
    return dialog


def submit(dialog: Any) -> None:
    dialog.locator(".wsp-dialog-footer button[type=submit]").click()


@pytest.mark.parametrize("mode", MODES)
def test_change_plan_with_preview(live_portal: LivePortal, host_site: HostSite,
                                  browser_page: Any, stripe_state: Sandbox, mode: str) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "ana@example.com", mode)
    dialog = click_action(root, "sub_demo_ana", "change_plan")
    dialog.locator('input[type=radio][value="price_starter_monthly"]').check()
    submit(dialog)  # review: the proration preview
    dialog.get_by_text("Review the change before you confirm it.").wait_for()
    assert stripe_state.writes() == []
    assert "-" in dialog.inner_text()  # the credit for unused Pro time is shown
    submit(dialog)
    result = wait_event(browser_page, "change_plan")
    assert result["subscription"]["items"][0]["price"]["id"] == "price_starter_monthly"
    assert "pre_change_plan" in events(browser_page)
    assert stripe_state.item_price("sub_demo_ana") == "price_starter_monthly"
    root.get_by_text("Your plan is now Starter monthly.").wait_for()


@pytest.mark.parametrize("mode", MODES)
def test_cancel_with_a_reason_then_resume(live_portal: LivePortal, host_site: HostSite,
                                          browser_page: Any, stripe_state: Sandbox,
                                          mode: str) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "ana@example.com", mode)
    dialog = click_action(root, "sub_demo_ana", "cancel")
    dialog.locator('input[type=radio][value="too_expensive"]').check()
    dialog.locator("textarea").fill("Found a cheaper plan")
    submit(dialog)
    wait_event(browser_page, "cancel")
    sub = stripe_state.obj("subscription", "sub_demo_ana")
    assert sub["cancel_at_period_end"] is True
    assert sub["cancellation_details"] == {**sub["cancellation_details"],
                                           "feedback": "too_expensive",
                                           "comment": "Found a cheaper plan"}
    dialog = click_action(root, "sub_demo_ana", "resume")
    submit(dialog)
    wait_event(browser_page, "resume")
    assert stripe_state.obj("subscription", "sub_demo_ana")["cancel_at_period_end"] is False


def test_the_cancel_dialog_says_a_scheduled_downgrade_will_not_happen(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        stripe_state: Sandbox) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "sam@example.com", "iframe")
    dialog = click_action(root, "sub_demo_sam", "cancel")
    dialog.get_by_text("The scheduled change to Starter yearly on").wait_for()
    submit(dialog)
    wait_event(browser_page, "cancel")
    assert stripe_state.obj("subscription", "sub_demo_sam")["schedule"] is None


@pytest.mark.parametrize("mode", MODES)
def test_a_pre_event_veto_stops_the_action(live_portal: LivePortal, host_site: HostSite,
                                           browser_page: Any, stripe_state: Sandbox,
                                           mode: str) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "ana@example.com", mode,
                 veto="pre_cancel")
    stripe_state.control("DELETE", "/requests")
    dialog = click_action(root, "sub_demo_ana", "cancel")
    submit(dialog)
    wait_event(browser_page, "pre_cancel")
    dialog.wait_for(state="hidden")
    assert "cancel" not in events(browser_page)
    assert stripe_state.writes() == []
    assert stripe_state.obj("subscription", "sub_demo_ana")["cancel_at_period_end"] is False


def test_quantity(live_portal: LivePortal, host_site: HostSite, browser_page: Any,
                  stripe_state: Sandbox) -> None:
    configure(live_portal, quantity=True)
    root = mount(browser_page, live_portal, host_site, "grace@example.com", "iframe")
    dialog = click_action(root, "sub_demo_grace", "change_quantity")
    dialog.locator("input.wsp-stepper-input").fill("8")
    submit(dialog)
    dialog.get_by_text("Review the change before you confirm it.").wait_for()
    submit(dialog)
    result = wait_event(browser_page, "change_quantity")
    assert result["subscription"]["items"][0]["quantity"] == 8
    items = [i for i in stripe_state.objects("subscription_item").values()
             if i["subscription"] == "sub_demo_grace"]
    assert items[0]["quantity"] == 8


def test_resubscribe_once_even_on_a_double_click(live_portal: LivePortal, host_site: HostSite,
                                                 browser_page: Any,
                                                 stripe_state: Sandbox) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "dan@example.com", "inline")
    dialog = click_action(root, "sub_demo_dan", "resubscribe")
    submit(dialog)  # review: what it will charge
    dialog.get_by_test_id("due-now").get_by_text("$29.00").wait_for()
    dialog.locator(".wsp-dialog-footer button[type=submit]").dblclick()
    wait_event(browser_page, "resubscribe")
    live = [s for s in stripe_state.objects("subscription").values()
            if s["customer"] == "cus_demo_dan" and s["status"] != "canceled"]
    assert len(live) == 1 and live[0]["status"] == "active"


def test_apply_a_promotion_code(live_portal: LivePortal, host_site: HostSite,
                                browser_page: Any, stripe_state: Sandbox) -> None:
    configure(live_portal, coupons=True)
    root = mount(browser_page, live_portal, host_site, "ana@example.com", "iframe")
    dialog = click_action(root, "sub_demo_ana", "apply_coupon")
    dialog.locator("input.wsp-input").fill("SUMMER2025")
    submit(dialog)
    dialog.get_by_text("This code has expired.").wait_for()
    dialog.locator("input.wsp-input").fill("WELCOME20")
    submit(dialog)
    wait_event(browser_page, "apply_coupon")
    [discount] = stripe_state.obj("subscription", "sub_demo_ana")["discounts"]
    assert stripe_state.obj("discount", discount)["promotion_code"] == "promo_welcome20"


@pytest.mark.parametrize("mode", MODES)
def test_update_card_then_pay_the_past_due_invoice(live_portal: LivePortal,
                                                   host_site: HostSite, browser_page: Any,
                                                   stripe_state: Sandbox, mode: str) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "carla@example.com", mode)
    [invoice_id] = [i for i, row in stripe_state.objects("invoice").items()
                    if row["customer"] == "cus_demo_carla" and row["status"] == "open"]
    # The failing card first: the payment is declined and the invoice stays open.
    dialog = click_action(root, "sub_demo_carla", "pay_invoice")
    submit(dialog)
    dialog.locator("[role=alert]").get_by_text("declined").wait_for()
    assert stripe_state.obj("invoice", invoice_id)["status"] == "open"
    dialog.locator(".wsp-icon-btn").click()
    # A new card through the SetupIntent and the Stripe.js stand-in.
    root.locator('.wsp-section-payment [data-action="update_card"]').click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    card = dialog.locator('[data-testid="card-element"]')
    card.locator("input").nth(0).fill("4242 4242 4242 4242")
    card.locator("input").nth(1).fill("12 / 34")
    card.locator("input").nth(2).fill("123")
    if card.locator("input").count() > 3:
        card.locator("input").nth(3).fill("10115")
    submit(dialog)
    wait_event(browser_page, "update_card")
    pm_id = stripe_state.obj("customer", "cus_demo_carla")["invoice_settings"][
        "default_payment_method"]
    assert stripe_state.obj("payment_method", pm_id)["card"]["last4"] == "4242"
    # Now the payment goes through.
    dialog = click_action(root, "sub_demo_carla", "pay_invoice")
    submit(dialog)
    wait_event(browser_page, "pay_invoice")
    assert stripe_state.obj("invoice", invoice_id)["status"] == "paid"
    assert stripe_state.obj("subscription", "sub_demo_carla")["status"] == "active"
