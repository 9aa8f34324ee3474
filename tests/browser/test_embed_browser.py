"""The loader in a real browser: iframe and inline modes across origins, errors, CSP, styles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import HostSite, LivePortal

ANA = "ana@example.com"
HOSTILE_CSS = """
  * { color: rgb(255, 0, 0) !important; font-family: Georgia, serif !important;
      letter-spacing: 3px !important; }
  button { background: rgb(255, 105, 180) !important; }
  .wsp, .wsp-view, .wsp-card { display: none !important; }
"""


def _page(portal: LivePortal, options: dict[str, Any], *, css: str = "",
          extra_body: str = "", mounts: int = 1) -> str:
    """A host page that mounts the portal and records every event in window.events."""
    opts = json.dumps({"account": portal.account_id, **options})
    targets = "".join(f'<div id="portal{i}" class="mount"></div>' for i in range(mounts))
    mount_calls = "".join(
        f"""WidgetServer.mount("#portal{i}", Object.assign({opts}, {{
              handleResponse: function (e) {{ window.events.push([{i}, e.event, e.response]);
                                             return window.answer ? window.answer(e) : true; }}
            }}));""" for i in range(mounts))
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>
<body>{extra_body}{targets}
<script>window.events = [];</script>
<script src="{portal.loader_url}"></script>
<script>{mount_calls}</script>
</body></html>"""


def _wait_event(page: Any, name: str, mount: int = 0) -> None:
    page.wait_for_function(
        "([n, m]) => window.events.some(e => e[1] === n && e[0] === m)", arg=[name, mount])


# Runs in every frame before the frame's own scripts: records the frame's fetch() calls and
# counts the test's marker messages (see _frame_handled_messages).
_FRAME_SPY = """
window.__fetched = [];
window.__markers = 0;
const realFetch = window.fetch;
window.fetch = function (input, init) {
  window.__fetched.push(String((input && input.url) || input));
  return realFetch.apply(this, arguments);
};
window.addEventListener("message", (e) => { if (e.data === "ws-test-marker") window.__markers++; });
"""


def _frame_handled_messages(page: Any, mount: int = 0) -> Any:
    """Wait until the portal frame has handled every message the host page posted to it so far
    (a veto, say): messages from one window to another arrive in order, so a marker posted now
    is handled after them. Returns the frame."""
    frame = page.wait_for_selector(f"#portal{mount} iframe").content_frame()
    page.evaluate("(m) => document.querySelector(`#portal${m} iframe`)"
                  ".contentWindow.postMessage('ws-test-marker', '*')", mount)
    frame.wait_for_function("() => window.__markers > 0")
    return frame


def _page_handled_messages(page: Any) -> None:
    """Wait until the host page has handled every message posted to it so far."""
    page.evaluate("""() => new Promise((done) => {
        window.addEventListener("message", (e) => { if (e.data === "ws-test-marker") done(); });
        window.postMessage("ws-test-marker", "*");
    })""")


def _event_names(page: Any, mount: int = 0) -> list[str]:
    names: list[str] = page.evaluate(
        "(m) => window.events.filter(e => e[0] === m).map(e => e[1])", mount)
    return names


def test_iframe_loads_resizes_and_reports_events(live_portal: LivePortal, host_site: HostSite,
                                                 browser_page: Any) -> None:
    url = host_site.page(_page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA)}))
    browser_page.goto(url)
    _wait_event(browser_page, "post_load")
    names = _event_names(browser_page)
    assert names.index("pre_load") < names.index("post_load")
    frame = browser_page.frame_locator("#portal0 iframe")
    frame.locator(".wsp-view").first.wait_for()
    # the frame reported its content height and the loader applied it
    browser_page.wait_for_function(
        "() => document.querySelector('#portal0 iframe').style.height !== '150px'")
    height = browser_page.evaluate(
        "() => parseInt(document.querySelector('#portal0 iframe').style.height, 10)")
    assert 150 < height <= 4000
    # the token never appears in a URL
    src = browser_page.evaluate("() => document.querySelector('#portal0 iframe').src")
    assert src.startswith(live_portal.url + "/portal/frame?account=")
    assert "token" not in src


def test_wrong_hash_shows_the_message_in_the_mount_point(live_portal: LivePortal,
                                                         host_site: HostSite,
                                                         browser_page: Any) -> None:
    url = host_site.page(_page(live_portal, {"email": ANA, "hash": "0" * 64, "locale": "en"}))
    browser_page.goto(url)
    _wait_event(browser_page, "error")
    alert = browser_page.locator("#portal0 [role=alert]")
    assert "couldn't verify your identity" in alert.inner_text()
    assert browser_page.locator("#portal0 iframe").count() == 0
    error = browser_page.evaluate("() => window.events.find(e => e[1] === 'error')[2]")
    assert error["code"] == "identity_rejected"


@pytest.mark.parametrize("answer", [
    "e => e.event !== 'pre_load'",
    "e => Promise.resolve(e.event !== 'pre_load')",
    "e => { if (e.event === 'pre_load') throw new Error('no'); return true; }",
])
def test_veto_of_a_pre_event_is_sent_back(live_portal: LivePortal, host_site: HostSite,
                                          browser_page: Any, answer: str) -> None:
    """false, a promise of false, or a throw for pre_load stops the portal from loading."""
    page = _page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA)}).replace(
        "<script>window.events = [];</script>",
        f"<script>window.events = []; window.answer = {answer};</script>")
    browser_page.add_init_script(_FRAME_SPY)
    browser_page.goto(host_site.page(page))
    _wait_event(browser_page, "pre_load")  # the veto is posted to the frame in the same task
    frame = _frame_handled_messages(browser_page)
    # An allowed load would have asked for the portal by now (synchronously after the veto).
    assert not [url for url in frame.evaluate("() => window.__fetched") if "/v1/portal" in url]
    assert "post_load" not in _event_names(browser_page)


def test_messages_from_other_windows_are_ignored(live_portal: LivePortal, host_site: HostSite,
                                                browser_page: Any) -> None:
    url = host_site.page(_page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA),
                                             "maxHeight": 900}))
    browser_page.goto(url)
    _wait_event(browser_page, "post_load")
    before = browser_page.evaluate("() => document.querySelector('#portal0 iframe').style.height")
    browser_page.evaluate("""() => {
        window.postMessage({type: 'resize', height: 777}, '*');
        window.postMessage({type: 'event', event: 'forged', response: {}}, '*');
    }""")
    _page_handled_messages(browser_page)  # the forged messages were handled (and ignored)
    after = browser_page.evaluate("() => document.querySelector('#portal0 iframe').style.height")
    assert after != "777px"  # (the frame itself may still report a new height meanwhile)
    assert "forged" not in _event_names(browser_page)
    assert int(before.removesuffix("px")) <= 900  # maxHeight caps the frame
    assert int(after.removesuffix("px")) <= 900


def test_two_portals_on_one_page_and_unmount(live_portal: LivePortal, host_site: HostSite,
                                             browser_page: Any) -> None:
    url = host_site.page(_page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA)},
                               mounts=2))
    browser_page.goto(url)
    _wait_event(browser_page, "post_load", 0)
    _wait_event(browser_page, "post_load", 1)
    browser_page.evaluate("() => WidgetServer.unmount('#portal0')")
    assert browser_page.locator("#portal0 iframe").count() == 0
    assert browser_page.locator("#portal1 iframe").count() == 1


def test_disallowed_origin_cannot_frame_the_portal(live_portal: LivePortal, host_site: HostSite,
                                                   other_site: HostSite,
                                                   browser_page: Any) -> None:
    frame_url = f"{live_portal.url}/portal/frame?account={live_portal.account_id}"
    html = (f'<!doctype html><iframe id="f" src="{frame_url}" '
            'onload="window.frameLoaded = true"></iframe>')
    # control: the allowed origin can frame it
    browser_page.goto(host_site.page(html))
    browser_page.frame_locator("#f").locator("#portal").wait_for(state="attached")

    browser_page.goto(other_site.page(html))
    # The frame's load event fires for the portal page and for the browser's "blocked" page
    # alike: after it, the frame holds whichever document it will show (#portal is markup).
    browser_page.wait_for_function("() => window.frameLoaded === true")
    assert browser_page.frame_locator("#f").locator("#portal").count() == 0
    frames = [f for f in browser_page.frames if f != browser_page.main_frame]
    assert all(not f.url.startswith(live_portal.url) or f.locator("#portal").count() == 0
               for f in frames)


def test_disallowed_origin_gets_no_session(live_portal: LivePortal, other_site: HostSite,
                                           browser_page: Any) -> None:
    url = other_site.page(_page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA)}))
    browser_page.goto(url)
    _wait_event(browser_page, "error")
    assert browser_page.locator("#portal0 [role=alert]").inner_text()
    assert "post_load" not in _event_names(browser_page)


def _computed(page: Any, selector_js: str, props: list[str]) -> dict[str, str]:
    result: dict[str, str] = page.evaluate(
        """([find, props]) => { const el = eval(find); const s = getComputedStyle(el);
             return Object.fromEntries(props.map(p => [p, s.getPropertyValue(p)])); }""",
        [selector_js, props])
    return result


def test_inline_mode_renders_without_style_leaks(live_portal: LivePortal, host_site: HostSite,
                                                 browser_page: Any) -> None:
    host_probe = '<div id="probe" class="wsp wsp-card"><button id="probe-btn">host</button></div>'
    url = host_site.page(_page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA),
                                             "mode": "inline"},
                               css=HOSTILE_CSS, extra_body=host_probe))
    browser_page.goto(url)
    _wait_event(browser_page, "post_load")
    portal_root = "document.querySelector('#portal0').shadowRoot.querySelector('.wsp')"
    browser_page.wait_for_function(f"() => !!{portal_root}")
    assert browser_page.evaluate("() => !!document.querySelector('#portal0').shadowRoot")
    assert browser_page.locator("#portal0 iframe").count() == 0

    # host CSS does not reach the portal's elements
    inside = _computed(browser_page, portal_root, ["display", "color", "font-family",
                                                   "letter-spacing"])
    assert inside["display"] != "none"
    assert inside["color"] != "rgb(255, 0, 0)"
    assert "Georgia" not in inside["font-family"]
    assert inside["letter-spacing"] != "3px"
    button = f"{portal_root}.querySelector('button')"
    if browser_page.evaluate(f"() => !!{button}"):
        assert _computed(browser_page, button, ["background-color"])["background-color"] != \
            "rgb(255, 105, 180)"

    # the portal's CSS does not reach the host's elements (same class names on purpose)
    probe = _computed(browser_page, "document.getElementById('probe')",
                      ["display", "padding-top", "border-top-width", "background-color"])
    assert probe["display"] == "none"  # only the host's own rule applies
    probe_button = _computed(browser_page, "document.getElementById('probe-btn')",
                             ["background-color"])
    assert probe_button["background-color"] == "rgb(255, 105, 180)"


def test_inline_mode_from_an_unstyled_page_matches_portal_styles(
        live_portal: LivePortal, host_site: HostSite, browser_page: Any) -> None:
    """Host CSS changes nothing: the same portal element has the same style with and without."""
    props = ["color", "font-family", "font-size", "letter-spacing", "display"]
    root = "document.querySelector('#portal0').shadowRoot.querySelector('.wsp')"
    styles = []
    for css in ("", HOSTILE_CSS):
        url = host_site.page(_page(live_portal, {"email": ANA, "hash": live_portal.hash(ANA),
                                                 "mode": "inline"}, css=css))
        browser_page.goto(url)
        _wait_event(browser_page, "post_load")
        styles.append(_computed(browser_page, root, props))
    assert styles[0] == styles[1]


def test_servicebot_settings_auto_mount(live_portal: LivePortal, host_site: HostSite,
                                        browser_page: Any) -> None:
    settings = {"servicebot_id": live_portal.account_id, "email": ANA,
                "hash": live_portal.hash(ANA)}
    html = f"""<!doctype html><div id="servicebot-subscription-portal"></div>
<script>window.events = [];
window.servicebotSettings = Object.assign({json.dumps(settings)},
  {{handleResponse: function (e) {{ window.events.push([0, e.event, e.response]); }}}});
</script>
<script src="{live_portal.loader_url}"></script>"""
    browser_page.goto(host_site.page(html))
    _wait_event(browser_page, "post_load")
    assert browser_page.locator("#servicebot-subscription-portal iframe").count() == 1


@pytest.mark.parametrize("locale", ["de"])
def test_error_message_is_translated(live_portal: LivePortal, host_site: HostSite,
                                     browser_page: Any, locale: str) -> None:
    url = host_site.page(_page(live_portal, {"email": ANA, "hash": "0" * 64, "locale": locale}))
    browser_page.goto(url)
    _wait_event(browser_page, "error")
    text = browser_page.locator("#portal0 [role=alert]").inner_text()
    with live_portal.app.test_request_context():
        from flask import g

        from widget_server.i18n import _

        g.locale = locale
        expected = _("We couldn't verify your identity, so the billing portal can't be shown. "
                     "Please sign in again or contact support.")
    assert text == expected
    assert "verify your identity" not in text  # really German, not the English fallback
