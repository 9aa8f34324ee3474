"""Flask-Limiter's route limits answer in the one JSON error shape, translated, with
Retry-After; pages keep an HTML 429."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers import create_account, make_test_app
from widget_server import db
from widget_server.sandbox import SandboxServer


@pytest.fixture
def strict(tmp_path: Path, sandbox: SandboxServer) -> Iterator[Flask]:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_DEFAULT="2 per minute", RATELIMIT_SESSION="2 per minute")
    yield app
    db.get_database(app).engine.dispose()


def test_the_default_limit_answers_the_json_error_shape(strict: Flask) -> None:
    client = strict.test_client()
    codes = [client.get("/v1/portal").status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    response = client.get("/v1/portal", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert response.status_code == 429
    assert response.get_json() == {"error": {
        "code": "rate_limited",
        "message": "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es erneut."}}
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # no X-RateLimit-* headers (a second storage round trip on every request): Retry-After
    assert not [name for name, _value in response.headers.items()
                if name.startswith("X-RateLimit")]


def test_the_session_limit_is_per_ip_and_says_when_to_retry(strict: Flask) -> None:
    created = create_account(strict)
    client = strict.test_client()
    body = {"account": created.account.public_id, "email": "ana@example.com", "hash": "0" * 64}
    codes = [client.post("/v1/embed/session", json=body).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    refused = client.post("/v1/embed/session", json=body)
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    other = client.post("/v1/embed/session", json=body, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 401


def test_a_limited_page_is_an_html_429(strict: Flask) -> None:
    client = strict.test_client()
    for _ in range(2):
        client.get("/portal/frame?account=acct_none")
    response = client.get("/portal/frame?account=acct_none")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Retry-After" in response.headers


def test_limits_are_off_when_disabled(tmp_path: Path, sandbox: SandboxServer) -> None:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=False,
                        RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    assert {client.get("/v1/portal").status_code for _ in range(4)} == {401}
    db.get_database(app).engine.dispose()


def test_cors_preflights_are_not_identity_attempts(strict: Flask) -> None:
    created = create_account(strict)
    client = strict.test_client()
    for _ in range(3):
        client.options("/v1/embed/session", headers={
            "Origin": "http://localhost:5000", "Access-Control-Request-Method": "POST"})
    body = {"account": created.account.public_id, "email": "ana@example.com", "hash": "0" * 64}
    assert [client.post("/v1/embed/session", json=body).status_code for _ in range(2)] == [401, 401]
