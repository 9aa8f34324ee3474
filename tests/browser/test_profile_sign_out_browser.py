"""Signing out of the profile in Chromium, in English and Arabic: the button, the signed-out
page, and an old tab's "Manage" form no longer opening a portal."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.login_site import LoginSite, sign_in_to_profile
from tests.browser.test_actions_portal import Sandbox
from tests.browser.test_login_browser import login_site, seeded  # noqa: F401


@pytest.mark.parametrize(("locale", "sign_out", "signed_out", "too_long"), [
    ("en", "Sign out", "You are signed out.", "took too long"),
    ("ar", "تسجيل الخروج", "تم تسجيل خروجك.", "استغرق تسجيل الدخول"),
])
def test_sign_out_of_the_profile(login_site: LoginSite, browser_page: Any,  # noqa: F811
                                 seeded: Sandbox, locale: str, sign_out: str,  # noqa: F811
                                 signed_out: str, too_long: str) -> None:
    page = browser_page
    sign_in_to_profile(page, login_site, locale)
    page.locator(".wsp-profile-account").first.wait_for()
    old_form = page.locator(".wsp-profile-account form").first.evaluate("f => f.outerHTML")
    button = page.get_by_role("button", name=sign_out)
    assert button.count() == 1 and button.is_visible()
    button.click()
    page.wait_for_url(re.compile(r"/profile\?.*signed_out=1"))
    assert page.locator("#login-notice").inner_text() == signed_out
    assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    assert page.locator("#login-email-form").is_visible()
    # an old tab's "Manage" form, sent after the sign-out: refused, no portal
    page.goto(f"{login_site.url}/profile?locale={locale}")
    page.evaluate("html => { document.body.insertAdjacentHTML('beforeend', html); }", old_form)
    page.locator("form[action='/profile/manage'] button[type=submit]").last.click()
    page.locator("#login-error").wait_for()
    assert too_long in page.locator("#login-error").inner_text()
    assert "/portal/session/" not in page.url
