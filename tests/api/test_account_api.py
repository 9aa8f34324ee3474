"""The account API: GET/PATCH /v1/account/settings and GET /v1/account/events, with account
API keys (one account's key never reaches another account)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.helpers import create_account
from widget_server import api_keys, audit, db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.models import Account, ApiKey, AuditEvent, utcnow


def new_key(app: Flask, created: CreatedAccount, name: str = "CI deploy") -> str:
    with db.session_scope(app) as session:
        account = session.get(Account, created.account.id)
        assert account is not None
        return api_keys.create_key(session, account, name)[1]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def key(app: Flask, account: CreatedAccount) -> str:
    return new_key(app, account)


@pytest.fixture
def other(app: Flask) -> CreatedAccount:
    return create_account(app, name="Other Co", settings={"cancellation": False})


def settings_of(app: Flask, created: CreatedAccount) -> dict[str, Any]:
    with db.session_scope(app) as session:
        account = session.get(Account, created.account.id)
        assert account is not None
        return AccountService(session, secret_box(app)).settings(account)


def test_get_settings_returns_every_setting(client: FlaskClient, account: CreatedAccount,
                                            key: str) -> None:
    response = client.get("/v1/account/settings", headers=auth(key))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["object"] == "account_settings"
    assert body["account"] == account.account.public_id and body["live_mode"] is False
    assert body["settings"]["cancellation"] is True
    assert body["settings"]["stripe_publishable_key"] == "pk_test_sandbox"
    assert body["settings"]["accent_color"] == "#4f46e5"


def test_patch_changes_only_what_is_sent_and_is_audited_by_the_key_name(
        app: Flask, client: FlaskClient, account: CreatedAccount, key: str) -> None:
    before = settings_of(app, account)
    response = client.patch("/v1/account/settings", headers=auth(key),
                            json={"cancellation_reason": False, "accent_color": "#0F766E",
                                  "catalog_prices": ["price_pro_monthly"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["settings"]["cancellation_reason"] is False
    after = settings_of(app, account)
    assert after["cancellation_reason"] is False and after["accent_color"] == "#0F766E"
    assert after["catalog_prices"] == ["price_pro_monthly"]
    unchanged = {k for k in before if k not in {"cancellation_reason", "accent_color",
                                                "catalog_prices"}}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    with db.session_scope(app) as session:
        row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "api.settings.update")).one()
        assert (row.actor_type, row.actor, row.result) == ("api", "CI deploy", "ok")
        assert row.detail["settings"] == ["accent_color", "cancellation_reason",
                                          "catalog_prices"]
        assert key not in str(row.detail)


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"colour": "#000000"}, "colour", "unknown_parameter"),
    ({"cancellation": "yes"}, "cancellation", "invalid_parameter"),
    ({"accent_color": "blue"}, "accent_color", "invalid_parameter"),
    ({"locale": "xx"}, "locale", "invalid_parameter"),
    ({"logo_url": "javascript:alert(1)"}, "logo_url", "invalid_parameter"),
    ({"stripe_publishable_key": "sk_test_secret"}, "stripe_publishable_key",
     "invalid_parameter"),
    ({"font_family": "x; background: url(evil)"}, "font_family", "invalid_parameter"),
    ({"catalog_prices": ["price_1", ""]}, "catalog_prices[1]", "invalid_parameter"),
    ({"custom_strings": {"xx": {"Cancel": "No"}}}, "custom_strings", "invalid_parameter"),
    ({"custom_strings": {"de": {"No such message": "Nein"}}}, "custom_strings",
     "invalid_parameter"),
    ({"custom_strings": {"de": {"Return to %(name)s": "Zurück"}}}, "custom_strings",
     "invalid_parameter"),
    ({"cancellation": False, "debug": "on"}, "debug", "invalid_parameter"),
])
def test_bad_settings_are_refused_naming_the_field_and_nothing_changes(
        app: Flask, client: FlaskClient, account: CreatedAccount, key: str,
        body: dict[str, Any], param: str, code: str) -> None:
    before = settings_of(app, account)
    response = client.patch("/v1/account/settings", headers=auth(key), json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["param"], error["code"]) == (param, code), error
    assert error["message"]
    assert settings_of(app, account) == before
    with db.session_scope(app) as session:
        rows = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "api.settings.update")))
        assert [r.result for r in rows] in ([], ["refused"])  # schema errors stop earlier


def test_a_custom_string_problem_names_the_key_and_placeholder(
        client: FlaskClient, key: str) -> None:
    response = client.patch("/v1/account/settings", headers=auth(key), json={
        "custom_strings": {"de": {"Return to %(name)s": "Zurück zu %(shop)s"}}})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "Return to %(name)s" in message and "%(name)s" in message
    ok = client.patch("/v1/account/settings", headers=auth(key), json={
        "custom_strings": {"de": {"Return to %(name)s": "Zurück zu %(name)s"}}})
    assert ok.status_code == 200, ok.get_json()
    saved = ok.get_json()["settings"]["custom_strings"]["de"]
    assert saved == {"Return to %(name)s": "Zurück zu %(name)s"}


def test_the_error_is_translated(client: FlaskClient, key: str) -> None:
    response = client.patch("/v1/account/settings", json={"accent_color": "blue"},
                            headers={**auth(key), "Accept-Language": "de"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "#4f46e5" in message and "Enter a colour" not in message


def test_live_account_cannot_turn_off_the_hash(app: Flask, client: FlaskClient) -> None:
    live = create_account(app, stripe_key="sk_live_widgetserver")
    response = client.patch("/v1/account/settings", headers=auth(new_key(app, live)),
                            json={"require_hash": False})
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "require_hash"
    assert settings_of(app, live)["require_hash"] is True


@pytest.mark.parametrize("header", [None, "Bearer wsk_madeup", "Basic d3NrOng=", "Bearer "])
def test_missing_or_unknown_key_is_401(client: FlaskClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    for method, path in (("get", "/v1/account/settings"), ("patch", "/v1/account/settings"),
                         ("get", "/v1/account/events")):
        response = getattr(client, method)(path, headers=headers, json={} if method == "patch"
                                           else None)
        assert response.status_code == 401, (method, path)
        assert response.get_json()["error"]["code"] == "invalid_api_key"


def test_one_accounts_key_never_reaches_another_account(
        app: Flask, client: FlaskClient, account: CreatedAccount, other: CreatedAccount,
        key: str) -> None:
    other_key = new_key(app, other, "other")
    mine = client.get("/v1/account/settings", headers=auth(key)).get_json()
    theirs = client.get("/v1/account/settings", headers=auth(other_key)).get_json()
    assert mine["account"] == account.account.public_id
    assert theirs["account"] == other.account.public_id
    assert theirs["settings"]["cancellation"] is False and mine["settings"]["cancellation"]
    client.patch("/v1/account/settings", headers=auth(other_key), json={"pause": True})
    assert settings_of(app, account)["pause"] is False
    assert settings_of(app, other)["pause"] is True
    # The other account's events are not in this account's list, and their ids are not cursors.
    events = client.get("/v1/account/events", headers=auth(key)).get_json()["data"]
    assert all(e["actor"] != "other" for e in events)
    theirs_events = client.get("/v1/account/events", headers=auth(other_key)).get_json()["data"]
    assert theirs_events and theirs_events[0]["actor"] == "other"
    refused = client.get(f"/v1/account/events?starting_after={theirs_events[0]['id']}",
                         headers=auth(key))
    assert refused.status_code == 404
    unknown = client.get("/v1/account/events?starting_after=ev_999999", headers=auth(key))
    assert unknown.get_json() == refused.get_json() | {"error": {
        **refused.get_json()["error"], "message": unknown.get_json()["error"]["message"]}}


def test_a_revoked_key_is_refused_at_once(app: Flask, client: FlaskClient, key: str) -> None:
    assert client.get("/v1/account/settings", headers=auth(key)).status_code == 200
    with db.session_scope(app) as session:  # as another instance would: only the database
        row = session.scalars(select(ApiKey)).one()
        assert api_keys.revoke(row)
    response = client.get("/v1/account/settings", headers=auth(key))
    assert response.status_code == 401
    assert client.post("/v1/portal_sessions", headers=auth(key), json={
        "customer": "cus_demo_ana", "return_url": "http://localhost:5000/"}).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(app: Flask, client: FlaskClient,
                                                   key: str) -> None:
    def last_used() -> Any:
        with db.session_scope(app) as session:
            return session.scalars(select(ApiKey)).one().last_used_at

    assert last_used() is None
    updates: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            updates.append(statement)

    engine = db.get_database(app).engine
    event.listen(engine, "before_cursor_execute", seen)
    for _ in range(5):
        assert client.get("/v1/account/settings", headers=auth(key)).status_code == 200
    event.remove(engine, "before_cursor_execute", seen)
    assert len(updates) == 1  # five requests within the minute: one write
    first = last_used()
    assert first is not None
    client.get("/v1/account/settings", headers=auth(key))
    assert last_used() == first
    with db.session_scope(app) as session:
        row = session.scalars(select(ApiKey)).one()
        row.last_used_at = utcnow() - timedelta(minutes=2)
    client.get("/v1/account/events", headers=auth(key))
    again = last_used()
    assert again is not None and again.replace(tzinfo=None) > first.replace(tzinfo=None)


def _record(app: Flask, created: CreatedAccount, action: str, count: int) -> None:
    with app.app_context():
        for n in range(count):
            audit.record(created.account.id, "owner", "owner@example.com", action, f"t{n}", "ok",
                         {"n": n})


def test_events_are_paged_newest_first_by_cursor(app: Flask, client: FlaskClient,
                                                 account: CreatedAccount, key: str) -> None:
    _record(app, account, "dashboard.settings.update", 7)
    seen: list[str] = []
    url = "/v1/account/events?limit=3"
    pages = 0
    while True:
        body = client.get(url, headers=auth(key)).get_json()
        assert body["object"] == "list" and body["url"] == "/v1/account/events"
        assert len(body["data"]) <= 3
        seen += [e["target"] for e in body["data"]]
        pages += 1
        if not body["has_more"]:
            break
        url = f"/v1/account/events?limit=3&starting_after={body['data'][-1]['id']}"
    assert pages == 3
    assert seen == [f"t{n}" for n in reversed(range(7))]
    event = client.get("/v1/account/events?limit=1", headers=auth(key)).get_json()["data"][0]
    assert event["object"] == "event" and event["id"].startswith("ev_")
    assert event["actor_type"] == "owner" and event["detail"] == {"n": 6}
    assert isinstance(event["created"], int)


def test_events_filter_by_action_and_time(app: Flask, client: FlaskClient,
                                          account: CreatedAccount, key: str) -> None:
    _record(app, account, "dashboard.origins.update", 2)
    _record(app, account, "portal.cancel", 3)
    body = client.get("/v1/account/events?action=portal.cancel", headers=auth(key)).get_json()
    assert [e["action"] for e in body["data"]] == ["portal.cancel"] * 3
    with db.session_scope(app) as session:  # move the origins events a day back
        for row in session.scalars(select(AuditEvent).where(
                AuditEvent.action == "dashboard.origins.update")):
            row.created_at = utcnow() - timedelta(days=1)
    cut = int((utcnow() - timedelta(hours=1)).timestamp())
    recent = client.get(f"/v1/account/events?created_gte={cut}", headers=auth(key)).get_json()
    assert {e["action"] for e in recent["data"]} == {"portal.cancel"}
    older = client.get(f"/v1/account/events?created_lte={cut}", headers=auth(key)).get_json()
    assert [e["action"] for e in older["data"]] == ["dashboard.origins.update"] * 2


@pytest.mark.parametrize(("query", "param"), [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
    ("starting_after=42", "starting_after"), ("created_gte=-1", "created_gte"),
    ("created_gte=20&created_lte=10", "created_gte"),
])
def test_bad_event_queries_are_refused(client: FlaskClient, key: str, query: str,
                                       param: str) -> None:
    response = client.get(f"/v1/account/events?{query}", headers=auth(key))
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == param


def test_the_api_is_rate_limited_per_key(tmp_path: Any, sandbox: Any) -> None:
    from tests.helpers import make_test_app

    limited = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                            RATELIMIT_API="3 per minute")
    created = create_account(limited)
    first, second = new_key(limited, created), new_key(limited, created, "second")
    client = limited.test_client()
    codes = [client.get("/v1/account/settings", headers=auth(first)).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/v1/account/settings", headers=auth(first))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/v1/account/settings", headers=auth(second)).status_code == 200
    assert client.get("/v1/account/events", headers=auth(first)).status_code == 200  # its own
    db.get_database(limited).engine.dispose()


def test_a_disabled_owners_keys_answer_as_an_unknown_key(app: Flask, client: FlaskClient,
                                                         account: CreatedAccount,
                                                         key: str) -> None:
    from widget_server.owners import OwnerService

    assert client.get("/v1/account/settings", headers=auth(key)).status_code == 200
    with db.session_scope(app) as session:
        service = OwnerService(session)
        owner = service.create("disabled-owner@example.com", "a long enough passphrase 42")
        row = session.get(Account, account.account.id)
        assert row is not None
        row.owner = owner
        service.disable(owner)
    refused = client.get("/v1/account/settings", headers=auth(key))
    unknown = client.get("/v1/account/settings", headers=auth("wsk_" + "x" * 40))
    assert refused.status_code == unknown.status_code == 401
    assert refused.get_json() == unknown.get_json()
    assert refused.get_json()["error"]["code"] == "invalid_api_key"
    assert client.post("/v1/portal_sessions", headers=auth(key),
                       json={"customer": "cus_x"}).status_code == 401
    with db.session_scope(app) as session:
        owner_row = OwnerService(session).find("disabled-owner@example.com")
        assert owner_row is not None
        OwnerService(session).enable(owner_row)
    assert client.get("/v1/account/settings", headers=auth(key)).status_code == 200


def test_made_up_keys_are_limited_per_address(tmp_path: Any, sandbox: Any) -> None:
    from tests.helpers import make_test_app

    limited = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                            RATELIMIT_DEFAULT="3 per minute", RATELIMIT_API="100 per minute")
    created = create_account(limited)
    good = new_key(limited, created)
    client = limited.test_client()
    assert [client.get("/v1/account/settings", headers=auth(good)).status_code
            for _ in range(5)] == [200] * 5  # accepted keys do not count against the address
    codes = [client.get("/v1/account/settings", headers=auth(f"wsk_guess{n:040d}")).status_code
             for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert client.post("/v1/portal_sessions", headers=auth("wsk_another" + "0" * 30),
                       json={}).status_code == 429
    other = client.get("/v1/account/settings", headers=auth("wsk_other" + "1" * 30),
                       environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 401
    db.get_database(limited).engine.dispose()
