"""CORS only for the account's allowed origins; frame-ancestors from the account's origins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import HOST_ORIGIN, post_session
from widget_server.accounts import CreatedAccount
from widget_server.portal.embed_headers import frame_ancestors_header, with_frame_ancestors

EVIL = "https://evil.example"
Maker = Callable[..., CreatedAccount]


def _token(client: FlaskClient, created: CreatedAccount) -> str:
    response = post_session(client, created)
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["token"]
    return token


def _preflight(client: FlaskClient, path: str, origin: str, method: str = "GET"):  # type: ignore[no-untyped-def]
    return client.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    })


@pytest.mark.parametrize("path", ["/v1/embed/session", "/v1/portal"])
def test_preflight_allows_an_allowed_origin_with_authorization(
        client: FlaskClient, account: CreatedAccount, path: str) -> None:
    response = _preflight(client, path, HOST_ORIGIN, "POST" if "session" in path else "GET")
    assert response.status_code in {200, 204}
    assert response.headers["Access-Control-Allow-Origin"] == HOST_ORIGIN
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_refuses_an_unknown_origin(client: FlaskClient, account: CreatedAccount) -> None:
    response = _preflight(client, "/v1/embed/session", EVIL, "POST")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_portal_cors_uses_the_token_account(client: FlaskClient, account: CreatedAccount,
                                            make_account: Maker) -> None:
    other = make_account(allowed_origins=["https://other.example"])
    token = _token(client, account)
    auth = {"Authorization": f"Bearer {token}"}
    allowed = client.get("/v1/portal", headers={**auth, "Origin": HOST_ORIGIN})
    assert allowed.headers.get("Access-Control-Allow-Origin") == HOST_ORIGIN
    # another account's origin may not read this account's portal
    crossed = client.get("/v1/portal", headers={**auth, "Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in crossed.headers
    assert other.account.public_id


def test_expired_session_error_is_readable_by_an_allowed_origin(
        client: FlaskClient, account: CreatedAccount) -> None:
    response = client.get("/v1/portal", headers={"Authorization": "Bearer nope",
                                                 "Origin": HOST_ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == HOST_ORIGIN


def test_debug_accounts_let_any_page_read_why_it_was_refused(
        client: FlaskClient, make_account: Maker) -> None:
    loud = make_account(settings={"debug": True})
    response = post_session(client, loud, origin="http://localhost:3000")
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "not an allowed origin" in response.get_json()["error"]["debug"]


def test_server_to_server_endpoints_send_no_cors(client: FlaskClient,
                                                 account: CreatedAccount) -> None:
    response = client.post("/v1/portal_sessions", json={}, headers={"Origin": HOST_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in client.get(
        "/healthz", headers={"Origin": HOST_ORIGIN}).headers


def test_frame_page_csp_lists_the_account_origins(client: FlaskClient,
                                                  make_account: Maker) -> None:
    created = make_account(allowed_origins=["https://app.example.com", "http://localhost:5000"])
    response = client.get(f"/portal/frame?account={created.account.public_id}")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://app.example.com http://localhost:5000" in policy
    assert "frame-ancestors 'none'" not in policy


def test_frame_page_for_unknown_account_cannot_be_framed(client: FlaskClient) -> None:
    for query in ("?account=acct_nope", "", "?account=" + "x" * 100):
        policy = client.get("/portal/frame" + query).headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy


def test_other_pages_cannot_be_framed(client: FlaskClient, account: CreatedAccount) -> None:
    for path in ("/healthz", "/dashboard/login", "/v1/openapi.json"):
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


def test_with_frame_ancestors_keeps_other_directives() -> None:
    policy = "default-src 'self'; frame-ancestors 'none'; img-src *"
    assert with_frame_ancestors(policy, "frame-ancestors https://a") == (
        "default-src 'self'; img-src *; frame-ancestors https://a")
    assert with_frame_ancestors(None, "frame-ancestors x") == "frame-ancestors x"


def test_frame_ancestors_header_without_account() -> None:
    assert frame_ancestors_header(None) == "frame-ancestors 'none'"

