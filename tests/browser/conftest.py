"""Live servers and a headless Chromium for the browser tests (reusable by any browser test).

* ``live_portal``: the real app (``make_test_app``) on a threaded werkzeug server at
  ``http://127.0.0.1:<port>``, backed by the session's Stripe sandbox, with one demo account
  whose allowed origin is the host page's origin.
* ``host_site``: a second origin, ``http://localhost:<port>``, serving pages the test writes
  (``host_site.page(html) -> url``): the customer's app that embeds the portal.
* ``other_site``: a third origin the account does not allow.
* ``browser_page``: a fresh Playwright page (sync API) in Debian's Chromium.
* ``wait_ready(root)``: wait until the portal under ``root`` has drawn its whole view and holds
  still (its root's ``data-wsp-ready`` mark): the one wait before a test clicks in a portal.

Tests using these are marked ``browser`` and skipped with a reason when Chromium is missing.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.helpers import create_account, make_test_app
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.identity import compute_identity_hash
from widget_server.sandbox import SandboxServer

CHROMIUM = os.environ.get("WIDGET_SERVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(
                    reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set "
                           "WIDGET_SERVER_CHROMIUM)"))


class _Thread:
    """A werkzeug server in a daemon thread; stop() shuts it down."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.server: BaseWSGIServer = make_server(host, 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@dataclass
class HostSite:
    """A static site on its own origin; tests register pages and get their URLs."""

    origin: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def page(self, html: str) -> str:
        path = f"/page{next(self._ids)}.html"
        self.pages[path] = html
        return self.origin + path

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        html = self.pages.get(request.path)
        response = (Response(html, mimetype="text/html") if html is not None
                    else Response("not found", status=404))
        return response(environ, start_response)


def _serve_site() -> Iterator[HostSite]:
    site = HostSite()
    thread = _Thread(site.wsgi)
    site.origin = f"http://localhost:{thread.port}"
    yield site
    thread.stop()


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    yield from _serve_site()


@pytest.fixture(scope="session")
def other_site() -> Iterator[HostSite]:
    yield from _serve_site()


@dataclass
class LivePortal:
    """The running service and its demo account."""

    app: Flask
    url: str
    account: CreatedAccount
    sandbox: SandboxServer

    @property
    def account_id(self) -> str:
        return self.account.account.public_id

    def hash(self, identifier: str) -> str:
        return compute_identity_hash(self.account.hmac_secret, identifier)

    @property
    def loader_url(self) -> str:
        return self.url + "/embed/v1/portal.js"


@pytest.fixture(scope="session")
def live_portal(tmp_path_factory: pytest.TempPathFactory, sandbox: SandboxServer,
                host_site: HostSite) -> Iterator[LivePortal]:
    app = make_test_app(tmp_path_factory.mktemp("live"), sandbox.url)
    account = create_account(app, name="Acme Cloud", public_id="acct_browserdemo",
                             allowed_origins=[host_site.origin])
    thread = _Thread(app)
    yield LivePortal(app, f"http://127.0.0.1:{thread.port}", account, sandbox)
    thread.stop()
    db.get_database(app).engine.dispose()


def mount_iframe(live_portal: LivePortal, host_site: HostSite, page: Any, customer: str,
                 locale: str) -> Any:
    """Open a host page that mounts `customer`'s portal in an iframe (identified by customer id
    and its hash) in `locale`; returns the iframe's frame locator."""
    options = json.dumps({"account": live_portal.account_id, "customerId": customer,
                          "hash": live_portal.hash(customer), "locale": locale})
    page.goto(host_site.page(f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="portal"></div><script src="{live_portal.loader_url}"></script>
<script>WidgetServer.mount("#portal", {options});</script></body></html>"""))
    return page.frame_locator("#portal iframe")


def wait_ready(root: Any) -> Any:
    """Wait for the portal's ``data-wsp-ready`` mark (static/portal/ready.js) under ``root``
    (a page, a frame locator or a locator); returns ``root``.

    The mark is set once the portal, invoices, usage and entitlements are loaded and shown and
    no rebuild is waiting: a test that clicks right after the first card appears races those
    rebuilds, and one waiting on a section's text waits for one of them only."""
    root.locator("[data-wsp-ready]").wait_for()
    return root


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh page; console messages are kept on ``page.console_lines`` for debugging."""
    context = chromium.new_context()
    page = context.new_page()
    lines: list[str] = []
    page.on("console", lambda message: lines.append(f"{message.type}: {message.text}"))
    page.console_lines = lines
    page.set_default_timeout(15_000)
    yield page
    context.close()
