"""Left-to-right values on a right-to-left page: in Arabic, Ana's phone number "+49 30 1234567"
must not show as "1234567 30 49+", in the billing details nor in the form that edits them."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import HostSite, LivePortal, mount_iframe, wait_ready

ANA = "cus_demo_ana"
DIRECTION = "node => getComputedStyle(node).direction"


def _arabic_iframe(live_portal: LivePortal, host_site: HostSite, page: Any) -> Any:
    return wait_ready(mount_iframe(live_portal, host_site, page, ANA, "ar"))


def test_phone_and_email_read_left_to_right_in_arabic(live_portal: LivePortal,
                                                      host_site: HostSite,
                                                      browser_page: Any) -> None:
    frame = _arabic_iframe(live_portal, host_site, browser_page)
    assert frame.locator(".wsp[dir=rtl]").count() == 1
    billing = frame.locator(".wsp-section-billing")
    phone = billing.get_by_text("+49 30 1234567", exact=True)
    email = billing.get_by_text("ana@example.com", exact=True)
    assert phone.evaluate(DIRECTION) == email.evaluate(DIRECTION) == "ltr"
    # the page around them stays right to left
    assert billing.locator("dt").first.evaluate(DIRECTION) == "rtl"

    billing.locator("[data-action=update_customer]").click()
    dialog = frame.get_by_role("dialog")
    tel = dialog.locator("input[type=tel]")
    assert tel.evaluate(DIRECTION) == "ltr"
    assert tel.evaluate("node => getComputedStyle(node).textAlign") == "right"  # as the page
    assert dialog.locator("input[type=email]").evaluate(DIRECTION) == "ltr"
    assert dialog.locator("input[autocomplete=name]").evaluate(DIRECTION) == "rtl"
