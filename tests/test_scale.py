"""DESIGN §10: two gunicorn instances on different ports share one PostgreSQL and one Redis.

A portal token minted by instance A works on instance B, an account created through the CLI is
seen by both, and the identity-check rate limit is counted across instances (Redis).
Skipped, with the reason, when PostgreSQL or Redis is not running on this machine.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from widget_server.crypto import generate_key
from widget_server.identity import compute_identity_hash

POSTGRES_ADMIN = os.environ.get(
    "WIDGET_SERVER_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("WIDGET_SERVER_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
CLI = str(Path(sys.executable).with_name("widget-server"))


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not (_reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379)),
    reason="needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def database_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = "widget_scale_" + secrets.token_hex(4)
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cluster_env(database_url: str, sandbox) -> dict[str, str]:
    redis = pytest.importorskip("redis")
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = dict(os.environ)
    env.update({
        "WIDGET_SERVER_ENV": "production",
        "WIDGET_SERVER_SECRET_KEY": secrets.token_urlsafe(48),
        "WIDGET_SERVER_ENCRYPTION_KEYS": generate_key(),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "WIDGET_SERVER_STRIPE_API_BASE": sandbox.url,
        "WIDGET_SERVER_RATELIMIT_SESSION": "6 per minute",
        "WIDGET_SERVER_PUBLIC_URL": "http://127.0.0.1:8000",
        "WIDGET_SERVER_LOG_LEVEL": "WARNING",
    })
    return env


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            if requests.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not become ready")


def test_two_instances_share_accounts_tokens_and_rate_limits(cluster_env):
    created = subprocess.run(
        [CLI, "accounts", "create", "--name", "Scale", "--stripe-key", "sk_test_scale",
         "--origin", "https://app.example.test"],
        env=cluster_env, capture_output=True, text=True, check=True).stdout
    account = re.search(r"account:\s+(acct_\w+)", created).group(1)
    secret = re.search(r"hmac secret:\s+(\S+)", created).group(1)

    ports = [_free_port(), _free_port()]
    procs = [_start(cluster_env, port) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, proc in zip(bases, procs, strict=True):
            _wait_ready(base, proc)
        a, b = bases
        body = {"account": account, "email": "ana@example.com",
                "hash": compute_identity_hash(secret, "ana@example.com")}

        session = requests.post(a + "/v1/embed/session", json=body, timeout=10)
        assert session.status_code == 200, session.text
        token = session.json()["token"]
        portal = requests.get(b + "/v1/portal", timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert portal.status_code == 200, portal.text
        assert portal.json()["customer"]["id"] == "cus_demo_ana"
        assert [s["id"] for s in portal.json()["subscriptions"]] == ["sub_demo_ana"]

        # 6 identity checks per minute per IP, counted in Redis across both instances.
        statuses = [requests.post(base + "/v1/embed/session", json=body, timeout=10).status_code
                    for base in (b, a, b, a, b, a, b)]
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429, 429]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
