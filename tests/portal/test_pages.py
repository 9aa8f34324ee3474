"""The portal's HTML pages: the iframe page, the hosted template, the error page, the bundle."""

from __future__ import annotations

import json
import re

from flask import Flask, g, render_template
from flask.testing import FlaskClient

from tests.helpers import create_account
from widget_server.accounts import CreatedAccount
from widget_server.assets.build import PORTAL_SCRIPTS


def frame_url(account: CreatedAccount, query: str = "") -> str:
    return f"/portal/frame?account={account.account.public_id}{query}"


def script_sources(html: str) -> list[str]:
    return re.findall(r'<script nonce="[^"]+" src="([^"]+)"', html)


def boot_json(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="portal-boot">(.*?)</script>', html,
                      re.S)
    assert match
    loaded: dict[str, object] = json.loads(match.group(1))
    return loaded


def test_frame_page_loads_the_app_then_the_frame_bridge(
        client: FlaskClient, account: CreatedAccount) -> None:
    response = client.get(frame_url(account))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    # One script (the app, then the frame bridge) and one stylesheet, content-addressed.
    assert re.fullmatch(r"/assets/portal-frame\.[0-9a-f]{16}\.js", script_sources(html)[0])
    assert len(script_sources(html)) == 1
    assert 'id="portal"' in html and 'role="status"' in html  # the loading state
    assert re.search(r'<link rel="stylesheet" href="/assets/portal\.[0-9a-f]{16}\.css">', html)


def test_frame_page_may_be_framed_only_by_the_accounts_origins(
        client: FlaskClient, account: CreatedAccount) -> None:
    policy = client.get(frame_url(account)).headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://localhost:5000" in policy


def test_frame_page_follows_accept_language_and_is_rtl_for_hebrew(
        client: FlaskClient, account: CreatedAccount) -> None:
    html = client.get(frame_url(account), headers={"Accept-Language": "he-IL,he;q=0.9"}) \
        .get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in html
    assert "בטעינה…" in html
    assert boot_json(html)["strings"] == {
        "Loading…": "בטעינה…",
        "We couldn't load your billing information.": "לא הצלחנו לטעון את פרטי החיוב שלך.",
        "Try again": "ניסיון חוזר",
        "We couldn't reach the server. Check your connection and try again.":
            "לא הצלחנו להתחבר לשרת. יש לבדוק את החיבור ולנסות שוב.",
        "Something went wrong. Please try again.": "משהו השתבש. יש לנסות שוב.",
    }


def test_explicit_locale_beats_accept_language(
        client: FlaskClient, account: CreatedAccount) -> None:
    html = client.get(frame_url(account, "&locale=ar"), headers={"Accept-Language": "de"}) \
        .get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "جارٍ التحميل…" in html


def test_unknown_or_missing_account_gets_a_translated_error_page(client: FlaskClient) -> None:
    for url in ("/portal/frame?account=acct_doesnotexist", "/portal/frame",
                "/portal/frame?account=%3Cscript%3E"):
        response = client.get(url, headers={"Accept-Language": "de"})
        assert response.status_code == 404, url
        html = response.get_data(as_text=True)
        assert "Dieses Abrechnungsportal ist nicht verfügbar" in html
        assert 'role="alert"' in html
        assert "<script" not in html
        assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_account_name_is_escaped(app: Flask, client: FlaskClient) -> None:
    created = create_account(app, name='Evil </title><script>alert("x")</script>')
    html = client.get(frame_url(created)).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;/title&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_hosted_template_boots_with_the_token_in_the_page_body(
        app: Flask, account: CreatedAccount) -> None:
    with app.test_request_context("/portal/session/x"):
        g.locale = "fr"  # the hosted route negotiates the locale before rendering
        html = render_template(
            "portal/hosted.html", token="tok</script><script>alert(1)", locale="fr",
            return_url="https://app.example.com/account?a=1&b=2", account=account.account)
    boot = boot_json(html)
    assert boot["token"] == "tok</script><script>alert(1)"
    assert boot["locale"] == "fr"
    assert "<script>alert(1)" not in html
    assert '<html lang="fr" dir="ltr">' in html
    assert 'href="https://app.example.com/account?a=1&amp;b=2"' in html
    assert "Retour à Test Co" in html
    assert re.fullmatch(r"/assets/portal-hosted\.[0-9a-f]{16}\.js", script_sources(html)[-1])


def test_hosted_template_drops_a_non_http_return_url_and_logo(
        app: Flask, account: CreatedAccount) -> None:
    with app.test_request_context("/portal/session/x"):
        html = render_template(
            "portal/hosted.html", token="t", locale="he", return_url="javascript:alert(1)",
            account=account.account, logo_url="javascript:alert(2)")
    assert "javascript:" not in html
    assert 'id="portal-return"' not in html
    assert '<html lang="he" dir="rtl">' in html


def test_bundle_serves_every_portal_script_in_order(client: FlaskClient) -> None:
    response = client.get("/portal/assets/portal.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    positions = [body.index(f"/*! {name} */") for name in PORTAL_SCRIPTS]
    assert positions == sorted(positions)
    assert "window.WidgetServerPortal={version:1,mount:mount};" in body  # minified
    assert response.headers["Cache-Control"] == "public, max-age=300"  # a stable URL
    again = client.get("/portal/assets/portal.js",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
