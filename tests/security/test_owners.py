"""Finding: no way to create an owner or change a password except through code (so no password
policy), a dashboard session cookie still worked after sign-out, and portal tokens survived a
secret rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import PASSWORD, create_owner, csrf_from, give_account, login
from tests.helpers import make_test_app
from tests.security.helpers import HOST_ORIGIN
from widget_server import create_app, db
from widget_server.identity import compute_identity_hash
from widget_server.models import Owner
from widget_server.sandbox import SandboxServer

STRONG = "plum-kettle-aurora-97"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'owners.db'}"
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _cli(*args: str, stdin: str = ""):  # type: ignore[no-untyped-def]
    from widget_server.cli import main

    return CliRunner().invoke(main, list(args), input=stdin)


def test_owners_create_passwd_disable(cli_env: str, sandbox: SandboxServer) -> None:
    created = _cli("owners", "create", "ops@example.com", stdin=f"{STRONG}\n{STRONG}\n")
    assert created.exit_code == 0, created.output
    assert STRONG not in created.output
    # The CLI's own SQLite database (not the suite's, which may be PostgreSQL).
    app = create_app({"ENV": "development", "TESTING": True, "DATABASE_URL": cli_env,
                      "SECRET_KEY": "k" * 40, "STRIPE_API_BASE": sandbox.url,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    login(client, "ops@example.com", STRONG)
    assert client.get("/dashboard/").status_code == 200

    changed = _cli("owners", "passwd", "ops@example.com", stdin="new-granite-lantern-5\n" * 2)
    assert changed.exit_code == 0, changed.output
    assert client.get("/dashboard/").status_code == 302  # the old session ended
    login(client, "ops@example.com", "new-granite-lantern-5")

    disabled = _cli("owners", "disable", "ops@example.com")
    assert disabled.exit_code == 0, disabled.output
    assert client.get("/dashboard/").status_code == 302
    token = csrf_from(client.get("/dashboard/login").get_data(as_text=True))
    refused = client.post("/dashboard/login", data={
        "email": "ops@example.com", "password": "new-granite-lantern-5", "csrf_token": token})
    assert refused.status_code == 401
    db.get_database(app).engine.dispose()


@pytest.mark.parametrize(("password", "why"), [
    ("short", "at least 12"),
    ("password1234", "breached"),
    ("1qaz2wsx3edc", "breached"),
    ("Q1W2E3R4T5Y6", "breached"),
    ("ops@example.com", "email"),
    ("aaaaaaaaaaaaaaaa", "too few"),
])
def test_the_password_policy(cli_env: str, password: str, why: str) -> None:
    result = _cli("owners", "create", "ops@example.com", stdin=f"{password}\n{password}\n" * 3)
    assert result.exit_code == 1
    assert why in result.output


def test_sign_out_ends_the_session_cookie_and_its_copies(app: Flask) -> None:
    owner_id = create_owner(app, "ana.owner@example.com")
    give_account(app, owner_id)
    client = app.test_client()
    login(client, "ana.owner@example.com", PASSWORD)
    stolen = client.get_cookie("session", path="/dashboard") or client.get_cookie("session")
    assert stolen is not None
    token = csrf_from(client.get("/dashboard/").get_data(as_text=True))
    client.post("/dashboard/logout", data={"csrf_token": token})
    replay = app.test_client()
    replay.set_cookie("session", stolen.value, path=stolen.path)
    assert replay.get("/dashboard/").status_code == 302
    with db.session_scope(app) as session:
        owner = session.get(Owner, owner_id)
        assert owner is not None and owner.session_epoch == 1


def _session(client: FlaskClient, public_id: str, secret: str) -> str:
    response = client.post("/v1/embed/session", headers={"Origin": HOST_ORIGIN}, json={
        "account": public_id, "customer_id": "cus_demo_ana",
        "hash": compute_identity_hash(secret, "cus_demo_ana")})
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["token"]
    return token


@pytest.mark.parametrize("revoke", [False, True])
def test_rotation_can_revoke_portal_tokens(tmp_path: Path, sandbox: SandboxServer,
                                           revoke: bool) -> None:
    from tests.helpers import create_account
    from widget_server.accounts import AccountService, secret_box

    app = make_test_app(tmp_path, sandbox.url, REVOKE_TOKENS_ON_ROTATION=revoke)
    created = create_account(app)
    client = app.test_client()
    token = _session(client, created.account.public_id, created.hmac_secret)
    with app.app_context(), db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        account = service.get(created.account.public_id)
        assert account is not None
        new_secret = service.rotate_secret(account, overlap_seconds=3600,
                                           revoke_tokens=app.config["REVOKE_TOKENS_ON_ROTATION"])
    old = client.get("/v1/portal", headers={"Authorization": f"Bearer {token}"})
    assert old.status_code == (401 if revoke else 200)
    fresh = _session(client, created.account.public_id, new_secret)
    assert client.get("/v1/portal", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    db.get_database(app).engine.dispose()
