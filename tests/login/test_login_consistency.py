"""The login page named and worded like the portal: a Servicebot/Billflow id imported into the
account opens its login page, the owner's custom strings apply to the page and the email, and
the code's lifetime is a plural message (Arabic has six forms)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account, make_test_app
from tests.login.conftest import Mailbox, code_in, csrf, hidden, settle, smtp_config
from widget_server import db, legacy
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.identity import read_portal_token
from widget_server.login import flow
from widget_server.sandbox import SandboxServer


def _alias(app: Flask, created: CreatedAccount, alias: str) -> None:
    with db.session_scope(app) as session:
        account = AccountService(session, secret_box(app)).get(created.account.public_id)
        assert account is not None
        legacy.import_alias(session, account, alias, "servicebot")


def test_an_imported_servicebot_id_opens_the_login_page(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    _alias(mail_app, login_account, "sb_guild_42")
    moved = mail_client.get("/login/sb_guild_42?locale=en")
    assert moved.status_code == 302  # to the account's own page, keeping the language
    assert moved.headers["Location"] == f"/login/{public_id}?locale=en"
    page = mail_client.get("/login/sb_guild_42?locale=en", follow_redirects=True)
    assert page.status_code == 200, page.text
    assert f'action="/login/{public_id}"' in page.text and 'lang="en"' in page.text
    sent = mail_client.post(f"/login/{public_id}", data={
        "csrf_token": csrf(page.text), "email": "ana@example.com", "locale": "en"})
    assert sent.status_code == 200 and "we have sent a sign-in code" in sent.text
    settle(mail_app)
    opened = mail_client.post(f"/login/{public_id}/code", data={
        "csrf_token": csrf(sent.text), "proof": hidden(sent.text, "proof"),
        "code": code_in(mailbox.messages[-1]), "locale": "en"})
    assert opened.status_code == 303, opened.text
    portal = mail_client.get(opened.headers["Location"])
    token = portal.text.split('"token": "', 1)[1].split('"', 1)[0]
    assert read_portal_token(mail_app.config["SECRET_KEY"], token).account_id == public_id
    assert mail_client.get("/login/sb_unknown").status_code == 404


def test_the_owner_custom_strings_apply_to_the_page_and_the_email(
        mail_app: Flask, mail_client: FlaskClient, mailbox: Mailbox) -> None:
    created = create_account(mail_app, name="Acme", settings={
        "login_page": True, "custom_strings": {
            "en": {"Email me a code": "Send me my key",
                   "Your sign-in code is:": "Your Acme key:"},
            "de": {"Email me a code": "Schick mir den Schlüssel"}}})
    public_id = created.account.public_id
    page = mail_client.get(f"/login/{public_id}?locale=en")
    assert "Send me my key" in page.text and "Email me a code" not in page.text
    german = mail_client.get(f"/login/{public_id}?locale=de")
    assert "Schick mir den Schlüssel" in german.text
    mail_client.post(f"/login/{public_id}", data={
        "csrf_token": csrf(page.text), "email": "ana@example.com", "locale": "en"})
    settle(mail_app)
    text = mailbox.messages[-1].get_body(preferencelist=("plain",))
    assert text is not None and "Your Acme key:" in text.get_content()


@pytest.fixture
def short_code_app(tmp_path: Path, sandbox: SandboxServer,
                   smtp_server: tuple[Mailbox, int]) -> Any:
    def build(ttl: int) -> Flask:
        (tmp_path / str(ttl)).mkdir()
        return make_test_app(tmp_path / str(ttl), sandbox.url, LOGIN_CODE_TTL=ttl,
                             **smtp_config(smtp_server[1]))

    made: list[Flask] = []
    yield lambda ttl: made.append(build(ttl)) or made[-1]
    for app in made:
        flow.wait_for_deliveries(app)
        db.get_database(app).engine.dispose()


@pytest.mark.parametrize(("ttl", "locale", "page_says", "mail_says"), [
    (60, "en", "The code works once, for 1 minute.", "It works once, for 1 minute."),
    (600, "en", "The code works once, for 10 minutes.", "It works once, for 10 minutes."),
    (60, "ar", "ولمدة دقيقة واحدة.", "ولمدة دقيقة واحدة."),
    (120, "ar", "ولمدة دقيقتين.", "ولمدة دقيقتين."),
    (600, "ar", "ولمدة 10 دقائق.", "ولمدة 10 دقائق."),
    (900, "ar", "ولمدة 15 دقيقة.", "ولمدة 15 دقيقة."),
    (120, "pl", "przez 2 minuty.", "przez 2 minuty."),
    (300, "pl", "przez 5 minut.", "przez 5 minut."),
])
def test_the_code_lifetime_is_a_plural(short_code_app: Any, mailbox: Mailbox, ttl: int,
                                       locale: str, page_says: str, mail_says: str) -> None:
    app = short_code_app(ttl)
    created = create_account(app, name="Acme", settings={"login_page": True})
    client = app.test_client()
    public_id = created.account.public_id
    page = client.get(f"/login/{public_id}?locale={locale}")
    sent = client.post(f"/login/{public_id}", data={
        "csrf_token": csrf(page.text), "email": "ana@example.com", "locale": locale})
    assert page_says in sent.text, sent.text
    settle(app)
    message = mailbox.messages[-1]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert mail_says in text.get_content() and mail_says in html.get_content()
    assert code_in(message)
