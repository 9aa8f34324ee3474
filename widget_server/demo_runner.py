"""`widget-server demo`: sandbox + demo account + demo host page, in one process."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from widget_server import create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.crypto import generate_key
from widget_server.models import Owner

DEMO_ACCOUNT_ID = "acct_demo"
DEMO_OWNER_EMAIL = "owner@demo.test"

# The demo turns on every capability so each can be tried on the seeded customers.
DEMO_SETTINGS: dict[str, Any] = {
    "quantity": True,
    "coupons": True,
    "coupon_on_resubscribe": True,
    "change_plan_when_canceled": True,
    "retention_offer": True,
    "retention_coupon": "retention-50",  # a coupon id of the seed (sandbox/seed.py)
    "pause": True,
    "show_all_invoices": True,
    "debug": True,
}


def build_demo_app(*, port: int, sandbox_url: str, data_dir: Path) -> tuple[Flask, str]:
    """Create the demo app, its database, the demo account and owner; return (app, password)."""
    app = create_app({
        "ENV": "demo",
        # The demo's database lives in a temporary folder, so per-run keys are all it needs.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": [generate_key()],
        "DATABASE_URL": f"sqlite:///{data_dir / 'demo.sqlite3'}",
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_JS_URL": sandbox_url + "/js/v3/",
        "STRIPE_MAX_RETRIES": 1,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DEMO_PORTAL_ORIGIN": f"http://127.0.0.1:{port}",
        "DEMO_ACCOUNT_ID": DEMO_ACCOUNT_ID,
    })
    db.upgrade(app)
    password = secrets.token_urlsafe(9)
    with db.session_scope(app) as session:
        created = AccountService(session, secret_box(app)).create(
            name="Acme Cloud (demo)",
            stripe_key="sk_test_demo",
            allowed_origins=[f"http://localhost:{port}", f"http://127.0.0.1:{port}"],
            settings=DEMO_SETTINGS,
            public_id=DEMO_ACCOUNT_ID,
        )
        owner = Owner(email=DEMO_OWNER_EMAIL, password_hash=generate_password_hash(password))
        session.add(owner)
        created.account.owner = owner
    return app, password


def run_demo(*, port: int, sandbox_port: int = 0) -> None:
    from widget_server.sandbox import SandboxServer

    sandbox = SandboxServer(seed=True, port=sandbox_port).start()
    with tempfile.TemporaryDirectory(prefix="widget-server-demo-") as tmp:
        app, password = build_demo_app(port=port, sandbox_url=sandbox.url, data_dir=Path(tmp))
        server = make_server("127.0.0.1", port, app, threaded=True)
        click.echo(
            "\nwidget-server demo is running\n"
            f"  demo app (a pretend customer site): http://localhost:{port}/demo/\n"
            f"  portal service:                     http://127.0.0.1:{port}/\n"
            f"  owner dashboard:                    http://127.0.0.1:{port}/dashboard/\n"
            f"      login {DEMO_OWNER_EMAIL} / {password}\n"
            f"  Stripe sandbox:                     {sandbox.url}\n"
            "Press Ctrl-C to stop.\n"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopping…")
        finally:
            server.server_close()
            sandbox.stop()
