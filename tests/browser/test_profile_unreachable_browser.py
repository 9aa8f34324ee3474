"""The profile page in Chromium when one opted-in account cannot be reached (its Stripe key
was revoked): the other account is listed under a note, in English and in Arabic (RTL).
With ``WIDGET_SERVER_SCREENSHOTS=docs/img`` it takes docs/login.md's picture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.browser.conftest import _Thread
from tests.browser.test_login_browser import LoginSite, shoot
from tests.helpers import create_account, make_test_app
from tests.login.conftest import Mailbox, free_port, smtp_config
from widget_server import db
from widget_server.login.flow import wait_for_deliveries
from widget_server.sandbox import SandboxServer

_REVOKED = "sk_test_fixlogin_browser_revoked"


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory,
                sandbox: SandboxServer) -> Iterator[LoginSite]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app = make_test_app(tmp_path_factory.mktemp("profile"), sandbox.url, PROFILE_PAGE=True,
                        **smtp_config(controller.port))
    account = create_account(app, name="Lumen Guild", settings={"shared_profile": True})
    create_account(app, name="Aurora Club", stripe_key=_REVOKED,
                   settings={"shared_profile": True})
    answer = requests.post(sandbox.url + "/_sandbox/expired_keys", json={"key": _REVOKED},
                           timeout=5)
    assert answer.status_code == 200
    thread = _Thread(app)
    yield LoginSite(app, f"http://127.0.0.1:{thread.port}", mailbox,
                    account.account.public_id)
    thread.stop()
    wait_for_deliveries(app)
    controller.stop()
    db.get_database(app).engine.dispose()


@pytest.mark.parametrize(("locale", "note"), [
    ("en", "Some accounts could not be reached"),
    ("ar", "تعذّر الوصول إلى بعض الحسابات")])
def test_profile_lists_the_accounts_that_answered(broken_site: LoginSite, browser_page: Any,
                                                  locale: str, note: str) -> None:
    page = browser_page
    page.goto(f"{broken_site.url}/profile?locale={locale}")
    page.fill("#login-email", "ana@example.com")
    page.locator("#login-email-form button[type=submit]").click()
    page.fill("#login-code", broken_site.code())
    page.locator("#login-code-form button[type=submit]").click()
    alert = page.locator("#profile-unreachable")
    assert note in alert.inner_text()
    assert page.locator(".wsp-profile-account h2").all_text_contents() == ["Lumen Guild"]
    assert "Aurora Club" not in page.content()
    if locale == "ar":
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert alert.evaluate("n => getComputedStyle(n).direction") == "rtl"
    else:
        shoot(page, "profile-unreachable")
