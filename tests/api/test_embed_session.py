"""POST /v1/embed/session: hash first, Stripe after; one public answer for every failure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.conftest import ANA, HOST_ORIGIN, StripeCalls, post_session, update_account
from tests.helpers import create_account, make_test_app
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.identity import compute_identity_hash, read_portal_token
from widget_server.models import AuditEvent
from widget_server.sandbox import SandboxServer

Maker = Callable[..., CreatedAccount]


def _rejected_body(response: object) -> dict[str, object]:
    assert response.status_code == 401  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    assert body["error"]["code"] == "identity_rejected"
    return body  # type: ignore[no-any-return]


def test_valid_email_hash_returns_a_bound_token(app: Flask, client: FlaskClient,
                                                account: CreatedAccount) -> None:
    response = post_session(client, account)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "locale"}
    token = read_portal_token(app.config["SECRET_KEY"], body["token"])
    assert token.account_id == account.account.public_id
    assert token.customer_ids == ("cus_demo_ana",)
    assert token.mode == "embed"
    assert token.expires_at == body["expires_at"]


def test_valid_customer_id_hash(client: FlaskClient, account: CreatedAccount) -> None:
    response = post_session(client, account, identifier="cus_demo_ben", kind="customer_id")
    assert response.status_code == 200, response.get_json()


def test_locale_follows_option_then_browser(client: FlaskClient, account: CreatedAccount) -> None:
    assert post_session(client, account, locale="fr").get_json()["locale"] == "fr"
    body = post_session(client, account, locale="auto", browser_locales=["xx", "de-DE"]).get_json()
    assert body["locale"] == "de"


def test_rejections_make_no_stripe_call(client: FlaskClient, account: CreatedAccount,
                                        stripe_calls: StripeCalls) -> None:
    bad = compute_identity_hash("wrong-secret", ANA)
    _rejected_body(post_session(client, account, hash=bad))
    _rejected_body(post_session(client, account, hash="A" * 64))
    _rejected_body(post_session(client, account, hash=""))
    _rejected_body(post_session(client, account="acct_nope", hash=bad))
    assert stripe_calls.count() == 0
    assert post_session(client, account).status_code == 200
    assert stripe_calls.count() > 0  # the counter does see the accepted lookup


def test_same_public_answer_for_every_failure(client: FlaskClient, account: CreatedAccount) -> None:
    bad_hash = post_session(client, account, hash=compute_identity_hash("nope", ANA))
    unknown_account = post_session(client, account="acct_doesnotexist",
                                   hash=compute_identity_hash("nope", ANA))
    unknown_customer = post_session(client, account, identifier="nobody@example.com")
    bodies = [_rejected_body(r) for r in (bad_hash, unknown_account, unknown_customer)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert "debug" not in bodies[0]["error"]  # type: ignore[operator]
    assert "verify your identity" in bodies[0]["error"]["message"]  # type: ignore[index]


def test_public_message_is_translated(client: FlaskClient, account: CreatedAccount) -> None:
    english = _rejected_body(post_session(client, account, hash="0" * 64))
    german = _rejected_body(post_session(client, account, hash="0" * 64, locale="de"))
    assert german["error"]["code"] == english["error"]["code"]  # type: ignore[index]
    assert german["error"]["message"].startswith("Wir konnten Ihre Identität nicht")  # type: ignore[index]


def test_debug_reason_only_for_test_account_with_debug(app: Flask, client: FlaskClient,
                                                       make_account: Maker) -> None:
    quiet = make_account(public_id="acct_quiet")
    loud = make_account(public_id="acct_loud", settings={"debug": True})
    live = make_account(public_id="acct_live", stripe_key="sk_live_abc", settings={"debug": True})
    identifier = "Ana@x.com"
    for created in (quiet, live):
        body = _rejected_body(post_session(client, created, identifier=identifier, hash="0" * 64))
        assert "debug" not in body["error"]  # type: ignore[operator]

    body = _rejected_body(post_session(client, loud, identifier=identifier, hash="0" * 64))
    debug = body["error"]["debug"]  # type: ignore[index]
    assert "'Ana@x.com'" in debug and "acct_loud" in debug and "did not match" in debug
    assert loud.hmac_secret not in debug
    assert compute_identity_hash(loud.hmac_secret, identifier) not in debug

    body = _rejected_body(post_session(client, loud, hash="F" * 64))
    assert "uppercase" in body["error"]["debug"]  # type: ignore[index]
    body = _rejected_body(post_session(client, loud, identifier="ghost@example.com"))
    assert "no Stripe customer" in body["error"]["debug"]  # type: ignore[index]


def test_require_hash_off_works_only_for_test_keys(client: FlaskClient,
                                                  make_account: Maker) -> None:
    relaxed = make_account(public_id="acct_relaxed", settings={"require_hash": False})
    assert post_session(client, account="acct_relaxed", identifier=ANA).status_code == 200
    # a hash that is sent is still checked, so a wrong one is caught before going live
    _rejected_body(post_session(client, relaxed, hash="0" * 64))

    live = make_account(public_id="acct_live_strict", stripe_key="sk_live_abc")
    _rejected_body(post_session(client, account="acct_live_strict", identifier=ANA))
    with pytest.raises(Exception, match="require_hash"):
        update_account(client.application, live.account.public_id, require_hash=False)


def test_live_account_needs_hash_even_if_the_stored_setting_says_otherwise(
        app: Flask, client: FlaskClient, make_account: Maker) -> None:
    created = make_account(public_id="acct_flipped", settings={"require_hash": False})
    with db.session_scope(app) as session:  # a row edited behind the service's back
        from widget_server.models import Account

        row = session.scalar(select(Account).where(Account.public_id == "acct_flipped"))
        assert row is not None
        row.live_mode = True
    _rejected_body(post_session(client, account=created.account.public_id, identifier=ANA))


@pytest.mark.parametrize(("identify_by", "kind", "identifier", "ok"), [
    ("email", "email", ANA, True),
    ("email", "customer_id", "cus_demo_ana", False),
    ("customer_id", "customer_id", "cus_demo_ana", True),
    ("customer_id", "email", ANA, False),
    ("both", "customer_id", "cus_demo_ana", True),
])
def test_identify_by_is_enforced(client: FlaskClient, make_account: Maker, identify_by: str,
                                 kind: str, identifier: str, ok: bool) -> None:
    created = make_account(settings={"identify_by": identify_by, "debug": True})
    response = post_session(client, created, identifier=identifier, kind=kind)
    if ok:
        assert response.status_code == 200
    else:
        assert "identifies users by" in _rejected_body(response)["error"]["debug"]  # type: ignore[index]


def test_origin_must_be_allowed(client: FlaskClient, account: CreatedAccount,
                                stripe_calls: StripeCalls) -> None:
    _rejected_body(post_session(client, account, origin="https://evil.example"))
    assert stripe_calls.count() == 0
    assert post_session(client, account, origin=None).status_code == 200  # server to server


@pytest.mark.parametrize(("body", "code", "param"), [
    (None, "missing_parameter", "account"), ([], "invalid_json", None),
    ({"email": ANA}, "missing_parameter", "account"),
    ({"account": "acct_x"}, "invalid_request", "email"),
    ({"account": "acct_x", "email": ANA, "customer_id": "cus_1"}, "invalid_request", "email"),
    ({"account": "acct_x", "email": 5}, "invalid_parameter", "email"),
    ({"account": "acct_x", "email": ANA, "mode": "iframe"}, "unknown_parameter", "mode"),
])
def test_malformed_requests_are_400(client: FlaskClient, body: object, code: str,
                                    param: str | None) -> None:
    response = client.post("/v1/embed/session", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"].get("param") == param


def test_audit_rows_without_secrets(app: Flask, client: FlaskClient,
                                    account: CreatedAccount) -> None:
    wrong = compute_identity_hash("nope", ANA)
    post_session(client, account, hash=wrong)
    good = post_session(client, account).get_json()
    with db.session_scope(app) as session:
        rows = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "portal.session").order_by(AuditEvent.id)))
        results = [(r.result, r.detail.get("reason")) for r in rows]
        dumped = repr([(r.actor, r.target, r.detail) for r in rows])
    assert results == [("refused", "hash_mismatch"), ("ok", None)]
    for secret in (account.hmac_secret, wrong, compute_identity_hash(account.hmac_secret, ANA),
                   good["token"]):
        assert secret not in dumped


def test_rate_limit_per_ip_when_enabled(tmp_path: Path, sandbox: SandboxServer) -> None:
    limited = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                            RATELIMIT_SESSION="3 per minute")
    try:
        created = create_account(limited)
        client = limited.test_client()
        statuses = [post_session(client, created, hash="0" * 64).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        body = post_session(client, created).get_json()
        assert body["error"]["code"] == "rate_limited"
        other_ip = client.post("/v1/embed/session", json={"account": "acct_x", "email": ANA},
                               environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert other_ip.status_code == 401
    finally:
        db.get_database(limited).engine.dispose()


def test_failures_are_limited_per_identity_not_per_account(
        tmp_path: Path, sandbox: SandboxServer) -> None:
    limited = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                            RATELIMIT_IDENTITY_FAILURES="2 per minute")
    try:
        created = create_account(limited)
        client = limited.test_client()
        codes = [client.post("/v1/embed/session",
                             json={"account": created.account.public_id, "email": ANA,
                                   "hash": "0" * 64},
                             environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
                 for i in range(3)]
        assert codes == [401, 401, 429]
        assert post_session(client, created).status_code == 200  # Ana's own hash still works
        other = post_session(client, created, identifier="cus_demo_ben", kind="customer_id")
        assert other.status_code == 200
    finally:
        db.get_database(limited).engine.dispose()


def test_previous_secret_works_during_rotation(app: Flask, client: FlaskClient,
                                               account: CreatedAccount) -> None:
    from widget_server.accounts import AccountService, secret_box

    old_hash = compute_identity_hash(account.hmac_secret, ANA)
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        row = service.get(account.account.public_id)
        assert row is not None
        new_secret = service.rotate_secret(row, overlap_seconds=3600)
    assert post_session(client, account, hash=old_hash).status_code == 200
    new_hash = compute_identity_hash(new_secret, ANA)
    assert post_session(client, account, hash=new_hash).status_code == 200
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        row = service.get(account.account.public_id)
        assert row is not None
        service.rotate_secret(row, overlap_seconds=0)  # overlap over: only the newest works
    _rejected_body(post_session(client, account, hash=old_hash))


def test_cors_origin_is_echoed_only_for_allowed_origin(client: FlaskClient,
                                                       account: CreatedAccount) -> None:
    ok = post_session(client, account)
    assert ok.headers["Access-Control-Allow-Origin"] == HOST_ORIGIN
    assert "Origin" in ok.headers["Vary"]
    refused = post_session(client, account, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_an_over_long_hash_is_refused_by_its_size(client: FlaskClient,
                                                  account: CreatedAccount) -> None:
    response = post_session(client, account, hash="0" * 65)
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "hash"


def test_a_body_over_the_size_limit_is_a_translated_413(client: FlaskClient) -> None:
    from widget_server import MAX_REQUEST_BYTES

    body = b'{"account": "acct_x", "hash": "' + b"0" * MAX_REQUEST_BYTES + b'"}'
    response = client.post("/v1/embed/session", data=body, content_type="application/json",
                           headers={"Accept-Language": "de"})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "request_too_large"
    assert error["message"] == "Diese Anfrage ist zu groß, um verarbeitet zu werden."
