"""DESIGN §10: two gunicorn instances on different ports share one PostgreSQL and one Redis.

A portal token minted by instance A works on instance B, an account created through the CLI is
seen by both, and the identity-check rate limit is counted across instances (Redis). Behind
nginx, one instance killed mid-load loses no answered request and no write (docs/deploy.md).
Skipped, with the reason, when PostgreSQL, Redis or nginx is not on this machine.
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

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


def _start(env: dict[str, str], port: int, new_session: bool = False,
           ) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=new_session)


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


# --- nginx in front of two instances; one is killed mid-load --------------------------------

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
ROOT = Path(__file__).resolve().parents[1]


def _nginx_conf() -> Any:
    """bench/nginx_conf.py: the one generated balancer config (deploy/nginx.conf's settings)."""
    spec = importlib.util.spec_from_file_location("nginx_conf", ROOT / "bench" / "nginx_conf.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


READS_AFTER_KILL = 6  # per reader: reads issued after the kill, each must be answered
READ_PHASE_S = 90  # the bound on the whole load; the readers stop by themselves well before


@dataclass
class Read:
    """One GET /v1/portal of the load: issued before or after the kill, and its outcome (an
    HTTP status, the exception's name, or None while it is in flight)."""

    after_kill: bool
    outcome: int | str | None = None


def _canceled_customer(client: stripe.StripeClient, email: str) -> tuple[str, str]:
    customer = client.v1.customers.create({"email": email})
    pm = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                  "exp_year": 2031, "cvc": "123"}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    client.v1.customers.update(customer.id,
                               {"invoice_settings": {"default_payment_method": pm.id}})
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_pro_monthly"}]})
    client.v1.subscriptions.cancel(sub.id)
    return customer.id, sub.id


@pytest.mark.skipif(NGINX is None, reason="needs nginx (apt-get install nginx)")
def test_nginx_in_front_of_two_instances_loses_nothing_when_one_is_killed(
        cluster_env, sandbox, tmp_path):
    """SIGKILL one of two instances behind nginx mid-load: every read is answered (nginx
    retries it on the other instance), and every resubscribe — retried by the client after a
    502 with the same Idempotency-Key, as the page does — ends with exactly one new
    subscription in Stripe."""
    redis = pytest.importorskip("redis")
    own_db = REDIS_URL.rsplit("/", 1)[0] + "/10"  # not the other test's counters (xdist)
    redis.Redis.from_url(own_db).flushdb()
    cluster_env = {**cluster_env, "REDIS_URL": own_db,
                   "WIDGET_SERVER_RATELIMIT_SESSION": "600 per minute"}
    created = subprocess.run(
        [CLI, "accounts", "create", "--name", "Scale", "--stripe-key", "sk_test_scale",
         "--origin", "https://app.example.test"],
        env=cluster_env, capture_output=True, text=True, check=True).stdout
    account = re.search(r"account:\s+(acct_\w+)", created).group(1)
    secret = re.search(r"hmac secret:\s+(\S+)", created).group(1)
    client = stripe.StripeClient("sk_test_scale", base_addresses={"api": sandbox.url},
                                 max_network_retries=0)
    run = secrets.token_hex(3)
    intents = [(f"kill-{run}-{i}@example.com", *_canceled_customer(
        client, f"kill-{run}-{i}@example.com")) for i in range(8)]

    ports = [_free_port(), _free_port(), _free_port()]
    procs = [_start(cluster_env, port, new_session=True) for port in ports[:2]]
    (tmp_path / "nginx").mkdir()
    conf = tmp_path / "nginx" / "nginx.conf"
    conf.write_text(_nginx_conf().render_config(
        ports[2], [f"127.0.0.1:{p}" for p in ports[:2]], tmp_path / "nginx"))
    balancer = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path / "nginx"),
                                 "-e", str(tmp_path / "nginx" / "error.log")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{ports[2]}"
    try:
        for port, proc in zip(ports[:2], procs, strict=True):
            _wait_ready(f"http://127.0.0.1:{port}", proc)
        _wait_ready(base, balancer)
        tokens = {}
        for email, customer, _sub in intents:
            body = {"account": account, "email": email,
                    "hash": compute_identity_hash(secret, email)}
            session = requests.post(base + "/v1/embed/session", json=body, timeout=10)
            assert session.status_code == 200, session.text
            tokens[customer] = {"Authorization": f"Bearer {session.json()['token']}"}
        requests.post(sandbox.url + "/_sandbox/faults", json={"latency_ms": 80},
                      timeout=5).raise_for_status()

        # Reads are counted by request, not by second: each reader goes on until it has issued
        # READS_AFTER_KILL reads after the kill (however slow the machine), and every read issued
        # must come back 200. A lost read fails; a slow machine only takes longer.
        killed = threading.Event()
        stop = threading.Event()
        reads: list[Read] = []
        outcomes: dict[str, list[int | str]] = {}
        warm = threading.Barrier(len(intents[:4]) + 1)  # the readers and this thread

        def reader(headers: dict[str, str]) -> None:
            mine: list[Read] = []
            with requests.Session() as http:
                while not stop.is_set():
                    read = Read(after_kill=killed.is_set())
                    mine.append(read)
                    reads.append(read)
                    try:
                        read.outcome = http.get(base + "/v1/portal", headers=headers,
                                                timeout=30).status_code
                    except requests.RequestException as exc:
                        read.outcome = type(exc).__name__
                    if len(mine) == 2:
                        warm.wait(timeout=60)  # every reader has reads back: then the kill
                    if sum(r.after_kill for r in mine) >= READS_AFTER_KILL:
                        return

        def writer(customer: str, sub: str, delay: float) -> None:
            time.sleep(delay)
            headers = {**tokens[customer], "Idempotency-Key": f"intent-{customer}"}
            attempts = outcomes.setdefault(customer, [])
            for _ in range(10):  # the page's retry: same body, same key
                try:
                    status: int | str = requests.post(
                        f"{base}/v1/portal/subscriptions/{sub}/resubscribe", json={},
                        headers=headers, timeout=30).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                attempts.append(status)
                if status in (200, 409):
                    return
                time.sleep(0.2)

        threads = [threading.Thread(target=reader, args=(tokens[c],)) for _e, c, _s in
                   intents[:4]]
        threads += [threading.Thread(target=writer, args=(c, s, 0.15 * i))
                    for i, (_e, c, s) in enumerate(intents)]
        for thread in threads:
            thread.start()
        warm.wait(timeout=60)
        time.sleep(0.3)  # the writers' first attempts are under way too
        killed.set()
        os.killpg(procs[0].pid, signal.SIGKILL)  # master and workers, mid-request
        deadline = time.monotonic() + READ_PHASE_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        stop.set()  # stops only a reader still short of its reads at the deadline
        for thread in threads:
            thread.join(timeout=60)

        assert procs[0].wait(timeout=10) == -signal.SIGKILL
        assert all(r.outcome is not None for r in reads), "a read never came back"
        lost = [r.outcome for r in reads if r.outcome != 200]
        assert lost == [], f"{len(lost)} of {len(reads)} reads not answered: {lost}"
        after = sum(r.after_kill for r in reads)
        assert after >= READS_AFTER_KILL * 4, (
            f"only {after} reads issued after the kill in {READ_PHASE_S} s")
        for _email, customer, sub in intents:
            attempts = outcomes[customer]
            assert attempts[-1] in (200, 409), (customer, attempts)
            assert set(attempts[:-1]) <= {502, 503, 504, "ConnectionError"}, attempts
            subs = client.v1.subscriptions.list({"customer": customer, "status": "all"}).data
            live = [s for s in subs if s.status != "canceled"]
            assert len(live) == 1, (customer, attempts, [(s.id, s.status) for s in subs])
            assert live[0].metadata["resubscribed_from"] == sub
        assert procs[1].poll() is None  # the survivor still serves
    finally:
        requests.delete(sandbox.url + "/_sandbox/faults", timeout=5)
        balancer.terminate()
        balancer.wait(timeout=10)
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
