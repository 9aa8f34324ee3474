"""Hosted portal: POST /v1/portal_sessions (API key) and the one-time page."""

from __future__ import annotations

import json
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.conftest import HOST_ORIGIN
from widget_server import db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.api.hosted import join_customer_ids
from widget_server.identity import read_portal_token
from widget_server.models import HostedSession


@pytest.fixture
def api_key(app: Flask, account: CreatedAccount) -> str:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        row = service.get(account.account.public_id)
        assert row is not None
        return service.create_api_key(row, "tests")


def _create(client: FlaskClient, key: str, **body: object):  # type: ignore[no-untyped-def]
    payload = {"customer": "cus_demo_ana", "return_url": HOST_ORIGIN + "/account", **body}
    return client.post("/v1/portal_sessions", json=payload,
                       headers={"Authorization": f"Bearer {key}"})


def _code(url: str) -> str:
    match = re.search(r"/portal/session/([A-Za-z0-9_\-]+)$", url)
    assert match, url
    return match.group(1)


def _boot(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="portal-boot">(.*?)</script>',
                      html, re.S)
    assert match, html
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_creates_a_one_time_url(app: Flask, client: FlaskClient, api_key: str) -> None:
    response = _create(client, api_key)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["url"].startswith("http://localhost/portal/session/")
    assert time.time() < body["expires_at"] <= time.time() + app.config["HOSTED_SESSION_TTL"] + 1
    code = _code(body["url"])
    with db.session_scope(app) as session:
        row = session.scalar(select(HostedSession))
        assert row is not None
        assert code not in row.code_hash and len(row.code_hash) == 64  # stored hashed
        assert row.customer_id == "cus_demo_ana"


def test_page_opens_once_with_the_token_in_the_body(app: Flask, client: FlaskClient,
                                                    api_key: str) -> None:
    url = _create(client, api_key, locale="de").get_json()["url"]
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    boot = _boot(html)
    token = read_portal_token(app.config["SECRET_KEY"], str(boot["token"]), mode="hosted")
    assert token.customer_ids == ("cus_demo_ana",)
    assert boot["locale"] == "de" and boot["expiresAt"] == token.expires_at
    assert 'href="http://localhost:5000/account"' in html
    assert str(boot["token"]) not in page.headers.get("Location", "")

    again = client.get(url)
    assert again.status_code == 410
    assert "expired" in again.get_data(as_text=True)
    assert "portal-boot" not in again.get_data(as_text=True)


def test_expired_code_shows_the_expired_page(app: Flask, client: FlaskClient,
                                             api_key: str) -> None:
    url = _create(client, api_key).get_json()["url"]
    with db.session_scope(app) as session:
        row = session.scalar(select(HostedSession))
        assert row is not None
        row.expires_at = row.created_at  # already over
    assert client.get(url).status_code == 410
    assert client.get("/portal/session/not-a-code").status_code == 410


def test_by_email(client: FlaskClient, api_key: str) -> None:
    response = _create(client, api_key, customer=None, email="ana@example.com")
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("return_url", [
    "https://evil.example/x", "javascript:alert(1)", "/relative", "http://localhost:5000@evil.example/",
    "http://localhost:50001/", "", "http://localhost:abc/", "http://localhost:99999/",
    "http://[::1/",
])
def test_return_url_must_be_on_an_allowed_origin(client: FlaskClient, api_key: str,
                                                 return_url: str) -> None:
    response = _create(client, api_key, return_url=return_url)
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "return_url"


def test_needs_a_valid_api_key(client: FlaskClient, api_key: str) -> None:
    for header in ({}, {"Authorization": "Bearer wsk_wrong"}, {"Authorization": api_key}):
        response = client.post("/v1/portal_sessions", json={"customer": "cus_demo_ana",
                                                            "return_url": HOST_ORIGIN},
                               headers=header)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_api_key"


def test_unknown_customer_is_404(client: FlaskClient, api_key: str) -> None:
    response = _create(client, api_key, customer="cus_nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "customer_not_found"


def test_validation_errors(client: FlaskClient, api_key: str) -> None:
    both = _create(client, api_key, email="ana@example.com")
    assert both.status_code == 400
    neither = _create(client, api_key, customer=None)
    assert neither.status_code == 400


def test_customer_ids_are_stored_whole_when_they_do_not_all_fit() -> None:
    ids = [f"cus_{i:014d}" for i in range(20)]  # 18 characters each
    joined = join_customer_ids(ids)
    assert len(joined) <= 255
    assert joined.split(",") == ids[:len(joined.split(","))]  # no id cut in half
    assert join_customer_ids(["cus_a", "cus_b"]) == "cus_a,cus_b"
