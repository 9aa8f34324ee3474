"""The no-code login page against a real SMTP server (aiosmtpd): the email, the code, the
portal it opens, and every refusal (expiry, reuse, wrong codes, unknown emails, limits)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers import create_account, make_test_app
from tests.login.conftest import Mailbox, code_in, csrf, hidden, settle, smtp_config
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.identity import read_portal_token
from widget_server.login import flow
from widget_server.models import AuditEvent, LoginCode, utcnow
from widget_server.sandbox import SandboxServer


def _ask(client: FlaskClient, public_id: str, address: str, locale: str = "en") -> Any:
    page = client.get(f"/login/{public_id}?locale={locale}")
    assert page.status_code == 200, page.text
    return client.post(f"/login/{public_id}", data={
        "csrf_token": csrf(page.text), "email": address, "locale": locale})


def _enter(client: FlaskClient, public_id: str, sent_page: str, code: str) -> Any:
    return client.post(f"/login/{public_id}/code", data={
        "csrf_token": csrf(sent_page), "proof": hidden(sent_page, "proof"), "code": code,
        "locale": hidden(sent_page, "locale")})


def _portal_token(client: FlaskClient, response: Any) -> str:
    assert response.status_code == 303, response.text
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    match = re.search(r'"token": "([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def test_a_known_email_gets_a_branded_code_that_opens_the_portal(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    sent = _ask(mail_client, public_id, "ana@example.com")
    assert sent.status_code == 200
    assert "we have sent a sign-in code" in sent.text
    settle(mail_app)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert mailbox.envelopes[0][1] == ["ana@example.com"]
    assert message["To"] == "ana@example.com"
    assert message["From"] == "Billing <billing@portal.test>"
    code = code_in(message)
    assert message["Subject"] == "Your sign-in code for Acme <Guild> & Co"
    assert code not in message["Subject"]  # lock screens show the subject
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "Acme &lt;Guild&gt; &amp; Co" in html and "<Guild>" not in html  # escaped
    assert "#0f766e" in html and 'src="https://cdn.example.com/logo.png"' in html
    assert code in html
    text_part = message.get_body(preferencelist=("plain",))
    assert text_part is not None and "Sign in to Acme <Guild> & Co" in text_part.get_content()
    # the code is stored hashed only
    with db.session_scope(mail_app) as session:
        row = session.scalar(select(LoginCode))
        assert row is not None and code not in row.code_hash and "ana" not in row.email_key
        assert row.customer_ids == "cus_demo_ana"
    opened = _enter(mail_client, public_id, sent.text, code)
    token = read_portal_token(mail_app.config["SECRET_KEY"], _portal_token(mail_client, opened))
    assert token.account_id == public_id
    assert token.customer_ids == ("cus_demo_ana",) and token.mode == "hosted"
    with db.session_scope(mail_app) as session:
        actions = {(e.action, e.result) for e in session.scalars(select(AuditEvent))}
    assert {("login.code_sent", "ok"), ("login.sign_in", "ok"),
            ("portal.hosted_open", "ok")} <= actions


def test_the_email_is_in_the_page_language(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    sent = _ask(mail_client, login_account.account.public_id, "ana@example.com", "de")
    assert 'lang="de"' in sent.text and "Anmeldecode" in sent.text
    settle(mail_app)
    message = mailbox.messages[0]
    code = code_in(message)
    assert message["Subject"] == "Ihr Anmeldecode für Acme <Guild> & Co"
    assert code not in message["Subject"]
    assert message["Content-Language"] == "de"
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None and 'lang="de"' in html_part.get_content()
    arabic = _ask(mail_client, login_account.account.public_id, "ana@example.com", "ar")
    assert 'dir="rtl"' in arabic.text
    settle(mail_app)
    html_ar = mailbox.messages[1].get_body(preferencelist=("html",))
    assert html_ar is not None and 'dir="rtl"' in html_ar.get_content()


def test_an_unknown_email_gets_the_same_answer_and_no_mail(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    known = _ask(mail_client, public_id, "ana@example.com")
    unknown = _ask(mail_client, public_id, "nobody@example.com")
    settle(mail_app)
    assert known.status_code == unknown.status_code == 200

    def shape(text: str) -> str:  # the page without the per-request values
        text = text.replace("ana@example.com", "X").replace("nobody@example.com", "X")
        return re.sub(r'value="[^"]{20,}"|nonce="[^"]+"', "", text)

    assert shape(known.text) == shape(unknown.text)
    assert [rcpt for _sender, rcpt in mailbox.envelopes] == [["ana@example.com"]]
    with db.session_scope(mail_app) as session:
        assert session.scalar(select(LoginCode).where(LoginCode.customer_ids == "")) is None
    # any code for the unknown address fails like a wrong one
    refused = _enter(mail_client, public_id, unknown.text, "123456")
    assert refused.status_code == 400 and "not right or has expired" in refused.text


def test_a_code_works_once(mail_app: Flask, mail_client: FlaskClient,
                           login_account: CreatedAccount, mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    sent = _ask(mail_client, public_id, "ana@example.com")
    settle(mail_app)
    code = code_in(mailbox.messages[0])
    assert _enter(mail_client, public_id, sent.text, code).status_code == 303
    again = _enter(mail_client, public_id, sent.text, code)
    assert again.status_code == 400 and "not right or has expired" in again.text


def test_a_code_expires_after_ten_minutes(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    public_id = login_account.account.public_id
    sent = _ask(mail_client, public_id, "ana@example.com")
    settle(mail_app)
    code = code_in(mailbox.messages[0])
    later = utcnow() + timedelta(seconds=mail_app.config["LOGIN_CODE_TTL"] + 1)
    monkeypatch.setattr(flow, "clock", lambda: later)
    expired = _enter(mail_client, public_id, sent.text, code)
    assert expired.status_code == 400 and "not right or has expired" in expired.text
    almost = utcnow() + timedelta(seconds=mail_app.config["LOGIN_CODE_TTL"] - 30)
    monkeypatch.setattr(flow, "clock", lambda: almost)
    assert _enter(mail_client, public_id, sent.text, code).status_code == 303


def test_wrong_codes_use_up_the_attempts(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    sent = _ask(mail_client, public_id, "ana@example.com")
    settle(mail_app)
    code = code_in(mailbox.messages[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _attempt in range(mail_app.config["LOGIN_CODE_ATTEMPTS"]):
        refused = _enter(mail_client, public_id, sent.text, wrong)
        assert refused.status_code == 400
        assert 'id="login-error"' in refused.text and 'aria-invalid="true"' in refused.text
    # the right code no longer works: the attempts are used up
    assert _enter(mail_client, public_id, sent.text, code).status_code == 400


def test_a_new_code_voids_the_previous_one(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    first = _ask(mail_client, public_id, "ana@example.com")
    settle(mail_app)
    second = _ask(mail_client, public_id, "ana@example.com")
    settle(mail_app)
    old, new = code_in(mailbox.messages[0]), code_in(mailbox.messages[1])
    if old != new:
        assert _enter(mail_client, public_id, first.text, old).status_code == 400
    assert _enter(mail_client, public_id, second.text, new).status_code == 303


def test_the_code_is_bound_to_the_account(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        mailbox: Mailbox) -> None:
    other = create_account(mail_app, name="Other", settings={"login_page": True})
    sent = _ask(mail_client, login_account.account.public_id, "ana@example.com")
    settle(mail_app)
    code = code_in(mailbox.messages[0])
    # the proof of one page is refused on another's
    refused = _enter(mail_client, other.account.public_id, sent.text, code)
    assert refused.status_code == 400 and "took too long" in refused.text


def test_forms_need_the_csrf_token(mail_client: FlaskClient,
                                   login_account: CreatedAccount, mailbox: Mailbox) -> None:
    public_id = login_account.account.public_id
    mail_client.get(f"/login/{public_id}")
    refused = mail_client.post(f"/login/{public_id}", data={"email": "ana@example.com",
                                                             "csrf_token": "0" * 64})
    assert refused.status_code == 400 and "did not come from this page" in refused.text
    assert 'value="ana@example.com"' in refused.text  # nothing the customer typed is lost


def test_a_malformed_email_is_refused_and_kept(
        mail_client: FlaskClient, login_account: CreatedAccount, mailbox: Mailbox) -> None:
    refused = _ask(mail_client, login_account.account.public_id, "ana at example")
    assert refused.status_code == 400 and "like name@example.com" in refused.text
    assert 'value="ana at example"' in refused.text


def test_the_page_escapes_the_account_name(mail_client: FlaskClient,
                                           login_account: CreatedAccount) -> None:
    page = mail_client.get(f"/login/{login_account.account.public_id}")
    assert "Acme &lt;Guild&gt; &amp; Co" in page.text and "<Guild>" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "nonce-" in page.headers["Content-Security-Policy"]
    assert "--wsp-accent: #0f766e; --wsp-accent-contrast: #ffffff;" in page.text  # branded


def test_rate_limit_per_email(tmp_path: Any, sandbox: SandboxServer,
                              smtp_server: tuple[Mailbox, int]) -> None:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_LOGIN_CODE_EMAIL="2 per hour",
                        RATELIMIT_LOGIN_CODE_IP="50 per hour", **smtp_config(smtp_server[1]))
    mailbox = smtp_server[0]
    mailbox.clear()
    account = create_account(app, settings={"login_page": True})
    client = app.test_client()
    public_id = account.account.public_id
    for address in ("ana@example.com", "nobody@example.com"):  # the same for both
        assert _ask(client, public_id, address).status_code == 200
        assert _ask(client, public_id, address.upper()).status_code == 200
        limited = _ask(client, public_id, address)
        assert limited.status_code == 429 and "Too many codes" in limited.text
        assert f'value="{address}"' in limited.text
    settle(app)
    assert len(mailbox.messages) == 2  # ana's two; nothing for the unknown address
    # another address is still served
    assert _ask(client, public_id, "ben@example.com").status_code == 200
    settle(app)
    db.get_database(app).engine.dispose()


def test_rate_limit_per_ip(tmp_path: Any, sandbox: SandboxServer,
                           smtp_server: tuple[Mailbox, int]) -> None:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_LOGIN_CODE_IP="3 per hour", **smtp_config(smtp_server[1]))
    account = create_account(app, settings={"login_page": True})
    client = app.test_client()
    public_id = account.account.public_id
    for index in range(3):
        assert _ask(client, public_id, f"user{index}@example.com").status_code == 200
    limited = _ask(client, public_id, "user9@example.com")
    assert limited.status_code == 429
    # a page in the visitor's language, not the rate limiter's bare "Too Many Requests"
    assert limited.mimetype == "text/html" and int(limited.headers["Retry-After"]) >= 1
    assert "Please wait a moment" in limited.text and "Too Many Requests" not in limited.text
    german = client.post(f"/login/{public_id}", data={"email": "x@example.com"},
                         headers={"Accept-Language": "de"})
    assert german.status_code == 429 and "Bitte warten Sie einen Moment" in german.text
    # code entries count against the same limit, from the same IP
    other_ip = client.post(f"/login/{public_id}", data={"email": "x@example.com"},
                           environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 400  # served (CSRF refused), not limited
    settle(app)
    db.get_database(app).engine.dispose()


def test_the_page_is_off_by_default(mail_app: Flask, mail_client: FlaskClient,
                                    mailbox: Mailbox) -> None:
    account = create_account(mail_app)
    public_id = account.account.public_id
    assert mail_client.get(f"/login/{public_id}").status_code == 404
    assert mail_client.post(f"/login/{public_id}", data={"email": "ana@example.com"}
                            ).status_code == 404
    assert mail_client.post(f"/login/{public_id}/code", data={"code": "1"}).status_code == 404
    assert mail_client.get("/login/acct_doesnotexist").status_code == 404
    settle(mail_app)
    assert mailbox.messages == []


def test_without_smtp_the_page_is_unavailable(app: Flask, client: FlaskClient) -> None:
    account = create_account(app, settings={"login_page": True})  # set before SMTP went away
    page = client.get(f"/login/{account.account.public_id}")
    assert page.status_code == 503 and "not available right now" in page.text
    assert client.post(f"/login/{account.account.public_id}",
                       data={"email": "ana@example.com"}).status_code == 503


def _settings_patch(client: FlaskClient, key: str, body: dict[str, Any]) -> Any:
    return client.patch("/v1/account/settings", json=body,
                        headers={"Authorization": f"Bearer {key}"})


def _api_key(app: Flask, account: CreatedAccount) -> str:
    from widget_server.accounts import AccountService, secret_box

    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        row = service.get(account.account.public_id)
        assert row is not None
        return service.create_api_key(row, "tests")


def test_the_setting_cannot_be_turned_on_without_smtp(app: Flask, client: FlaskClient,
                                                      account: CreatedAccount) -> None:
    key = _api_key(app, account)
    refused = _settings_patch(client, key, {"login_page": True})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "setting_unavailable" and error["param"] == "login_page"
    assert "SMTP" in error["message"]
    assert _settings_patch(client, key, {"login_page": False}).status_code == 200


def test_the_setting_turns_on_with_smtp(mail_app: Flask, mail_client: FlaskClient) -> None:
    account = create_account(mail_app)
    key = _api_key(mail_app, account)
    assert _settings_patch(mail_client, key, {"login_page": True}).status_code == 200
    assert mail_client.get(f"/login/{account.account.public_id}").status_code == 200


def test_a_failing_smtp_server_changes_nothing_the_customer_sees(
        tmp_path: Any, sandbox: SandboxServer) -> None:
    from tests.login.conftest import free_port

    app = make_test_app(tmp_path, sandbox.url, **smtp_config(free_port()))  # nobody listens
    account = create_account(app, settings={"login_page": True})
    client = app.test_client()
    sent = _ask(client, account.account.public_id, "ana@example.com")
    assert sent.status_code == 200 and "we have sent a sign-in code" in sent.text
    settle(app)
    with db.session_scope(app) as session:
        rows = {(e.action, e.result) for e in session.scalars(select(AuditEvent))}
    assert ("login.code_sent", "error") in rows
    db.get_database(app).engine.dispose()


def test_the_answer_is_made_before_any_lookup(
        mail_app: Flask, mail_client: FlaskClient, login_account: CreatedAccount,
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request neither asks Stripe nor waits for it: known and unknown addresses cost the
    same work before the answer; the lookup runs afterwards."""
    import requests

    queued: list[str] = []
    monkeypatch.setattr(flow, "start", lambda scope, address, *_args: queued.append(address))
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=5)
    public_id = login_account.account.public_id
    for address in ("ana@example.com", "nobody@example.com"):
        assert _ask(mail_client, public_id, address).status_code == 200
    log = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
    assert log == []  # no Stripe call in either request
    assert queued == ["ana@example.com", "nobody@example.com"]
