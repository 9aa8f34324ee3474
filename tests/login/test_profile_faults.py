"""The profile page when one opted-in account cannot be reached (a revoked key, an outage):
the others still get their code and their groups, and the page says some are missing."""

from __future__ import annotations

import re

import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account
from tests.login.conftest import Mailbox, code_in, csrf, hidden, settle
from tests.login.test_profile import _sign_in
from widget_server.sandbox import SandboxServer

_REVOKED = "sk_test_fixlogin_revoked_alpha"


def _revoke(sandbox: SandboxServer, key: str) -> None:
    answer = requests.post(sandbox.url + "/_sandbox/expired_keys", json={"key": key},
                           timeout=5)
    assert answer.status_code == 200, answer.text


def test_a_revoked_account_does_not_break_the_profile(
        mail_app: Flask, mail_client: FlaskClient, mailbox: Mailbox,
        sandbox: SandboxServer) -> None:
    # "Alpha" sorts first, so a failure in it used to stop the lookup before "Beta"
    broken = create_account(mail_app, name="Alpha Broken", stripe_key=_REVOKED,
                            settings={"shared_profile": True})
    create_account(mail_app, name="Beta Works", settings={"shared_profile": True})
    _revoke(sandbox, _REVOKED)

    signed_in = _sign_in(mail_client, mail_app, mailbox, "ana@example.com")  # a code came
    assert signed_in.status_code == 200, signed_in.text
    names = re.findall(r'<h2 class="wsp-section-title"[^>]*><bdi>(.*?)</bdi>', signed_in.text)
    assert names == ["Beta Works"]
    assert 'id="profile-unreachable"' in signed_in.text
    assert "Some accounts could not be reached" in signed_in.text
    assert "You have no subscriptions" not in signed_in.text

    # managing the broken account is a clear, translated 503, not a crash
    manage = mail_client.post("/profile/manage", data={
        "csrf_token": csrf(signed_in.text), "signed_in": hidden(signed_in.text, "signed_in"),
        "account": broken.account.public_id, "locale": "de"})
    assert manage.status_code == 503
    assert "Dieses Konto ist nicht erreichbar" in manage.text


def test_the_note_is_translated_and_absent_when_all_answer(
        mail_app: Flask, mail_client: FlaskClient, mailbox: Mailbox,
        sandbox: SandboxServer) -> None:
    create_account(mail_app, name="Beta Works", settings={"shared_profile": True})
    fine = _sign_in(mail_client, mail_app, mailbox, "ana@example.com")
    assert fine.status_code == 200 and 'id="profile-unreachable"' not in fine.text

    create_account(mail_app, name="Alpha Broken", stripe_key=_REVOKED,
                   settings={"shared_profile": True})
    _revoke(sandbox, _REVOKED)
    page = mail_client.get("/profile?locale=fr")
    sent = mail_client.post("/profile", data={"csrf_token": csrf(page.text),
                                              "email": "ana@example.com", "locale": "fr"})
    assert sent.status_code == 200
    settle(mail_app)
    shown = mail_client.post("/profile/code", data={
        "csrf_token": csrf(sent.text), "proof": hidden(sent.text, "proof"),
        "code": code_in(mailbox.messages[-1]), "locale": "fr"})
    assert shown.status_code == 200
    assert "Certains comptes sont injoignables" in shown.text


def test_only_the_broken_account_fails_a_customer_of_it_alone(
        mail_app: Flask, mail_client: FlaskClient, mailbox: Mailbox,
        sandbox: SandboxServer) -> None:
    """When the only account that could know the address is down, nothing is sent (as for
    an unknown address), and the page still answers the same."""
    create_account(mail_app, name="Alpha Broken", stripe_key=_REVOKED,
                   settings={"shared_profile": True})
    _revoke(sandbox, _REVOKED)
    page = mail_client.get("/profile")
    sent = mail_client.post("/profile", data={"csrf_token": csrf(page.text),
                                              "email": "ana@example.com"})
    assert sent.status_code == 200 and "we have sent a sign-in code" in sent.text
    settle(mail_app)
    assert mailbox.messages == []
