"""The no-code login page and the profile page in Chromium, against a real SMTP server.

A customer types their email, reads the code from the message aiosmtpd received, types it,
and gets the hosted portal, which then works as the hosted portal does (a cancel reaches
Stripe). The profile lists the opted-in accounts and opens one's portal. With
``WIDGET_SERVER_SCREENSHOTS=docs/img`` the pictures of docs/login.md are taken too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.browser.login_site import TARGET, LoginSite, serve_login_site, shoot, sign_in_to_profile
from tests.browser.test_actions_portal import Sandbox, click_action, submit
from tests.helpers import create_account
from widget_server.accounts import CreatedAccount
from widget_server.sandbox import SandboxServer


@pytest.fixture(scope="module")
def login_site(tmp_path_factory: pytest.TempPathFactory,
               sandbox: SandboxServer) -> Iterator[LoginSite]:
    def add_accounts(app: Flask) -> CreatedAccount:
        account = create_account(app, name="Lumen Guild", settings={
            "login_page": True, "shared_profile": True, "accent_color": "#0f766e"})
        create_account(app, name="Nordic Makers", settings={"shared_profile": True})
        create_account(app, name="Private Club")  # not opted in: never shown
        return account

    yield from serve_login_site(tmp_path_factory.mktemp("login"), sandbox, add_accounts)


@pytest.fixture
def seeded(sandbox: SandboxServer) -> Iterator[Sandbox]:
    state = Sandbox(sandbox.url)
    state.control("POST", "/seed")
    state.control("DELETE", "/faults")
    yield state
    state.control("POST", "/seed")


def test_login_code_opens_a_working_hosted_portal(login_site: LoginSite, browser_page: Any,
                                                  seeded: Sandbox) -> None:
    page = browser_page
    page.goto(f"{login_site.url}/login/{login_site.public_id}?locale=en")
    shoot(page, "login-email")
    button = page.get_by_role("button", name="Email me a code")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(15, 118, 110)"
    page.fill("#login-email", "ana@example.com")
    page.get_by_role("button", name="Email me a code").click()
    page.locator("#login-code").wait_for()
    assert "ana@example.com" in page.locator("#login-sent").inner_text()
    code = login_site.code()
    shoot(page, "login-code")
    if TARGET:  # the email as a mail client shows its HTML part
        html = login_site.mailbox.messages[-1].get_body(preferencelist=("html",))
        assert html is not None
        letter = page.context.new_page()
        letter.set_viewport_size({"width": 640, "height": 360})
        letter.set_content(html.get_content())
        shoot(letter, "login-email-message")
        letter.close()
    page.fill("#login-code", "000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    assert "not right or has expired" in page.locator("#login-error").inner_text()
    page.fill("#login-code", code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/portal/session/"))
    root = page.locator("#portal")
    dialog = click_action(root, "sub_demo_ana", "cancel")  # the portal works as hosted
    submit(dialog)
    root.locator('[data-subscription="sub_demo_ana"] [data-action="resume"]').wait_for()
    assert seeded.obj("subscription", "sub_demo_ana")["cancel_at_period_end"] is True


def test_login_page_in_arabic_is_right_to_left(login_site: LoginSite,
                                               browser_page: Any) -> None:
    page = browser_page
    page.goto(f"{login_site.url}/login/{login_site.public_id}?locale=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#login-email", "ana@example.com")
    page.locator("#login-email-form button[type=submit]").click()
    page.locator("#login-code").wait_for()
    login_site.code()
    box = page.locator("#login-code").bounding_box()
    label = page.locator("label[for=login-code]").bounding_box()
    assert box is not None and label is not None
    # the label starts at the right edge of the field's column
    assert abs((label["x"] + label["width"]) - (box["x"] + box["width"])) < 2
    shoot(page, "login-code-ar")


def test_profile_lists_opted_in_accounts_and_opens_one(login_site: LoginSite,
                                                       browser_page: Any,
                                                       seeded: Sandbox) -> None:
    page = browser_page
    sign_in_to_profile(page, login_site, "en")
    titles = page.locator(".wsp-profile-account h2").all_text_contents()
    assert titles == ["Lumen Guild", "Nordic Makers"]
    assert "Private Club" not in page.content()
    shoot(page, "profile")
    page.get_by_role("button", name="Manage billing for Nordic Makers").click()
    page.wait_for_url(re.compile(r"/portal/session/"))
    assert "Nordic Makers" in page.locator(".wsp-hosted-title").inner_text()
    page.locator('#portal [data-subscription="sub_demo_ana"]').wait_for()
