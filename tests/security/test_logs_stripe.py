"""stripe-python logs every call at INFO (method, path, query: an email lookup's address in
it), 2 lines a call, and urllib3 the URL at DEBUG. By default both stay at WARNING: a portal
session and view log no Stripe line and no email, masked or not; STRIPE_LOG_LEVEL=INFO brings
the lines back."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from flask import Flask

from tests.helpers import make_test_app
from tests.security.helpers import HOST_ORIGIN
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.identity import compute_identity_hash
from widget_server.logs import make_handler
from widget_server.sandbox import SandboxServer


def _logged_run(app: Flask) -> str:
    buffer = io.StringIO()
    handler = make_handler("json", buffer)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with db.session_scope(app) as session:
            created = AccountService(session, secret_box(app)).create(
                name="Logs", stripe_key="sk_test_widgetserver", allowed_origins=[HOST_ORIGIN])
        client = app.test_client()
        email = "ana@example.com"
        session_body = client.post("/v1/embed/session", headers={"Origin": HOST_ORIGIN}, json={
            "account": created.account.public_id, "email": email,
            "hash": compute_identity_hash(created.hmac_secret, email)}).get_json()
        view = client.get("/v1/portal", headers={
            "Authorization": f"Bearer {session_body['token']}"})
        assert view.status_code == 200
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    # werkzeug's lines are the sandbox's access log (Stripe's side), not the service's
    return "\n".join(line for line in buffer.getvalue().splitlines()
                     if '"logger": "werkzeug"' not in line)


def test_by_default_stripe_logs_nothing_and_no_email_is_logged(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    output = _logged_run(make_test_app(tmp_path, sandbox.url))
    assert '"logger": "stripe"' not in output and '"logger": "urllib3' not in output
    assert "ana@example.com" not in output and "a***@example.com" not in output
    assert "ana%40example.com" not in output


def test_stripe_log_level_info_brings_the_request_lines_back(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    output = _logged_run(make_test_app(tmp_path, sandbox.url, STRIPE_LOG_LEVEL="INFO"))
    assert '"logger": "stripe"' in output
    assert "ana@example.com" not in output  # still masked by the redacting handler
    for name in ("stripe", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
