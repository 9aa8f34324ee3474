"""The dashboard's snippet, SRI pin included, on another origin in Chromium; a wrong pin is
blocked; a repeat visit takes the bundles and the loader from the browser's cache."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from tests.browser.conftest import HostSite, LivePortal, _Thread
from widget_server.dashboard.snippets import embed_snippet

ANA = "ana@example.com"


def _host_page(portal: LivePortal, service_url: str, *, integrity: str | None = None) -> str:
    with portal.app.test_request_context():
        snippet = embed_snippet(service_url=service_url, account_id=portal.account_id)
    snippet = snippet.replace("USER_EMAIL", ANA).replace("HASH_FROM_YOUR_SERVER",
                                                         portal.hash(ANA))
    if integrity is not None:
        start = snippet.index('integrity="') + len('integrity="')
        snippet = snippet[:start] + integrity + snippet[snippet.index('"', start):]
    return f"<!doctype html><html><head><meta charset='utf-8'></head><body>{snippet}</body></html>"


class _PathLog:
    """WSGI middleware recording the path of every request the service answers."""

    def __init__(self, app: Any) -> None:
        self.app, self.paths, self.lock = app, [], threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self.lock:
            self.paths.append(environ["PATH_INFO"])
        return self.app(environ, start_response)  # type: ignore[no-any-return]

    def take(self) -> list[str]:
        with self.lock:
            paths, self.paths = self.paths, []
        return paths


@pytest.fixture
def logged_portal(live_portal: LivePortal) -> Iterator[tuple[str, _PathLog]]:
    """The live portal's app once more, on its own port, with a log of the paths it served."""
    log = _PathLog(live_portal.app)
    thread = _Thread(log)
    yield f"http://127.0.0.1:{thread.port}", log
    thread.stop()


def test_pinned_snippet_loads_the_portal_from_another_origin(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any) -> None:
    url = host_site.page(_host_page(live_portal, live_portal.url))
    browser_page.goto(url)
    frame = browser_page.frame_locator("#billing-portal iframe")
    frame.locator(".wsp-view .wsp-card").first.wait_for()
    script = browser_page.evaluate("""() => {
        const s = document.querySelector("script[integrity]");
        return [s.src, s.integrity, s.crossOrigin];
    }""")
    assert script[0].startswith(live_portal.url + "/embed/v1/portal.")
    assert script[1].startswith("sha384-") and script[2] == "anonymous"
    assert not any("integrity" in line for line in browser_page.console_lines)


def test_a_wrong_pin_is_blocked(live_portal: LivePortal, host_site: HostSite,
                                browser_page: Any) -> None:
    wrong = "sha384-" + base64.b64encode(hashlib.sha384(b"another loader").digest()).decode()
    url = host_site.page(_host_page(live_portal, live_portal.url, integrity=wrong))
    with browser_page.expect_console_message(lambda m: "integrity" in m.text) as refusal:
        browser_page.goto(url)  # waits for the load event: the script has been refused by then
    assert refusal.value.type == "error"
    assert browser_page.evaluate("() => typeof window.WidgetServer") == "undefined"
    assert browser_page.locator("#billing-portal iframe").count() == 0


def test_a_repeat_visit_downloads_no_bundle_and_no_loader(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any,
        logged_portal: tuple[str, _PathLog]) -> None:
    service, log = logged_portal
    url = host_site.page(_host_page(live_portal, service))
    visits = []
    for _ in range(2):
        browser_page.goto(url)
        frame = browser_page.frame_locator("#billing-portal iframe")
        # The portal renders only after its script and stylesheet arrived (or came from the
        # cache), and the loader came before the frame: nothing of interest comes later.
        frame.locator(".wsp-view .wsp-card").first.wait_for()
        visits.append(log.take())
    first, repeat = visits
    assert any(p.startswith("/embed/v1/portal.") for p in first)
    assert sum(p.startswith("/assets/") for p in first) == 2  # one script, one stylesheet
    assert not [p for p in repeat if p.startswith(("/assets/", "/embed/", "/static/"))], repeat
    assert "/portal/frame" in repeat  # the page itself is revalidated (fresh CSP nonce)
