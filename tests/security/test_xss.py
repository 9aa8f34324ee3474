"""Finding: stored XSS across tenants. Owner-supplied strings (custom strings, the account name,
the logo URL) are data on every page; a `%` in a custom string neither fails a page nor burns a
one-time hosted link."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.security.helpers import IMG, QUOTE, SCRIPT, api_key_for, hosted_url, update_account
from widget_server.accounts import CreatedAccount
from widget_server.features import FEATURES_BY_NAME, FeatureError, validate_value

BILLING_OVERRIDES = {"en": {"Billing": SCRIPT, "Loading…": IMG,
                            "This page is part of a billing portal": QUOTE}}


def _assert_escaped(html: str) -> None:
    for payload in (SCRIPT, IMG, QUOTE):
        assert payload not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_custom_strings_are_escaped_on_the_frame_page(
        app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    update_account(app, account.account.public_id, custom_strings=BILLING_OVERRIDES)
    response = client.get(f"/portal/frame?account={account.account.public_id}&locale=en")
    assert response.status_code == 200
    _assert_escaped(response.get_data(as_text=True))


def test_custom_strings_and_name_are_escaped_on_the_hosted_page(
        app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    public_id = account.account.public_id
    update_account(app, public_id, name=SCRIPT, custom_strings={
        "en": {"Billing": SCRIPT, "Return to %(name)s": IMG + " %(name)s"}})
    response = client.get(hosted_url(client, api_key_for(app, public_id), locale="en"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    _assert_escaped(html)
    assert "&lt;img src=x" in html


def test_a_percent_sign_in_a_custom_string_neither_fails_nor_burns_the_link(
        app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    public_id = account.account.public_id
    update_account(app, public_id, custom_strings={
        "en": {"Billing": "Billing 100% secure", "Return to %(name)s": "Back 50% to %(name)s",
               "Loading…": "%(nope)s %d %"}})
    url = hosted_url(client, api_key_for(app, public_id), locale="en")
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Billing 100% secure" in html and "Back 50% to Test Co" in html
    assert "%(nope)s %d %" in html
    frame = client.get(f"/portal/frame?account={public_id}&locale=en")
    assert frame.status_code == 200 and "Billing 100% secure" in frame.get_data(as_text=True)


def test_a_percent_sign_in_an_api_message_does_not_fail(
        app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    public_id = account.account.public_id
    update_account(app, public_id, custom_strings={
        "en": {"return_url must be on one of the account's allowed origins.": "bad 100% url"}})
    response = client.post("/v1/portal_sessions", json={
        "customer": "cus_demo_ana", "return_url": "https://evil.example/"},
        headers={"Authorization": f"Bearer {api_key_for(app, public_id)}"})
    assert response.status_code == 400


def test_font_family_cannot_carry_css_or_urls() -> None:
    feature = FEATURES_BY_NAME["font_family"]
    assert validate_value(feature, "Inter, 'Helvetica Neue', sans-serif")
    for bad in ("x;background:url(https://evil.example/)", "a}body{display:none",
                "url(javascript:alert(1))", "</style><script>"):
        try:
            validate_value(feature, bad)
        except FeatureError:
            continue
        raise AssertionError(f"font_family accepted {bad!r}")
