"""Stripe calls and latency of a repeat portal load with and without view snapshots.

    python bench/view_snapshots.py [--iterations 30] [--latency-ms 50] [--redis-url URL]
                                   [--database-url URL]

A portal load is what the page does: ``GET /v1/portal`` then ``GET /v1/portal/invoices``.
Starts a seeded Stripe sandbox that sleeps `--latency-ms` per Stripe request, builds the app on
a temporary SQLite database (in process, Flask's test client) and measures, for one account
without a webhook secret and one with it: the first load, a repeat load, and a load right after
one of our own writes (which forgets the snapshot). With `--redis-url` the snapshots live in
Redis (use a scratch database: it is flushed); without it, the snapshots are in memory and their
generation tokens in the database (`--database-url`, a scratch PostgreSQL database, else the
temporary SQLite file): the cost of that token read (once per view) and of a bump (once per
write or event) is measured on its own. Finishes in well under a minute.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from flask.testing import FlaskClient
from portal_view import percentile, stripe_calls  # bench/ is the script's folder

from widget_server import create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.billing_web import billing_factory
from widget_server.crypto import generate_key
from widget_server.identity import issue_portal_token
from widget_server.sandbox import SandboxServer

CUSTOMER = "cus_demo_ivan"  # 2 subscriptions, invoices


def build_app(folder: Path, sandbox_url: str, redis_url: str | None,
              database_url: str | None) -> Flask:
    app = create_app({
        "ENV": "development", "TESTING": True, "SECRET_KEY": "bench-secret-" + "x" * 32,
        "ENCRYPTION_KEYS": [generate_key()], "REDIS_URL": redis_url,
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "STRIPE_API_BASE": sandbox_url, "STRIPE_MAX_RETRIES": 0, "RATELIMIT_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    })
    db.upgrade(app)
    return app


def account(app: Flask, name: str, webhook_secret: str | None) -> str:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        created = service.create(name=name, stripe_key="sk_test_bench_" + name,
                                 allowed_origins=["http://localhost"])
        if webhook_secret:
            service.set_webhook_secret(created.account, webhook_secret, overlap_seconds=0)
        return created.account.public_id


def loader(app: Flask, client: FlaskClient, account_id: str) -> tuple[Callable[[], None],
                                                                      Callable[[], None]]:
    token, _expires = issue_portal_token(app.config["SECRET_KEY"], account_id=account_id,
                                         customer_ids=[CUSTOMER], mode="embed",
                                         ttl_seconds=3600)
    headers = {"Authorization": f"Bearer {token}"}

    def load() -> None:
        for path in ("/v1/portal", "/v1/portal/invoices"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.get_json()

    def write() -> None:  # a refused action still forgets the snapshot (it is cheap here)
        client.post("/v1/portal/subscriptions/sub_nope/resume", headers=headers, json={})

    return load, write


def measure(run: Callable[[], None], iterations: int, sandbox: SandboxServer,
            before: Callable[[], None]) -> dict[str, float]:
    samples: list[float] = []
    calls: list[int] = []
    for _ in range(iterations):
        before()
        stripe_calls(sandbox)
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
        calls.append(stripe_calls(sandbox))
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95),
            "calls": statistics.mean(calls)}


def token_costs(app: Flask, iterations: int) -> list[tuple[str, dict[str, float]]]:
    """Microseconds of one token read (account + one customer, as a view) and one bump."""
    store = billing_factory(app).views.store
    names = ["acct_bench", f"acct_bench:{CUSTOMER}"]
    store.bump(names[1:], 60)  # one row found, one missing: as for a customer after a write
    figures: list[tuple[str, dict[str, float]]] = []
    for label, run in (("read the tokens (each view)", lambda: store.tokens(names)),
                       ("bump a customer's token (each write or event)",
                        lambda: store.bump(names[1:], 60))):
        for _ in range(50):  # warm the pool and the statement cache
            run()
        samples: list[float] = []
        for _ in range(iterations):
            start = time.perf_counter()
            run()
            samples.append((time.perf_counter() - start) * 1_000_000)
        figures.append((label, {"p50": statistics.median(samples),
                                "p95": percentile(samples, 0.95)}))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--database-url", default=None,
                        help="a scratch database (tables are created in it)")
    parser.add_argument("--token-iterations", type=int, default=2000)
    args = parser.parse_args()
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("stripe").setLevel(logging.WARNING)
    rows: list[tuple[str, str, dict[str, float]]] = []
    with SandboxServer(seed=True) as sandbox, tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), sandbox.url, args.redis_url, args.database_url)
        database = db.get_database(app).engine.dialect.name
        costs = token_costs(app, args.token_iterations) if not args.redis_url else []
        client = app.test_client()
        requests.post(f"{sandbox.url}/_sandbox/faults", json={"latency_ms": args.latency_ms},
                      timeout=5).raise_for_status()
        for label, secret in (("no webhook", None), ("webhook set", "whsec_" + "b" * 32)):
            load, write = loader(app, client, account(app, label.replace(" ", "_"), secret))
            load()  # warm the catalog and the app

            def nothing() -> None:
                return None

            rows.append((label, "repeat load", measure(load, args.iterations, sandbox,
                                                       nothing)))
            rows.append((label, "load after a write", measure(load, args.iterations,
                                                              sandbox, write)))
        requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
    store = "Redis" if args.redis_url else f"memory, tokens in the database ({database})"
    print(f"GET /v1/portal + GET /v1/portal/invoices ({CUSTOMER}), {args.iterations} loads "
          f"each, {args.latency_ms} ms per Stripe call, snapshots in {store}")
    print()
    print("| account | load | p50 ms | p95 ms | Stripe calls / load |")
    print("|---|---|---|---|---|")
    for label, what, figures in rows:
        print(f"| {label} | {what} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
              f"{figures['calls']:.1f} |")
    if costs:
        print()
        print(f"Generation tokens in the database ({database}), {args.token_iterations} calls "
              "each, one process:")
        print()
        print("| operation | p50 µs | p95 µs |")
        print("|---|---|---|")
        for label, figures in costs:
            print(f"| {label} | {figures['p50']:.0f} | {figures['p95']:.0f} |")


if __name__ == "__main__":
    main()
