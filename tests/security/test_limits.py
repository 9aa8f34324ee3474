"""Finding: limits were per worker, and the per-account limit on session creation counted
anyone's failures, so an attacker with many IPs locked out every user of an account. Failures
are now limited per IP and per (account, identifier); sign-ins per IP and per owner; and `serve`
never runs several workers on per-process limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.helpers import create_account, make_test_app
from tests.security.helpers import HOST_ORIGIN
from widget_server import db
from widget_server.identity import compute_identity_hash
from widget_server.sandbox import SandboxServer


@pytest.fixture
def limited(tmp_path: Path, sandbox: SandboxServer) -> Iterator[Flask]:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_SESSION="1000 per minute")
    yield app
    db.get_database(app).engine.dispose()


def _post(app: Flask, account_id: str, email: str, hash_: str, ip: str):  # type: ignore[no-untyped-def]
    return app.test_client().post(
        "/v1/embed/session", json={"account": account_id, "email": email, "hash": hash_},
        headers={"Origin": HOST_ORIGIN}, environ_base={"REMOTE_ADDR": ip})


def test_failures_from_many_ips_never_lock_out_the_accounts_users(limited: Flask) -> None:
    created = create_account(limited)
    public_id = created.account.public_id
    # 700 failed checks from 700 addresses: more than the old 600-per-minute account limit.
    for i in range(700):
        _post(limited, public_id, f"victim{i % 50}@example.com", "0" * 64,
              f"10.{i // 250}.{(i // 250) % 250}.{i % 250}")
    for email in ("ana@example.com", "ben@example.com"):
        ok = _post(limited, public_id, email, compute_identity_hash(created.hmac_secret, email),
                   "192.0.2.10")
        assert ok.status_code == 200, (email, ok.get_json())


def test_failures_are_limited_per_ip(limited: Flask) -> None:
    created = create_account(limited)
    public_id = created.account.public_id
    codes = [_post(limited, public_id, f"u{i}@example.com", "0" * 64, "198.51.100.7").status_code
             for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    blocked = _post(limited, public_id, "ana@example.com",
                    compute_identity_hash(created.hmac_secret, "ana@example.com"), "198.51.100.7")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    other_ip = _post(limited, public_id, "ana@example.com",
                     compute_identity_hash(created.hmac_secret, "ana@example.com"), "198.51.100.8")
    assert other_ip.status_code == 200


def test_failures_are_limited_per_identifier_but_its_real_hash_still_works(limited: Flask) -> None:
    created = create_account(limited)
    public_id = created.account.public_id
    codes = [_post(limited, public_id, "ana@example.com", "0" * 64, f"203.0.113.{i}").status_code
             for i in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    real = compute_identity_hash(created.hmac_secret, "ana@example.com")
    assert _post(limited, public_id, "ana@example.com", real, "203.0.113.99").status_code == 200


def test_serve_refuses_several_workers_without_a_shared_store(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from widget_server import cli

    started: list[dict[str, object]] = []
    monkeypatch.setattr("widget_server.server.serve_gunicorn",
                        lambda app, **kw: started.append(kw))
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    refused = CliRunner().invoke(cli.main, ["serve", "--workers", "4"])
    assert refused.exit_code == 1 and "needs REDIS_URL" in refused.output
    assert started == []
    default = CliRunner().invoke(cli.main, ["serve"])
    assert default.exit_code == 0, default.output
    tuning = started[0]["tuning"]
    assert tuning.workers == 1 and tuning.threads > 1  # type: ignore[attr-defined]


def test_sign_in_failures_are_limited_per_owner_across_ips(limited: Flask) -> None:
    from tests.dashboard.helpers import PASSWORD, create_owner, csrf_from

    create_owner(limited, "owner@example.com")
    client = limited.test_client()

    def login(password: str, ip: str) -> int:
        page = client.get("/dashboard/login", environ_base={"REMOTE_ADDR": ip})
        token = csrf_from(page.get_data(as_text=True))
        return client.post("/dashboard/login", data={
            "email": "owner@example.com", "password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": ip}).status_code

    codes = [login("wrong password", f"192.0.2.{i}") for i in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    assert login(PASSWORD, "192.0.2.200") == 429


@pytest.mark.parametrize("proxies", [0, 1])
def test_per_ip_limits_see_the_client_behind_a_trusted_proxy(
        tmp_path: Path, sandbox: SandboxServer, proxies: int) -> None:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        TRUSTED_PROXIES=proxies)
    created = create_account(app)
    client = app.test_client()
    codes = [client.post("/v1/embed/session", json={
        "account": created.account.public_id, "email": f"u{i}@example.com", "hash": "0" * 64},
        headers={"X-Forwarded-For": f"198.18.0.{i}"}).status_code for i in range(12)]
    # Trusted: twelve clients, none over its limit. Untrusted: the header is ignored (anyone
    # could send it), so the one connection address reaches its limit.
    assert (429 in codes) is (proxies == 0)
    db.get_database(app).engine.dispose()
