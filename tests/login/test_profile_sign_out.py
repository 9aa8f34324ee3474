"""Signing out of the profile page: the cookie goes, and the signed-in page (or a copy of its
proof, with a fresh cookie) can no longer open a portal."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account
from tests.login.conftest import Mailbox, code_in, csrf, hidden, settle
from widget_server.login.forms import COOKIE


def _sign_in(client: FlaskClient, app: Flask, mailbox: Mailbox, locale: str = "en") -> Any:
    page = client.get(f"/profile?locale={locale}")
    sent = client.post("/profile", data={"csrf_token": csrf(page.text),
                                         "email": "ana@example.com", "locale": locale})
    settle(app)
    signed_in = client.post("/profile/code", data={
        "csrf_token": csrf(sent.text), "proof": hidden(sent.text, "proof"),
        "code": code_in(mailbox.messages[-1]), "locale": locale})
    assert signed_in.status_code == 200, signed_in.text
    return signed_in


def _manage(client: FlaskClient, page: str, public_id: str, token: str | None = None) -> Any:
    return client.post("/profile/manage", data={
        "csrf_token": token or csrf(page), "signed_in": hidden(page, "signed_in"),
        "account": public_id, "locale": "en"})


def test_sign_out_ends_the_signed_in_page(mail_app: Flask, mail_client: FlaskClient,
                                          mailbox: Mailbox) -> None:
    account = create_account(mail_app, name="Alpha Guild", settings={"shared_profile": True})
    public_id = account.account.public_id
    page = _sign_in(mail_client, mail_app, mailbox).text
    form = re.search(r'<form method="post" action="/profile/sign_out" id="profile-sign-out">'
                     r'(.*?)</form>', page, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "Sign out" in form.group(1)
    assert _manage(mail_client, page, public_id).status_code == 303  # signed in

    out = mail_client.post("/profile/sign_out", data={"csrf_token": csrf(page),
                                                      "locale": "en"})
    assert out.status_code == 303
    assert out.headers["Location"] == "/profile?locale=en&signed_out=1"
    cleared = [h for h in out.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    assert cleared and "Path=/profile" in cleared[0]
    assert "Max-Age=0" in cleared[0] or "1970" in cleared[0]
    assert mail_client.get_cookie(COOKIE, path="/profile") is None
    after = mail_client.get(out.headers["Location"])
    assert "You are signed out." in after.text and 'id="login-email-form"' in after.text

    # the old page's forms no longer open a portal, not even with the new page's cookie
    assert _manage(mail_client, page, public_id).status_code == 400
    fresh = csrf(after.text)
    replay = _manage(mail_client, page, public_id, token=fresh)
    assert replay.status_code == 400 and "took too long" in replay.text


def test_sign_out_needs_the_csrf_token(mail_app: Flask, mail_client: FlaskClient,
                                       mailbox: Mailbox) -> None:
    account = create_account(mail_app, name="Alpha Guild", settings={"shared_profile": True})
    page = _sign_in(mail_client, mail_app, mailbox).text
    refused = mail_client.post("/profile/sign_out", data={"csrf_token": "forged"})
    assert refused.status_code == 400 and "You are still signed in" in refused.text
    assert mail_client.get_cookie(COOKIE, path="/profile") is not None
    assert _manage(mail_client, page, account.account.public_id).status_code == 303


def test_sign_out_is_translated(mail_app: Flask, mail_client: FlaskClient,
                                mailbox: Mailbox) -> None:
    create_account(mail_app, name="Alpha Guild", settings={"shared_profile": True})
    page = _sign_in(mail_client, mail_app, mailbox, "ar").text
    assert "تسجيل الخروج" in page and 'dir="rtl"' in page
    out = mail_client.post("/profile/sign_out", data={"csrf_token": csrf(page),
                                                      "locale": "ar"})
    after = mail_client.get(out.headers["Location"])
    assert "تم تسجيل خروجك." in after.text


def test_sign_out_is_off_with_the_profile_page(app: Flask, client: FlaskClient) -> None:
    assert client.post("/profile/sign_out").status_code == 404
