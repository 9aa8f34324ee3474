"""`widget-server demo`: the demo account and the demo host page, on a Stripe the caller runs.

The command (``widget-server demo``) starts the Stripe sandbox with its seed data and hands its
address here; nothing in this module knows it is a sandbox: the demo's customers are read
from whatever Stripe the demo key reaches, and Stripe.js gets a test publishable key, as any
test-mode installation would configure.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

import click
import stripe
from flask import Flask
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from widget_server import create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.crypto import generate_key
from widget_server.demo_activity import seed_portal_activity
from widget_server.models import Owner, utcnow

DEMO_ACCOUNT_ID = "acct_demo"
DEMO_OWNER_EMAIL = "owner@demo.test"
DEMO_STRIPE_KEY = "sk_test_demo"
DEMO_PUBLISHABLE_KEY = "pk_test_demo"

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
    "show_entitlements": True,
    "debug": True,
    "stripe_publishable_key": DEMO_PUBLISHABLE_KEY,
}


def demo_customers(stripe_api_base: str) -> list[dict[str, Any]]:
    """The customers the demo host page offers to sign in as (oldest first)."""
    client = stripe.StripeClient(DEMO_STRIPE_KEY, base_addresses={"api": stripe_api_base},
                                 max_network_retries=1)
    found = sorted(client.v1.customers.list({"limit": 100}).data,
                   key=lambda c: (c.created, c.id))
    return [{"id": c.id, "email": c.email, "name": c.name, "description": c.description}
            for c in found if c.email]


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
    app.config["DEMO_CUSTOMERS"] = demo_customers(sandbox_url)
    db.upgrade(app)
    password = secrets.token_urlsafe(9)
    with db.session_scope(app) as session:
        created = AccountService(session, secret_box(app)).create(
            name="Acme Cloud (demo)",
            stripe_key=DEMO_STRIPE_KEY,
            allowed_origins=[f"http://localhost:{port}", f"http://127.0.0.1:{port}"],
            settings=DEMO_SETTINGS,
            public_id=DEMO_ACCOUNT_ID,
        )
        owner = Owner(email=DEMO_OWNER_EMAIL, password_hash=generate_password_hash(password))
        session.add(owner)
        created.account.owner = owner
        session.flush()
        # so the dashboard's analytics have something to show
        seed_portal_activity(session, created.account.id, utcnow())
    return app, password


def run_demo(*, port: int, sandbox_url: str) -> None:
    """Serve the demo until Ctrl-C, against the Stripe API at `sandbox_url`."""
    with tempfile.TemporaryDirectory(prefix="widget-server-demo-") as tmp:
        app, password = build_demo_app(port=port, sandbox_url=sandbox_url, data_dir=Path(tmp))
        server = make_server("127.0.0.1", port, app, threaded=True)
        click.echo(
            "\nwidget-server demo is running\n"
            f"  demo app (a pretend customer site): http://localhost:{port}/demo/\n"
            f"  portal service:                     http://127.0.0.1:{port}/\n"
            f"  owner dashboard:                    http://127.0.0.1:{port}/dashboard/\n"
            f"      login {DEMO_OWNER_EMAIL} / {password}\n"
            f"  Stripe sandbox:                     {sandbox_url}\n"
            "Press Ctrl-C to stop.\n"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopping…")
        finally:
            server.server_close()
