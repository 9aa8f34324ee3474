"""Money paths clicked through in Chromium, in iframe and inline modes: 3-D Secure on update
card, pay invoice and resubscribe (the dialog steps aside so the bank's challenge, framed over
the page by Stripe.js, can be reached), two tabs that cannot create two subscriptions, an
interval change that charges exactly its preview, and a failed resubscribe payment that can
then be paid."""

from __future__ import annotations

import re
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
    wait_event,
)

FIXTURES = (stripe_state,)  # the reseeding fixture, shared with test_actions_portal
SECURE_CARD = "4000 0025 0000 3155"


def money_text(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def attach_default(sandbox: Sandbox, customer: str, number: str,
                   subscription: str | None = None) -> str:
    """Give the customer a saved default card (arranged in Stripe, as the owner's app could)."""
    import stripe

    client = stripe.StripeClient("sk_test_arrange", base_addresses={"api": sandbox.url},
                                 max_network_retries=0)
    pm = client.v1.payment_methods.create({"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2034}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer})
    client.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": pm.id}})
    if subscription:
        client.v1.subscriptions.update(subscription, {"default_payment_method": pm.id})
    return str(pm.id)


def complete_challenge(page: Any, root: Any, mode: str, outcome: str = "Complete") -> None:
    """Click the bank's button in the challenge iframe Stripe.js put over the page (in the
    portal's frame in iframe mode, over the host page in inline mode)."""
    holder = root if mode == "iframe" else page
    challenge = holder.frame_locator('[data-testid="three-ds-challenge"] iframe')
    button = challenge.get_by_role("button", name=f"{outcome} authentication")
    button.wait_for()
    # the portal's modal dialog stepped aside: nothing is open on top of the challenge
    assert root.locator("dialog.wsp-dialog[open]").count() == 0
    button.click()


def fill_card(dialog: Any, number: str) -> None:
    card = dialog.locator('[data-testid="card-element"]')
    card.locator("input").nth(0).fill(number)
    card.locator("input").nth(1).fill("12 / 34")
    card.locator("input").nth(2).fill("123")


@pytest.mark.parametrize("mode", MODES)
def test_a_3ds_card_completes_on_update_card(live_portal: LivePortal, host_site: HostSite,
                                             browser_page: Any, stripe_state: Sandbox,
                                             mode: str) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "ana@example.com", mode)
    root.locator('.wsp-section-payment [data-action="update_card"]').click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    fill_card(dialog, SECURE_CARD)
    submit(dialog)
    complete_challenge(browser_page, root, mode)
    wait_event(browser_page, "update_card")
    pm = stripe_state.obj("customer", "cus_demo_ana")["invoice_settings"][
        "default_payment_method"]
    assert stripe_state.obj("payment_method", pm)["card"]["last4"] == "3155"
    assert stripe_state.obj("subscription", "sub_demo_ana")["default_payment_method"] == pm


@pytest.mark.parametrize("mode", MODES)
def test_a_3ds_card_completes_on_pay_invoice(live_portal: LivePortal, host_site: HostSite,
                                             browser_page: Any, stripe_state: Sandbox,
                                             mode: str) -> None:
    configure(live_portal)
    attach_default(stripe_state, "cus_demo_carla", "4000002500003155", "sub_demo_carla")
    [invoice_id] = [i for i, row in stripe_state.objects("invoice").items()
                    if row["customer"] == "cus_demo_carla" and row["status"] == "open"]
    root = mount(browser_page, live_portal, host_site, "carla@example.com", mode)
    dialog = click_action(root, "sub_demo_carla", "pay_invoice")
    submit(dialog)
    complete_challenge(browser_page, root, mode)
    root.get_by_text("Payment confirmed. Thank you!").wait_for()
    assert stripe_state.obj("invoice", invoice_id)["status"] == "paid"
    assert stripe_state.obj("subscription", "sub_demo_carla")["status"] == "active"
    root.locator('[data-subscription="sub_demo_carla"] .wsp-badge-success').wait_for()


@pytest.mark.parametrize("mode", MODES)
def test_a_3ds_card_completes_on_resubscribe(live_portal: LivePortal, host_site: HostSite,
                                             browser_page: Any, stripe_state: Sandbox,
                                             mode: str) -> None:
    configure(live_portal)
    attach_default(stripe_state, "cus_demo_dan", "4000002500003155")
    root = mount(browser_page, live_portal, host_site, "dan@example.com", mode)
    dialog = click_action(root, "sub_demo_dan", "resubscribe")
    submit(dialog)
    dialog.get_by_test_id("due-now").get_by_text("$29.00").wait_for()
    submit(dialog)
    complete_challenge(browser_page, root, mode)
    root.get_by_text("Payment confirmed. Thank you!").wait_for()
    [live] = [s for s in stripe_state.objects("subscription").values()
              if s["customer"] == "cus_demo_dan" and s["status"] != "canceled"]
    assert live["status"] == "active"
    assert stripe_state.obj("invoice", live["latest_invoice"])["amount_paid"] == 2900


@pytest.mark.parametrize("mode", MODES)
def test_two_tabs_cannot_create_two_subscriptions(live_portal: LivePortal, host_site: HostSite,
                                                  browser_page: Any, stripe_state: Sandbox,
                                                  mode: str) -> None:
    configure(live_portal)
    second_tab = browser_page.context.new_page()
    try:
        first = mount(browser_page, live_portal, host_site, "dan@example.com", mode)
        second = mount(second_tab, live_portal, host_site, "dan@example.com", mode)
        dialog = click_action(first, "sub_demo_dan", "resubscribe")
        submit(dialog)
        submit(dialog)
        wait_event(browser_page, "resubscribe")
        # the second tab still shows the old page and tries again
        stale = click_action(second, "sub_demo_dan", "resubscribe")
        submit(stale)
        stale.locator("[role=alert]").get_by_text("already have a live subscription").wait_for()
        live = [s for s in stripe_state.objects("subscription").values()
                if s["customer"] == "cus_demo_dan" and s["status"] != "canceled"]
        assert len(live) == 1
        stale.locator(".wsp-icon-btn").click()
        # the refused tab reloaded its state: the old subscription no longer offers it
        second.locator('[data-subscription="sub_demo_dan"] [data-action="resubscribe"]').wait_for(
            state="detached")
        second.locator('[data-subscription="sub_demo_dan"] .wsp-reason').wait_for()
    finally:
        second_tab.close()


@pytest.mark.parametrize("mode", MODES)
def test_an_interval_change_charges_exactly_its_preview(live_portal: LivePortal,
                                                        host_site: HostSite, browser_page: Any,
                                                        stripe_state: Sandbox,
                                                        mode: str) -> None:
    configure(live_portal)
    root = mount(browser_page, live_portal, host_site, "ana@example.com", mode)
    dialog = click_action(root, "sub_demo_ana", "change_plan")
    dialog.locator('.wsp-segmented input[value="year:1"]').check()
    dialog.locator('input[type=radio][value="price_pro_yearly"]').check()
    submit(dialog)
    shown = dialog.get_by_test_id("due-now").inner_text()
    assert re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", shown), shown
    assert dialog.locator(".wsp-change").inner_text().count("Pro") == 2
    submit(dialog)
    wait_event(browser_page, "change_plan")
    sub = stripe_state.obj("subscription", "sub_demo_ana")
    invoice = stripe_state.obj("invoice", sub["latest_invoice"])
    assert invoice["status"] == "paid"
    assert money_text(invoice["amount_paid"]) == shown


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_resubscribe_payment_can_then_be_paid(live_portal: LivePortal,
                                                       host_site: HostSite, browser_page: Any,
                                                       stripe_state: Sandbox,
                                                       mode: str) -> None:
    configure(live_portal)
    attach_default(stripe_state, "cus_demo_dan", "4000000000000341")
    root = mount(browser_page, live_portal, host_site, "dan@example.com", mode)
    dialog = click_action(root, "sub_demo_dan", "resubscribe")
    submit(dialog)
    submit(dialog)
    wait_event(browser_page, "resubscribe")
    root.locator(".wsp-notice-warning").get_by_text("did not go through").wait_for()
    [new] = [s for s in stripe_state.objects("subscription").values()
             if s["customer"] == "cus_demo_dan" and s["status"] != "canceled"]
    assert new["status"] == "incomplete"
    card = root.locator(f'[data-subscription="{new["id"]}"]')
    card.get_by_text("Awaiting payment").wait_for()
    card.locator('[data-action="update_card"]').click()
    dialog = root.locator("dialog.wsp-dialog[open]")
    fill_card(dialog, "4242 4242 4242 4242")
    submit(dialog)
    wait_event(browser_page, "update_card")
    dialog = click_action(root, new["id"], "pay_invoice")
    submit(dialog)
    wait_event(browser_page, "pay_invoice")
    assert stripe_state.obj("subscription", new["id"])["status"] == "active"
    card.locator(".wsp-badge-success").get_by_text("Active").wait_for()
