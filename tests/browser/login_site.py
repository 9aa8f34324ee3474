"""The sign-in pages served for the browser tests: the app with the profile page on, sending
through a real SMTP server (aiosmtpd) whose mailbox the test reads the code from.

``serve_login_site`` starts and stops it all; each test module's fixture says which accounts
exist (``add_accounts``). With ``WIDGET_SERVER_SCREENSHOTS=docs/img`` ``shoot`` saves the
pictures of docs/login.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from tests.browser.conftest import _Thread
from tests.helpers import make_test_app
from tests.login.conftest import Mailbox, code_in, free_port, smtp_config
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.login.flow import wait_for_deliveries
from widget_server.sandbox import SandboxServer

TARGET = os.environ.get("WIDGET_SERVER_SCREENSHOTS")


class LoginSite:
    def __init__(self, app: Any, url: str, mailbox: Mailbox, public_id: str) -> None:
        self.app, self.url, self.mailbox, self.public_id = app, url, mailbox, public_id

    def code(self) -> str:
        wait_for_deliveries(self.app)
        assert self.mailbox.messages, "no email was sent"
        return code_in(self.mailbox.messages[-1])


def serve_login_site(folder: Path, sandbox: SandboxServer,
                     add_accounts: Callable[[Flask], CreatedAccount]) -> Iterator[LoginSite]:
    """The running site (a generator for a fixture to yield from); ``public_id`` is that of
    the account ``add_accounts`` returns."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app = make_test_app(folder, sandbox.url, PROFILE_PAGE=True, **smtp_config(controller.port))
    account = add_accounts(app)
    thread = _Thread(app)
    yield LoginSite(app, f"http://127.0.0.1:{thread.port}", mailbox,
                    account.account.public_id)
    thread.stop()
    wait_for_deliveries(app)
    controller.stop()
    db.get_database(app).engine.dispose()


def sign_in_to_profile(page: Any, site: LoginSite, locale: str) -> None:
    """Ask the profile page for a code and type it in (any language: the forms' own
    buttons, not their words)."""
    page.goto(f"{site.url}/profile?locale={locale}")
    page.fill("#login-email", "ana@example.com")
    page.locator("#login-email-form button[type=submit]").click()
    page.fill("#login-code", site.code())
    page.locator("#login-code-form button[type=submit]").click()


def shoot(node: Any, name: str) -> None:
    if TARGET:
        Path(TARGET).mkdir(parents=True, exist_ok=True)
        node.screenshot(path=str(Path(TARGET) / f"{name}.png"), animations="disabled")
