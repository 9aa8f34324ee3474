"""A new site owner, in Chromium: the first-run page, "new account" with the sandbox key, the
install page (secret shown once), a Servicebot id and secret imported, and the portal loaded on
a host page that still has its Servicebot snippet, with only the script URL changed.

With ``WIDGET_SERVER_SCREENSHOTS=docs/img`` the pages of docs/dashboard.md are saved too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import HostSite, _Thread
from tests.dashboard.helpers import PASSWORD as HELPER_PASSWORD
from tests.dashboard.helpers import create_owner, give_account
from tests.helpers import make_test_app
from widget_server import db
from widget_server.identity import compute_identity_hash
from widget_server.onboarding import setup_code
from widget_server.sandbox import SandboxServer

ANA = "ana@example.com"
OWNER = "owner@acme.test"
PASSWORD = "an owner's long passphrase 7"
OLD_ID = "sb_page_A72ZPxyx4yH5F9HJ"
OLD_SECRET = "servicebot_secret_5b0c1f3e9a7d4c21"
TARGET = os.environ.get("WIDGET_SERVER_SCREENSHOTS")


@pytest.fixture
def fresh_service(tmp_path: Path, sandbox: SandboxServer) -> Iterator[tuple[Flask, str]]:
    """The service on a database with no owner at all."""
    app = make_test_app(tmp_path, sandbox.url)
    thread = _Thread(app)
    yield app, f"http://127.0.0.1:{thread.port}"
    thread.stop()
    db.get_database(app).engine.dispose()


def shoot(page: Any, name: str, section: str | None = None) -> None:
    """The whole page, or one section of it (the install page is long)."""
    if TARGET:
        Path(TARGET).mkdir(parents=True, exist_ok=True)
        path = str(Path(TARGET) / f"{name}.png")
        if section:
            page.locator(section).screenshot(path=path, animations="disabled")
        else:
            page.screenshot(path=path, full_page=True, animations="disabled")


def _servicebot_page(service: str, hash_: str) -> str:
    """The snippet Servicebot's docs gave, with its script URL pointed at this service."""
    settings = {"billing_page_id": OLD_ID, "email": ANA, "hash": hash_}
    return f"""<!doctype html><title>Billing</title>
<div id="servicebot-subscription-portal"></div>
<script type="text/javascript">
  window.events = [];
  window.servicebotSettings = Object.assign({json.dumps(settings)}, {{
    handleResponse: function (e) {{ window.events.push(e.event); }}
  }});
  (function () {{
    var s = document.createElement('script');
    s.src = '{service}/embed/v1/portal.js';
    s.async = true; s.type = 'text/javascript'; s.id = 'servicebot-embed-js';
    var x = document.getElementsByTagName('script')[0];
    x.parentNode.insertBefore(s, x);
  }})();
</script>"""


def test_a_new_owner_sets_up_an_account_and_migrates_from_servicebot(
    fresh_service: tuple[Flask, str], host_site: HostSite, browser_page: Any
) -> None:
    app, service = fresh_service
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 800})

    # 1. First run: /dashboard/ leads to the page that creates the first owner, once given the
    # setup code the server printed at startup.
    page.goto(service + "/dashboard/")
    assert page.url.endswith("/dashboard/first-run")
    shoot(page, "dashboard-first-run")
    page.fill("input[name=setup_code]", "NOT-THE-CODE")
    page.fill("input[name=email]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("main button[type=submit]")
    assert "setup code is not right" in page.locator("#form-error").inner_text()
    assert page.input_value("input[name=email]") == OWNER
    page.fill("input[name=setup_code]", setup_code(str(app.config["SECRET_KEY"])))
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD + "?")
    page.click("main button[type=submit]")
    assert "not the same" in page.locator("#form-error").inner_text()
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard/accounts/new")
    assert OWNER in page.locator(".who").inner_text()

    # 2. New account with the sandbox's secret key; a restricted key's needs are listed.
    page.fill("input[name=name]", "Acme Cloud (test)")
    page.fill("input[name=stripe_key]", "sk_test_widgetserver")
    page.fill("textarea[name=origins]", host_site.origin.upper())
    page.click("summary")
    assert "Subscription schedules: Write" in page.locator(".permissions").inner_text()
    shoot(page, "dashboard-new-account")
    page.click("main button[type=submit]")
    page.wait_for_selector("#new-secret")
    secret = page.locator("#new-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    assert "test mode" in page.locator(".meta").inner_text()
    account_id = page.locator(".meta code").inner_text().strip()
    # The backend snippets are code blocks pre-filled with the account id.
    assert account_id in page.locator("#backend pre").nth(1).inner_text()
    shoot(page, "dashboard-install", "#secret")
    node = page.locator("#backend .code-block", has_text="createHmac").first
    assert "PORTAL_IDENTITY_SECRET" in node.inner_text()
    if TARGET:
        node.screenshot(path=str(Path(TARGET) / "dashboard-backend-snippets.png"),
                        animations="disabled")

    # 3. Import the Servicebot id and secret.
    page.select_option("select[name=source]", "servicebot")
    page.fill("input[name=legacy_id]", OLD_ID)
    page.fill("input[name=secret]", OLD_SECRET)
    page.check("#import input[name=confirm]")
    page.click("#import button[type=submit]")
    page.wait_for_selector("#import .aliases")
    assert OLD_ID in page.locator("#import .aliases").inner_text()
    page.wait_for_function("() => document.activeElement.textContent.startsWith('Imported.')")
    shoot(page, "dashboard-import", "#import")

    # 4. The host page keeps its Servicebot snippet; only the script URL changed.
    host = browser_page.context.new_page()
    host.goto(host_site.page(_servicebot_page(service,
                                              compute_identity_hash(OLD_SECRET, ANA))))
    host.wait_for_function("() => window.events.indexOf('post_load') >= 0")
    assert host.locator("#servicebot-subscription-portal iframe").count() == 1
    frame = host.frame_locator("#servicebot-subscription-portal iframe")
    frame.locator(".wsp-section-invoices").first.wait_for()

    # 5. Invite another owner: the link is shown once.
    page.goto(service + "/dashboard/owners")
    page.fill("#invites input[name=email]", "bo@acme.test")
    page.click("#invites button[type=submit]")
    link = page.locator("#invite-link").inner_text().strip()
    assert "/dashboard/invite/inv_" in link
    shoot(page, "dashboard-owners")


def test_settings_are_grouped_and_saved_where_the_owner_looks(
    fresh_service: tuple[Flask, str], browser_page: Any
) -> None:
    app, service = fresh_service
    give_account(app, create_owner(app, OWNER), name="Acme Cloud (test)")
    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto(service + "/dashboard/login")
    page.fill("input[name=email]", OWNER)
    page.fill("input[name=password]", HELPER_PASSWORD)
    page.click("main button[type=submit]")
    page.click("table a")
    legends = page.locator("#settings legend").all_inner_texts()
    # branding and custom strings have their own Appearance section (with the live preview)
    assert legends == ["Identity", "Plans", "Cancellation", "Payments", "Invoices",
                       "Languages", "Sign-in by email"]
    page.uncheck("input[name=pause]")
    page.click("#settings button[type=submit]")
    page.wait_for_function("() => document.activeElement.id === 'settings-saved'")
    assert page.locator("#settings-saved").get_attribute("aria-live") == "polite"
    box = page.locator("#settings-saved").bounding_box()
    assert box is not None and -1 < box["y"] < 800  # in view, not scrolled away
    if TARGET:
        page.locator("#settings").screenshot(path=str(Path(TARGET) / "dashboard-settings.png"),
                                             animations="disabled")
