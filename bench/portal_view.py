"""Latency and Stripe calls of one portal view (``GET /v1/portal``) against the sandbox.

    python bench/portal_view.py [--iterations 30] [--latency-ms 20]

Starts a seeded Stripe sandbox that sleeps `--latency-ms` per Stripe request (to mimic the
network), builds the app on a temporary SQLite database, and measures p50/p95 of the view for a
few seeded customers with a cold catalog (cache emptied before each view) and a warm one. The
last row runs the same gateway reads one after another (no thread pool), to show what the
concurrency buys. Finishes in well under a minute.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask

from widget_server import create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.billing.catalog import MemoryCatalogStore
from widget_server.billing.gateway import StripeGateway
from widget_server.billing_web import billing_factory
from widget_server.crypto import generate_key
from widget_server.identity import issue_portal_token
from widget_server.sandbox import SandboxServer

STRIPE_KEY = "sk_test_bench"
CUSTOMERS = {
    "cus_demo_ana": "1 subscription, 1 item",
    "cus_demo_farid": "1 subscription, 2 items",
    "cus_demo_ivan": "2 subscriptions",
    "cus_demo_carla": "past due, open invoice",
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def build_app(folder: Path, sandbox_url: str) -> tuple[Flask, str]:
    app = create_app({
        "ENV": "development", "TESTING": True, "SECRET_KEY": "bench-secret-" + "x" * 32,
        "ENCRYPTION_KEYS": [generate_key()],
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "STRIPE_API_BASE": sandbox_url, "STRIPE_MAX_RETRIES": 0, "RATELIMIT_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    })
    db.upgrade(app)
    with db.session_scope(app) as session:
        created = AccountService(session, secret_box(app)).create(
            name="Bench", stripe_key=STRIPE_KEY, allowed_origins=["http://localhost"])
        account_id = created.account.public_id
    return app, account_id


def clear_catalog(app: Flask) -> None:
    with app.app_context():
        billing_factory().catalog_store = MemoryCatalogStore()


def stripe_calls(sandbox: SandboxServer) -> int:
    log = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=5)
    return sum(1 for r in log if r["path"].startswith("/v1/"))


def measure(run: Callable[[], None], iterations: int, sandbox: SandboxServer,
            before: Callable[[], None] | None = None) -> dict[str, float]:
    samples: list[float] = []
    calls: list[int] = []
    for _ in range(iterations):
        if before:
            before()
        stripe_calls(sandbox)
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
        calls.append(stripe_calls(sandbox))
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95),
            "calls": statistics.mean(calls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()

    with SandboxServer(seed=True) as sandbox, tempfile.TemporaryDirectory() as folder:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("stripe").setLevel(logging.WARNING)
        app, account_id = build_app(Path(folder), sandbox.url)
        client = app.test_client()
        requests.post(f"{sandbox.url}/_sandbox/faults", json={"latency_ms": args.latency_ms},
                      timeout=5).raise_for_status()
        rows: list[tuple[str, str, str, dict[str, float]]] = []
        for customer_id, what in CUSTOMERS.items():
            token, _expires = issue_portal_token(
                app.config["SECRET_KEY"], account_id=account_id, customer_ids=[customer_id],
                mode="embed", ttl_seconds=3600)
            headers = {"Authorization": f"Bearer {token}"}

            def view(headers: dict[str, str] = headers) -> None:
                response = client.get("/v1/portal", headers=headers)
                assert response.status_code == 200, response.get_json()

            view()  # warm the app (first request, DB connection)
            rows.append((customer_id, what, "cold catalog",
                         measure(view, args.iterations, sandbox, lambda: clear_catalog(app))))
            rows.append((customer_id, what, "warm catalog",
                         measure(view, args.iterations, sandbox)))

        with app.app_context():
            factory = billing_factory()
            sequential = StripeGateway(factory.clients.client_for(STRIPE_KEY),
                                       factory.catalog(STRIPE_KEY), executor=None)

            def gateway_only() -> None:
                sequential.snapshot(["cus_demo_ivan"])

            rows.append(("cus_demo_ivan", "2 subscriptions", "warm, no thread pool",
                         measure(gateway_only, args.iterations, sandbox)))
        requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)

    print(f"GET /v1/portal, {args.iterations} views each, {args.latency_ms} ms per Stripe call")
    print()
    print("| customer | data | catalog | p50 ms | p95 ms | Stripe calls / view |")
    print("|---|---|---|---|---|---|")
    for customer_id, what, mode, figures in rows:
        print(f"| {customer_id} | {what} | {mode} | {figures['p50']:.1f} | "
              f"{figures['p95']:.1f} | {figures['calls']:.1f} |")


if __name__ == "__main__":
    main()
