"""API keys in the dashboard: create (shown once), list, revoke (refused at once), audited,
CSRF-checked, and per account."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.dashboard.helpers import (
    OwnerWithAccount,
    create_owner,
    csrf_from,
    give_account,
    login,
)
from widget_server import db
from widget_server.models import ApiKey, AuditEvent

_KEY = re.compile(r"wsk_[A-Za-z0-9_\-]{20,}")


def _keys_url(public_id: str) -> str:
    return f"/dashboard/accounts/{public_id}/api-keys"


def _token(client: FlaskClient, public_id: str) -> str:
    return csrf_from(client.get(_keys_url(public_id)).get_data(as_text=True))


def _create(client: FlaskClient, public_id: str, name: str) -> tuple[int, str]:
    response = client.post(_keys_url(public_id),
                           data={"csrf_token": _token(client, public_id), "name": name})
    return response.status_code, response.get_data(as_text=True)


def _api(client: FlaskClient, key: str) -> int:
    return client.get("/v1/account/settings",
                      headers={"Authorization": f"Bearer {key}"}).status_code


def test_create_shows_the_key_once_and_stores_only_its_hash(
        app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount) -> None:
    status, html = _create(signed_in, ana.public_id, "Billing worker")
    assert status == 200
    keys = set(_KEY.findall(html))
    assert len(keys) == 1
    key = keys.pop()
    assert "Billing worker" in html and "shown only this once" in html
    assert signed_in.get_cookie("session") is None or key not in str(
        signed_in.get_cookie("session"))
    with db.session_scope(app) as session:
        row = session.scalars(select(ApiKey)).one()
        assert row.label == "Billing worker" and key not in row.key_hash
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "dashboard.api_key.create")).one()
        assert (audit.actor, audit.result) == (ana.email, "ok")
        assert audit.detail["name"] == "Billing worker" and key not in str(audit.detail)
    again = signed_in.get(_keys_url(ana.public_id)).get_data(as_text=True)
    assert key not in again  # never shown again
    assert "Billing worker" in again and key[:12] in again and "Never" in again
    assert _api(signed_in, key) == 200
    listed = signed_in.get(_keys_url(ana.public_id)).get_data(as_text=True)
    assert "Never" not in listed  # last used is now set


def test_a_name_is_required(app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount) -> None:
    status, html = _create(signed_in, ana.public_id, "  ")
    assert status == 400
    assert "Give the key a name" in html and not _KEY.search(html)
    status, html = _create(signed_in, ana.public_id, "x" * 201)
    assert status == 400
    with db.session_scope(app) as session:
        assert session.scalar(select(ApiKey)) is None
        assert [e.result for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "dashboard.api_key.create"))] == ["refused", "refused"]


def test_revoke_refuses_the_key_at_once_and_is_audited(
        app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount) -> None:
    key = _KEY.findall(_create(signed_in, ana.public_id, "old server")[1])[0]
    assert _api(signed_in, key) == 200
    with db.session_scope(app) as session:
        key_id = session.scalars(select(ApiKey)).one().id
    response = signed_in.post(f"{_keys_url(ana.public_id)}/{key_id}/revoke",
                              data={"csrf_token": _token(signed_in, ana.public_id)})
    assert response.status_code == 302
    assert _api(signed_in, key) == 401
    page = signed_in.get(_keys_url(ana.public_id)).get_data(as_text=True)
    assert "was revoked" in page and "Revoked" in page
    with db.session_scope(app) as session:
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "dashboard.api_key.revoke")).one()
        assert audit.detail == {"name": "old server", "prefix": key[:12]}


def test_posts_without_csrf_change_nothing(app: Flask, signed_in: FlaskClient,
                                           ana: OwnerWithAccount) -> None:
    key = _KEY.findall(_create(signed_in, ana.public_id, "kept")[1])[0]
    with db.session_scope(app) as session:
        key_id = session.scalars(select(ApiKey)).one().id
    assert signed_in.post(_keys_url(ana.public_id), data={"name": "sneaky"}).status_code == 400
    assert signed_in.post(f"{_keys_url(ana.public_id)}/{key_id}/revoke",
                          data={"csrf_token": "forged"}).status_code == 400
    assert _api(signed_in, key) == 200
    with db.session_scope(app) as session:
        assert [k.label for k in session.scalars(select(ApiKey))] == ["kept"]


def test_keys_are_per_account_and_per_owner(app: Flask, client: FlaskClient,
                                            ana: OwnerWithAccount) -> None:
    ben_id = create_owner(app, "ben@owner.test")
    ben_account = give_account(app, ben_id, name="Ben Co")
    login(client, "ben@owner.test")
    ben_key = _KEY.findall(_create(client, ben_account.account.public_id, "ben")[1])[0]
    with db.session_scope(app) as session:
        ben_key_id = session.scalars(select(ApiKey)).one().id
    # Ben cannot see, create or revoke on Ana's account.
    assert client.get(_keys_url(ana.public_id)).status_code == 404
    token = _token(client, ben_account.account.public_id)
    assert client.post(_keys_url(ana.public_id),
                       data={"csrf_token": token, "name": "x"}).status_code == 404
    # Ana cannot revoke Ben's key through her own account's URL.
    client.post("/dashboard/logout", data={"csrf_token": token})
    login(client, ana.email)
    response = client.post(f"{_keys_url(ana.public_id)}/{ben_key_id}/revoke",
                           data={"csrf_token": _token(client, ana.public_id)})
    assert response.status_code == 404
    assert _api(client, ben_key) == 200
    settings = client.get("/v1/account/settings",
                          headers={"Authorization": f"Bearer {ben_key}"}).get_json()
    assert settings["account"] == ben_account.account.public_id != ana.public_id


def test_the_account_page_links_to_the_keys(signed_in: FlaskClient,
                                            ana: OwnerWithAccount) -> None:
    html = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert f'href="{_keys_url(ana.public_id)}"' in html


def test_a_reload_of_the_created_key_page_does_not_create_a_second_key(
        app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount) -> None:
    page = signed_in.get(_keys_url(ana.public_id)).get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert once
    form = {"csrf_token": csrf_from(page), "name": "Nightly sync", "once": once.group(1)}
    first = signed_in.post(_keys_url(ana.public_id), data=form)
    assert first.status_code == 200 and len(set(_KEY.findall(first.get_data(as_text=True)))) == 1
    again = signed_in.post(_keys_url(ana.public_id), data=form)  # the browser's reload
    assert again.status_code == 302
    shown = signed_in.get(again.headers["Location"]).get_data(as_text=True)
    assert "already sent" in shown and not _KEY.findall(shown)
    with db.session_scope(app) as session:
        assert len(session.scalars(select(ApiKey)).all()) == 1
    fresh = signed_in.get(_keys_url(ana.public_id)).get_data(as_text=True)
    other = re.search(r'name="once" value="([^"]+)"', fresh)
    assert other and other.group(1) != once.group(1)
    status = signed_in.post(_keys_url(ana.public_id), data={
        "csrf_token": csrf_from(fresh), "name": "Second", "once": other.group(1)}).status_code
    assert status == 200
    with db.session_scope(app) as session:
        assert len(session.scalars(select(ApiKey)).all()) == 2
