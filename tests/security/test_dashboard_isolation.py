"""Finding: every tenant's portal and every owner's dashboard shared one origin, so a script on
a portal page could read a signed-in dashboard. The dashboard's cookie is scoped to it and
strict, it answers only top-level navigations, keeps no opener, and can live on its own origin."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import PASSWORD, create_owner, give_account, login
from tests.helpers import make_test_app
from widget_server import db
from widget_server.sandbox import SandboxServer


def _signed_in(app: Flask) -> tuple[FlaskClient, str]:
    owner_id = create_owner(app, "iso@example.com")
    public_id = give_account(app, owner_id).account.public_id
    client = app.test_client()
    login(client, "iso@example.com", PASSWORD)
    return client, public_id


def test_the_session_cookie_is_scoped_to_the_dashboard_and_strict(app: Flask) -> None:
    client = app.test_client()
    create_owner(app, "iso@example.com")
    page = client.get("/dashboard/login")
    cookie = page.headers["Set-Cookie"]
    assert "Path=/dashboard" in cookie and "SameSite=Strict" in cookie and "HttpOnly" in cookie
    assert client.get_cookie("session", path="/") is None  # never sent to portal pages


def test_a_portal_page_script_cannot_fetch_or_frame_the_dashboard(app: Flask) -> None:
    client, public_id = _signed_in(app)
    path = f"/dashboard/accounts/{public_id}"
    assert client.get(path, headers={"Sec-Fetch-Dest": "document"}).status_code == 200
    for dest in ("empty", "iframe", "object", "embed", "script"):
        response = client.get(path, headers={"Sec-Fetch-Dest": dest,
                                             "Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 403, dest
        assert b"identity secret" not in response.data.lower()
    page = client.get(path)
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_the_dashboard_can_have_its_own_origin(tmp_path: Path, sandbox: SandboxServer) -> None:
    app = make_test_app(tmp_path, sandbox.url, DASHBOARD_URL="https://admin.example.com")
    portal = app.test_client()
    moved = portal.get("/dashboard/login", base_url="https://portal.example.com")
    assert moved.status_code == 302
    assert moved.headers["Location"] == "https://admin.example.com/dashboard/login"
    assert portal.post("/dashboard/login", base_url="https://portal.example.com").status_code == 404
    admin = app.test_client()
    first_run = admin.get("/dashboard/login", base_url="https://admin.example.com")
    assert first_run.headers["Location"] == "/dashboard/first-run"  # no owner yet: same origin
    create_owner(app, "ops@admin.test")
    assert admin.get("/dashboard/login", base_url="https://admin.example.com").status_code == 200
    for path in ("/portal/frame?account=acct_x", "/v1/openapi.json", "/embed/v1/portal.js",
                 "/portal/session/abc"):
        assert admin.get(path, base_url="https://admin.example.com").status_code == 404, path
    assert admin.get("/healthz", base_url="https://admin.example.com").status_code == 200
    db.get_database(app).engine.dispose()
