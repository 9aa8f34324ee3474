"""Finding: with the database unreachable `/v1` answered a JSON 500 and the portal pages a bare
HTML 500, and `serve` exited with a long traceback; an upstream 429 had no Retry-After."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask import Flask

from tests.helpers import create_account, make_test_app
from tests.security.helpers import HOST_ORIGIN
from widget_server import create_app, db
from widget_server.crypto import generate_key
from widget_server.identity import compute_identity_hash
from widget_server.sandbox import SandboxServer


class SwitchableProxy:
    """A TCP proxy in front of a database socket file or port that can be 'unplugged'."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.up = True
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while self.up and (chunk := source.recv(65536)):
                sink.sendall(chunk)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.up = False
        self.listener.close()


def _down_app(tmp_path: Path, sandbox_url: str) -> Flask:
    # Nothing listens on port 1: every connection is refused, as when the database is down.
    return create_app({"ENV": "development", "TESTING": True, "SECRET_KEY": "k" * 40,
                       "ENCRYPTION_KEYS": [generate_key()], "RATELIMIT_ENABLED": False,
                       "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"
                                       "?connect_timeout=2",
                       "STRIPE_API_BASE": sandbox_url})


def test_database_down_is_503_json_on_v1(tmp_path: Path, sandbox: SandboxServer) -> None:
    client = _down_app(tmp_path, sandbox.url).test_client()
    for method, path, body in (("POST", "/v1/embed/session",
                                {"account": "acct_x", "email": "a@example.com", "hash": "0" * 64}),
                               ("GET", "/v1/portal", None)):
        response = client.open(path, method=method, json=body,
                               headers={"Authorization": "Bearer x"})
        if path == "/v1/portal":
            continue  # an unreadable token is refused before the database is needed
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "service_unavailable"
        assert int(response.headers["Retry-After"]) > 0


def test_database_down_is_a_styled_translated_page(tmp_path: Path,
                                                   sandbox: SandboxServer) -> None:
    client = _down_app(tmp_path, sandbox.url).test_client()
    response = client.get("/portal/frame?account=acct_abc", headers={"Accept-Language": "de"})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert 'lang="de"' in html and 'role="alert"' in html
    assert re.search(r'href="/assets/portal\.[0-9a-f]{16}\.css"', html)  # styled
    assert "Internal Server Error" not in html
    assert response.headers["Retry-After"]


@pytest.mark.skipif(not Path("/usr/bin/psql").exists() and not Path("/usr/lib/postgresql").exists(),
                    reason="needs PostgreSQL")
def test_the_service_recovers_when_the_database_returns(tmp_path: Path,
                                                         sandbox: SandboxServer) -> None:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    proxy = SwitchableProxy(("127.0.0.1", 5432))
    name = "widget_recover_" + tmp_path.name[-8:].replace("-", "_").lower()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        app = make_test_app(tmp_path, sandbox.url, DATABASE_URL=(
            f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}?connect_timeout=2"))
        created = create_account(app)
        client = app.test_client()
        body = {"account": created.account.public_id, "email": "ana@example.com",
                "hash": compute_identity_hash(created.hmac_secret, "ana@example.com")}
        assert client.post("/v1/embed/session", json=body,
                           headers={"Origin": HOST_ORIGIN}).status_code == 200
        proxy.up = False
        db.get_database(app).engine.dispose()  # the open connections die with the network
        down = client.post("/v1/embed/session", json=body, headers={"Origin": HOST_ORIGIN})
        assert down.status_code == 503
        assert client.get("/readyz").status_code == 503
        proxy.up = True
        again = client.post("/v1/embed/session", json=body, headers={"Origin": HOST_ORIGIN})
        assert again.status_code == 200, again.get_json()
        assert client.get("/readyz").status_code == 200
        db.get_database(app).engine.dispose()
    finally:
        proxy.close()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(("env", "expected"), [
    ({"DATABASE_URL": "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/x?connect_timeout=2"},
     "cannot use the database at postgresql+psycopg://postgres:***@127.0.0.1:1/x"),
    ({"WIDGET_SERVER_RATELIMIT_SESSION": "lots"}, "WIDGET_SERVER_RATELIMIT_SESSION is invalid"),
    ({"WIDGET_SERVER_PUBLIC_URL": "javascript:alert(1)"}, "WIDGET_SERVER_PUBLIC_URL is invalid"),
    ({"WIDGET_SERVER_ENV": "production", "WIDGET_SERVER_SECRET_KEY": "k" * 40,
      "WIDGET_SERVER_ENCRYPTION_KEYS": generate_key()},
     "WIDGET_SERVER_PUBLIC_URL must be set in production"),
    ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "cannot reach REDIS_URL"),
])
def test_serve_reports_a_bad_configuration_in_one_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str],
        expected: str) -> None:
    from widget_server import cli

    monkeypatch.setattr("widget_server.server.serve_gunicorn", lambda app, **kw: None)
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli.main, ["serve"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.output
    assert "Traceback" not in result.output and "hunter2" not in result.output


def test_an_upstream_429_carries_retry_after(app: Flask, sandbox: SandboxServer) -> None:
    created = create_account(app)
    client = app.test_client()
    token = client.post("/v1/embed/session", headers={"Origin": HOST_ORIGIN}, json={
        "account": created.account.public_id, "customer_id": "cus_demo_ana",
        "hash": compute_identity_hash(created.hmac_secret, "cus_demo_ana")}).get_json()["token"]
    requests.post(sandbox.url + "/_sandbox/faults", json={
        "error_status": 429, "next": 1, "path": "/v1/customers/cus_demo_ana"}, timeout=5)
    try:
        response = client.get("/v1/portal", headers={"Authorization": f"Bearer {token}"})
    finally:
        requests.delete(sandbox.url + "/_sandbox/faults", timeout=5)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
