"""The profile page: one emailed code, every opted-in account's subscriptions, nothing else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account
from tests.login.conftest import Mailbox, code_in, csrf, hidden, settle
from widget_server.identity import read_portal_token
from widget_server.login import profile_lookup


def _sign_in(client: FlaskClient, app: Flask, mailbox: Mailbox, address: str) -> Any:
    page = client.get("/profile?locale=en")
    assert page.status_code == 200
    sent = client.post("/profile", data={"csrf_token": csrf(page.text), "email": address,
                                         "locale": "en"})
    assert sent.status_code == 200 and "we have sent a sign-in code" in sent.text
    settle(app)
    code = code_in(mailbox.messages[-1])
    return client.post("/profile/code", data={
        "csrf_token": csrf(sent.text), "proof": hidden(sent.text, "proof"), "code": code,
        "locale": "en"})


def test_the_customer_sees_exactly_the_opted_in_accounts(
        mail_app: Flask, mail_client: FlaskClient, mailbox: Mailbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = create_account(mail_app, name="Alpha Guild", settings={"shared_profile": True})
    second = create_account(mail_app, name="Beta <Server>", settings={"shared_profile": True})
    hidden_account = create_account(mail_app, name="Gamma Private")
    queried: list[str] = []
    real = profile_lookup._service  # every account the profile asks Stripe about
    monkeypatch.setattr(profile_lookup, "_service",
                        lambda account: queried.append(account.name) or real(account))
    signed_in = _sign_in(mail_client, mail_app, mailbox, "ana@example.com")
    assert signed_in.status_code == 200, signed_in.text
    names = re.findall(r'<h2 class="wsp-section-title"[^>]*><bdi>(.*?)</bdi>', signed_in.text)
    assert names == ["Alpha Guild", "Beta &lt;Server&gt;"]
    assert "Gamma" not in signed_in.text
    assert "Gamma Private" not in queried and "Alpha Guild" in queried
    assert hidden_account.account.public_id not in signed_in.text
    assert "Starter" in signed_in.text or "Pro" in signed_in.text  # ana's plan is listed

    # "Manage" opens that account's own hosted portal, for ana only
    manage = mail_client.post("/profile/manage", data={
        "csrf_token": csrf(signed_in.text), "signed_in": hidden(signed_in.text, "signed_in"),
        "account": second.account.public_id, "locale": "en"})
    assert manage.status_code == 303
    portal = mail_client.get(manage.headers["Location"])
    token = re.search(r'"token": "([^"]+)"', portal.text)
    assert token
    parsed = read_portal_token(mail_app.config["SECRET_KEY"], token.group(1))
    assert parsed.account_id == second.account.public_id
    assert parsed.customer_ids == ("cus_demo_ana",)
    # an account that did not opt in is refused even when asked for by id
    refused = mail_client.post("/profile/manage", data={
        "csrf_token": csrf(signed_in.text), "signed_in": hidden(signed_in.text, "signed_in"),
        "account": hidden_account.account.public_id, "locale": "en"})
    assert refused.status_code == 404
    assert first.account.public_id in signed_in.text


def test_no_opted_in_account_means_no_mail(mail_app: Flask, mail_client: FlaskClient,
                                           mailbox: Mailbox) -> None:
    create_account(mail_app, name="Gamma Private")
    page = mail_client.get("/profile")
    sent = mail_client.post("/profile", data={"csrf_token": csrf(page.text),
                                              "email": "ana@example.com"})
    assert sent.status_code == 200 and "we have sent a sign-in code" in sent.text
    settle(mail_app)
    assert mailbox.messages == []


def test_a_forged_sign_in_cannot_manage(mail_app: Flask, mail_client: FlaskClient) -> None:
    account = create_account(mail_app, name="Alpha", settings={"shared_profile": True})
    page = mail_client.get("/profile")
    refused = mail_client.post("/profile/manage", data={
        "csrf_token": csrf(page.text), "signed_in": "forged", "account":
        account.account.public_id})
    assert refused.status_code == 400 and "took too long" in refused.text


def test_the_profile_page_is_off_by_default(app: Flask, client: FlaskClient) -> None:
    assert client.get("/profile").status_code == 404
    assert client.post("/profile", data={"email": "ana@example.com"}).status_code == 404
    assert client.post("/profile/code", data={"code": "1"}).status_code == 404


def test_shared_profile_needs_the_profile_page(app: Flask, client: FlaskClient) -> None:
    from widget_server.login.availability import setting_refusal

    with app.test_request_context():
        refusal = setting_refusal({"shared_profile": True}, {}, app.config)
        assert refusal is not None and refusal[0] == "shared_profile"
        assert setting_refusal({"shared_profile": True}, {"shared_profile": True},
                               app.config) is None  # left as it was
        config = {**app.config, "SMTP_HOST": "mail", "SMTP_FROM": "a@b.c"}
        off = setting_refusal({"shared_profile": True}, {}, config)
        assert off is not None and "PROFILE_PAGE" in off[1]
        assert setting_refusal({"shared_profile": True}, {},
                               {**config, "PROFILE_PAGE": True}) is None
