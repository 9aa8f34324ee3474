"""The install page: the secret revealed only after re-authentication (audited either way),
the Servicebot/Billflow import (and an embed session opened with an imported id and secret),
"new account" with the Stripe key checked, and origins lower-cased."""

from __future__ import annotations

import re

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.dashboard.helpers import PASSWORD, OwnerWithAccount, csrf_from, load_account
from widget_server import db
from widget_server.identity import compute_identity_hash
from widget_server.models import Account, AccountAlias, AuditEvent
from widget_server.sandbox import SandboxServer

ANA = "ana@example.com"
OLD_SECRET = "sb_secret_0123456789abcdef"
_REVEALED = re.compile(r'<pre id="revealed-secret"><code>([^<]+)</code></pre>')
_NEW = re.compile(r'<pre id="new-secret"><code>([^<]+)</code></pre>')


def _install(client: FlaskClient, public_id: str) -> str:
    return client.get(f"/dashboard/accounts/{public_id}/install").get_data(as_text=True)


def _post(client: FlaskClient, public_id: str, action: str, **data: str) -> tuple[int, str]:
    token = csrf_from(_install(client, public_id))
    response = client.post(f"/dashboard/accounts/{public_id}/{action}",
                           data={"csrf_token": token, **data})
    return response.status_code, response.get_data(as_text=True)


def _audits(app: Flask, action: str) -> list[tuple[str, dict[str, object]]]:
    with db.session_scope(app) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.id))
        return [(row.result, dict(row.detail)) for row in rows]


# --- reveal ---------------------------------------------------------------------------------

def test_the_secret_is_not_on_the_install_page_until_revealed(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    page = _install(signed_in, ana.public_id)
    assert ana.created.hmac_secret not in page
    assert "Show the secret" in page


def test_a_wrong_password_is_refused_and_audited(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    for wrong in ("not my password", ""):
        status, page = _post(signed_in, ana.public_id, "reveal-secret", password=wrong)
        assert status == 403
        assert "The password is not correct" in page
        assert ana.created.hmac_secret not in page
    assert _audits(app, "dashboard.secret.reveal") == [
        ("refused", {"reason": "password"}), ("refused", {"reason": "password"})]


def test_the_right_password_reveals_the_secret_and_is_audited(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, page = _post(signed_in, ana.public_id, "reveal-secret", password=PASSWORD)
    assert status == 200
    match = _REVEALED.search(page)
    assert match and match.group(1) == ana.created.hmac_secret
    assert _audits(app, "dashboard.secret.reveal") == [("ok", {})]
    # Shown for that answer only: the page loaded again does not have it.
    assert ana.created.hmac_secret not in _install(signed_in, ana.public_id)


def test_another_owners_account_cannot_be_revealed(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    from tests.dashboard.helpers import create_owner, give_account

    other = give_account(app, create_owner(app, "eve@owner.test"))
    token = csrf_from(_install(signed_in, ana.public_id))
    response = signed_in.post(f"/dashboard/accounts/{other.account.public_id}/reveal-secret",
                              data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 404
    assert other.hmac_secret not in response.get_data(as_text=True)


# --- import ---------------------------------------------------------------------------------

def test_an_imported_id_and_secret_open_embed_sessions(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, _page = _post(signed_in, ana.public_id, "import", source="servicebot",
                          legacy_id="sb-page-42", secret=OLD_SECRET, confirm="yes")
    assert status == 302
    page = _install(signed_in, ana.public_id)
    assert "sb-page-42" in page and "Imported." in page
    assert OLD_SECRET not in page
    assert _audits(app, "dashboard.legacy.import") == [
        ("ok", {"source": "servicebot", "id": "sb-page-42", "identity_secret_imported": True})]
    with app.test_client() as browser:
        body = {"account": "sb-page-42", "email": ANA,
                "hash": compute_identity_hash(OLD_SECRET, ANA)}
        answer = browser.post("/v1/embed/session", json=body,
                              headers={"Origin": "http://localhost:5000"})
        assert answer.status_code == 200, answer.get_json()
        # the replaced secret keeps working for the rotation overlap
        body["hash"] = compute_identity_hash(ana.created.hmac_secret, ANA)
        assert browser.post("/v1/embed/session", json=body,
                            headers={"Origin": "http://localhost:5000"}).status_code == 200
        body["hash"] = compute_identity_hash("some other secret value", ANA)
        assert browser.post("/v1/embed/session", json=body,
                            headers={"Origin": "http://localhost:5000"}).status_code == 401


def test_bad_imports_are_refused_and_change_nothing(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    before = load_account(app, ana.public_id).hmac_secret_encrypted
    cases = [
        ({"legacy_id": "has spaces"}, "only letters, digits"),
        ({"legacy_id": ana.public_id}, "already used"),
        ({"legacy_id": "x" * 65}, "only letters, digits"),
        ({"secret": "short", "confirm": "yes"}, "16 to 255"),
        ({"secret": OLD_SECRET}, "Tick the box"),
        ({"legacy_id": "fine", "source": "chargebee"}, "Choose Servicebot or Billflow"),
        ({}, "Enter the id, the secret, or both"),
        ({"legacy_id": "ok-id", "secret": "with a space inside!!", "confirm": "yes"},
         "16 to 255"),
    ]
    for fields, words in cases:
        data = {"source": "billflow"} | fields
        status, page = _post(signed_in, ana.public_id, "import", **data)
        assert status == 400, fields
        assert words in page, fields
    assert load_account(app, ana.public_id).hmac_secret_encrypted == before
    with db.session_scope(app) as session:
        assert session.scalars(select(AccountAlias)).all() == []
    assert {result for result, _d in _audits(app, "dashboard.legacy.import")} == {"refused"}


def test_an_id_imported_by_one_account_is_refused_for_another(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    from tests.dashboard.helpers import give_account

    second = give_account(app, ana.owner_id, name="Second")
    assert _post(signed_in, ana.public_id, "import", source="billflow",
                 legacy_id="bf_123")[0] == 302
    status, page = _post(signed_in, second.account.public_id, "import", source="billflow",
                         legacy_id="bf_123")
    assert status == 400 and "already used" in page


def test_a_removed_alias_no_longer_opens_sessions(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    _post(signed_in, ana.public_id, "import", source="billflow", legacy_id="bf_gone")
    with db.session_scope(app) as session:
        alias_id = session.scalars(select(AccountAlias.id)).one()
    assert _post(signed_in, ana.public_id, f"aliases/{alias_id}/remove")[0] == 302
    body = {"account": "bf_gone", "email": ANA,
            "hash": compute_identity_hash(ana.created.hmac_secret, ANA)}
    answer = signed_in.post("/v1/embed/session", json=body,
                            headers={"Origin": "http://localhost:5000"})
    assert answer.status_code == 401


# --- new account ----------------------------------------------------------------------------

def _new_account(client: FlaskClient, **fields: str) -> tuple[int, str]:
    token = csrf_from(client.get("/dashboard/accounts/new").get_data(as_text=True))
    data = {"name": "Acme (test)", "stripe_key": "sk_test_widgetserver",
            "origins": "https://App.Example.com\nHTTPS://APP.EXAMPLE.COM/", "csrf_token": token}
    response = client.post("/dashboard/accounts/new", data=data | fields)
    return response.status_code, response.get_data(as_text=True)


def _accounts(app: Flask) -> list[tuple[str, bool, list[str]]]:
    with db.session_scope(app) as session:
        rows = session.scalars(select(Account).order_by(Account.id))
        return [(a.name, a.live_mode, list(a.allowed_origins)) for a in rows]


def test_a_new_account_shows_its_secret_once(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, page = _new_account(signed_in)
    assert status == 201
    assert "The account was created" in page and "test mode" in page
    secret = _NEW.search(page)
    assert secret and secret.group(1).startswith("whsec_")
    assert _accounts(app)[-1] == ("Acme (test)", False, ["https://app.example.com"])
    public_id = re.search(r"<code>(acct_[0-9a-f]+)</code>", page)
    assert public_id
    assert secret.group(1) not in _install(signed_in, public_id.group(1))
    assert "sk_test_widgetserver" not in page
    assert [r for r, _d in _audits(app, "dashboard.account.create")] == ["ok"]


def test_a_reload_of_the_new_account_page_does_not_create_a_second_account(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    form_page = signed_in.get("/dashboard/accounts/new").get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', form_page)
    assert once
    data = {"name": "Reloaded (test)", "stripe_key": "sk_test_widgetserver",
            "origins": "https://app.example.com", "csrf_token": csrf_from(form_page),
            "once": once.group(1)}
    before = len(_accounts(app))
    assert signed_in.post("/dashboard/accounts/new", data=data).status_code == 201
    again = signed_in.post("/dashboard/accounts/new", data=data)  # the browser's reload
    assert again.status_code == 302
    assert "already sent" in signed_in.get(again.headers["Location"]).get_data(as_text=True)
    assert [name for name, _live, _o in _accounts(app)].count("Reloaded (test)") == 1
    assert len(_accounts(app)) == before + 1


def test_bad_new_accounts_are_refused_and_named(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount, sandbox: SandboxServer
) -> None:
    limited = "rk_test_new_account_no_schedules"
    requests.post(sandbox.url + "/_sandbox/restricted_keys", timeout=5, json={
        "key": limited, "permissions": {"customer": "write", "subscription": "write"}})
    cases = [
        ({"name": "  "}, "Give the account a name."),
        ({"stripe_key": "pk_test_publishable"}, "Publishable keys"),
        ({"stripe_key": "sk_test_widgetserver x"}, "Enter a secret key"),
        ({"origins": "app.example.com"}, "is not an origin"),
        ({"origins": "https://app.example.com/path"}, "is not an origin"),
        ({"stripe_key": limited}, "Subscription schedules: Write"),
    ]
    for fields, words in cases:
        status, page = _new_account(signed_in, **fields)
        assert status == 400, fields
        assert words in page, (fields, words)
        assert "whsec_" not in page
    assert len(_accounts(app)) == 1  # only ana's


def test_an_upper_case_origin_is_lower_cased(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    token = csrf_from(signed_in.get(f"/dashboard/accounts/{ana.public_id}")
                      .get_data(as_text=True))
    response = signed_in.post(f"/dashboard/accounts/{ana.public_id}/origins", data={
        "csrf_token": token, "origins": "HTTPS://App.Example.COM:8443/\nhttp://LOCALHOST:5000"})
    assert response.status_code == 302
    assert load_account(app, ana.public_id).allowed_origins == [
        "https://app.example.com:8443", "http://localhost:5000"]
