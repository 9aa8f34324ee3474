"""The demo owner printed by `widget-server demo` can sign in and sees the demo account."""

from __future__ import annotations

from pathlib import Path

from tests.dashboard.helpers import login
from widget_server import db
from widget_server.demo_runner import DEMO_ACCOUNT_ID, DEMO_OWNER_EMAIL, build_demo_app
from widget_server.sandbox import SandboxServer


def test_demo_owner_owns_the_demo_account(tmp_path: Path, sandbox: SandboxServer) -> None:
    app, password = build_demo_app(port=8123, sandbox_url=sandbox.url, data_dir=tmp_path)
    try:
        app.config["RATELIMIT_ENABLED"] = False
        client = app.test_client()
        login(client, DEMO_OWNER_EMAIL, password)
        page = client.get(f"/dashboard/accounts/{DEMO_ACCOUNT_ID}")
        assert page.status_code == 200
        assert "Acme Cloud (demo)" in page.get_data(as_text=True)
    finally:
        db.get_database(app).engine.dispose()
