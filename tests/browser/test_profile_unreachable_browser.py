"""The profile page in Chromium when one opted-in account cannot be reached (its Stripe key
was revoked): the other account is listed under a note, in English and in Arabic (RTL).
With ``WIDGET_SERVER_SCREENSHOTS=docs/img`` it takes docs/login.md's picture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from tests.browser.login_site import LoginSite, serve_login_site, shoot, sign_in_to_profile
from tests.helpers import create_account
from widget_server.accounts import CreatedAccount
from widget_server.sandbox import SandboxServer

_REVOKED = "sk_test_fixlogin_browser_revoked"


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory,
                sandbox: SandboxServer) -> Iterator[LoginSite]:
    def add_accounts(app: Flask) -> CreatedAccount:
        account = create_account(app, name="Lumen Guild", settings={"shared_profile": True})
        create_account(app, name="Aurora Club", stripe_key=_REVOKED,
                       settings={"shared_profile": True})
        answer = requests.post(sandbox.url + "/_sandbox/expired_keys", json={"key": _REVOKED},
                               timeout=5)
        assert answer.status_code == 200
        return account

    yield from serve_login_site(tmp_path_factory.mktemp("profile"), sandbox, add_accounts)


@pytest.mark.parametrize(("locale", "note"), [
    ("en", "Some accounts could not be reached"),
    ("ar", "تعذّر الوصول إلى بعض الحسابات")])
def test_profile_lists_the_accounts_that_answered(broken_site: LoginSite, browser_page: Any,
                                                  locale: str, note: str) -> None:
    page = browser_page
    sign_in_to_profile(page, broken_site, locale)
    alert = page.locator("#profile-unreachable")
    assert note in alert.inner_text()
    assert page.locator(".wsp-profile-account h2").all_text_contents() == ["Lumen Guild"]
    assert "Aurora Club" not in page.content()
    if locale == "ar":
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert alert.evaluate("n => getComputedStyle(n).direction") == "rtl"
    else:
        shoot(page, "profile-unreachable")
