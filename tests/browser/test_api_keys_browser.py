"""The dashboard's API keys page in Chromium: create (shown once), use, revoke. With
``WIDGET_SERVER_SCREENSHOTS=docs/img`` it also takes docs/img/dashboard-api-keys.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.browser.conftest import LivePortal
from widget_server import db
from widget_server.models import Account, ApiKey, Owner

PASSWORD = "correct horse battery staple"
TARGET = os.environ.get("WIDGET_SERVER_SCREENSHOTS")


@pytest.fixture
def owner_email(live_portal: LivePortal) -> Iterator[str]:
    """An owner of the shared browser account, which is handed back afterwards."""
    with db.session_scope(live_portal.app) as session:
        account = session.get(Account, live_portal.account.account.id)
        assert account is not None
        previous = account.owner_id
    yield _owner_of_the_demo_account(live_portal)
    with db.session_scope(live_portal.app) as session:
        account = session.get(Account, live_portal.account.account.id)
        assert account is not None
        account.owner_id = previous


def _owner_of_the_demo_account(portal: LivePortal) -> str:
    email = "owner-keys@example.com"
    with db.session_scope(portal.app) as session:
        owner = session.scalar(select(Owner).where(Owner.email == email))
        if owner is None:
            owner = Owner(email=email,
                          password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"))
            session.add(owner)
            session.flush()
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        account.owner_id = owner.id
        for key in session.scalars(select(ApiKey).where(ApiKey.account_id == account.id)):
            session.delete(key)
    return email


def _settings(portal: LivePortal, key: str) -> int:
    return requests.get(portal.url + "/v1/account/settings", timeout=10,
                        headers={"Authorization": f"Bearer {key}"}).status_code


def test_create_use_and_revoke_a_key(live_portal: LivePortal, browser_page: Any,
                                     owner_email: str) -> None:
    page = browser_page
    email = owner_email
    page.goto(live_portal.url + "/dashboard/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_portal.url}/dashboard/accounts/{live_portal.account_id}")
    page.get_by_role("link", name="API keys").click()
    page.wait_for_url("**/api-keys")

    keys_url = page.url
    for name in ("Nightly export", "Billing worker"):
        page.fill("input[name=name]", name)
        with page.expect_navigation():
            page.get_by_role("button", name="Create key").click()
        page.locator("#new-api-key").wait_for()
    key = page.locator("#new-api-key").inner_text().strip()
    assert key.startswith("wsk_")
    assert _settings(live_portal, key) == 200
    page.goto(keys_url)  # the key is shown only once; its last use is now listed
    assert key not in page.content()
    row = page.locator("tr", has_text="Billing worker")
    assert "Never" not in row.inner_text()

    page.on("dialog", lambda dialog: dialog.accept())  # the "Revoke?" confirmation
    page.locator("tr", has_text="Nightly export").get_by_role("button", name="Revoke").click()
    page.get_by_text("was revoked").wait_for()
    assert "Revoked" in page.locator("tr", has_text="Nightly export").inner_text()
    assert _settings(live_portal, key) == 200  # the other key still works

    if TARGET:
        Path(TARGET).mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1100, "height": 800})
        page.locator("main").screenshot(path=str(Path(TARGET) / "dashboard-api-keys.png"),
                                        animations="disabled")
