"""Plain helpers of the whole suite (its fixtures are in tests/conftest.py).

Set WIDGET_SERVER_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test) to run
the same suite against PostgreSQL; SQLite in a temporary folder is the default.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from widget_server import create_app, db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.crypto import generate_key
from widget_server.models import Base

TEST_DATABASE_URL = os.environ.get("WIDGET_SERVER_TEST_DATABASE_URL")
ENCRYPTION_KEY = generate_key()
TEST_PUBLISHABLE_KEY = "pk_test_sandbox"


# Rate limits are sliding-window counters, and `limits` floors the previous window's weighted
# count: a burst that straddles a minute boundary can be let through one request more than
# the limit (the third call of "2 per minute" at 12:00:00.01 after two at 11:59:59.9x: seen
# in CI). A test that counts requests up to a limit starts with this much of the minute left
# (an hour boundary is a minute boundary too).
WINDOW_EDGE_SECONDS = 12.0


def clear_of_window_edge(needed: float = WINDOW_EDGE_SECONDS) -> None:
    left = 60.0 - time.time() % 60.0
    if left < needed:
        time.sleep(left + 0.05)


def make_test_app(tmp_path: Path, sandbox_url: str, **overrides: Any) -> Flask:
    if overrides.get("RATELIMIT_ENABLED"):
        clear_of_window_edge()
    app = create_app(app_config(tmp_path, sandbox_url, **overrides))
    db.upgrade(app)
    if TEST_DATABASE_URL:
        _truncate_all(app)
    return app


def another_instance(tmp_path: Path, sandbox_url: str, **overrides: Any) -> Flask:
    """Another process of the deployment `make_test_app` built with these arguments: the same
    settings and database, its own memory (gunicorn's next worker, or a second instance)."""
    return create_app(app_config(tmp_path, sandbox_url, **overrides))


def app_config(tmp_path: Path, sandbox_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "ENV": "development",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "ENCRYPTION_KEYS": [ENCRYPTION_KEY],
        "DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_JS_URL": sandbox_url + "/js/v3/",
        "STRIPE_MAX_RETRIES": 0,
        "STRIPE_TIMEOUT": 5,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return config


def _truncate_all(app: Flask) -> None:
    with db.get_database(app).engine.begin() as connection:
        names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def create_account(app: Flask, **kwargs: Any) -> CreatedAccount:
    params: dict[str, Any] = {
        "name": "Test Co",
        "stripe_key": "sk_test_widgetserver",
        "allowed_origins": ["http://localhost:5000"],
    }
    params.update(kwargs)
    # Like an owner in test mode: Stripe.js needs the account's publishable key (the sandbox
    # accepts any pk_test_ key).
    params["settings"] = {"stripe_publishable_key": TEST_PUBLISHABLE_KEY,
                          **(params.get("settings") or {})}
    with db.session_scope(app) as session:
        created = AccountService(session, secret_box(app)).create(**params)
        session.expunge(created.account)
    return created


def set_webhook_secret(app: Flask, public_id: str, secret: str | None,
                       overlap_seconds: int = 86400) -> None:
    """Set (or, with None, remove) an account's Stripe webhook signing secret."""
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        account = service.get(public_id)
        assert account is not None
        if secret is None:
            service.clear_webhook_secret(account)
        else:
            service.set_webhook_secret(account, secret, overlap_seconds=overlap_seconds)


def signed_delivery(payload: bytes, *secrets: str, at: int | None = None) -> dict[str, str]:
    """The headers of a Stripe webhook delivery of `payload` signed with each of `secrets`."""
    import hashlib
    import hmac
    import time

    stamp = int(time.time()) if at is None else at
    signatures = [hmac.new(s.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
                  .hexdigest() for s in secrets]
    return {"Stripe-Signature": f"t={stamp}," + ",".join(f"v1={v}" for v in signatures),
            "Content-Type": "application/json"}
