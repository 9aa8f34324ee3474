"""Finding: hosted one-time codes in the access log, SetupIntent client secrets at DEBUG and
customer emails at INFO. A full run is logged at DEBUG through the service's own handler and
searched: no secret, code, client secret, token, hash or card number, no email in clear; every
line is JSON with the request id."""

from __future__ import annotations

import io
import json
import logging
import re

import stripe
from flask import Flask

from tests.dashboard.helpers import PASSWORD, create_owner, give_account, login, page_token
from tests.security.helpers import HOST_ORIGIN, api_key_for, hosted_url
from widget_server.identity import compute_identity_hash
from widget_server.logs import make_handler, redact
from widget_server.sandbox import SandboxServer


def test_a_full_run_logs_no_secrets(app: Flask, sandbox: SandboxServer) -> None:
    buffer = io.StringIO()
    handler = make_handler("json", buffer)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    stripe_log, stripe.log = stripe.log, "debug"  # type: ignore[attr-defined]
    # quiet by default (STRIPE_LOG_LEVEL): this run checks their lines are redacted too
    for name in ("stripe", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    seen: list[str] = []
    try:
        owner_id = create_owner(app, "owner.logs@example.com")
        created = give_account(app, owner_id)
        public_id = created.account.public_id
        client = app.test_client()
        ana = "ana@example.com"
        good = compute_identity_hash(created.hmac_secret, ana)
        session = client.post("/v1/embed/session", headers={"Origin": HOST_ORIGIN}, json={
            "account": public_id, "email": ana, "hash": good}).get_json()
        token = session["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        client.post("/v1/embed/session", headers={"Origin": HOST_ORIGIN}, json={
            "account": public_id, "email": "ben@example.com", "hash": "1" * 64})
        client.get("/v1/portal", headers=bearer)
        intent = client.post("/v1/portal/payment_method/setup_intent",
                             headers={**bearer, "Idempotency-Key": "intent-logs-00000001"})
        client_secret = intent.get_json()["client_secret"]
        key = api_key_for(app, public_id)
        hosted = hosted_url(client, key)
        code = hosted.rsplit("/", 1)[1]
        client.get(hosted)
        client.get(hosted)  # used: 410, logged too
        dashboard = app.test_client()
        login(dashboard, "owner.logs@example.com", PASSWORD)
        rotated = dashboard.post(f"/dashboard/accounts/{public_id}/rotate-secret", data={
            "confirm": "yes", "csrf_token": page_token(dashboard, public_id)})
        new_secret = re.search(r'<pre id="new-secret"><code>([^<]+)</code>',
                               rotated.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        logging.getLogger("probe").info("card 4242 4242 4242 4242 and 4000002500003155 seen")
        seen = [token, client_secret, code, key, created.hmac_secret, new_secret, good,
                "sk_test_widgetserver", ana, "ana%40example.com", "owner.logs@example.com",
                "4242 4242 4242 4242", "4000002500003155", PASSWORD]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        stripe.log = stripe_log  # type: ignore[attr-defined]
        for name in ("stripe", "urllib3"):
            logging.getLogger(name).setLevel(logging.WARNING)
    output = buffer.getvalue()
    lines = output.splitlines()
    assert len(lines) > 20, output  # the run really was logged (Stripe calls, requests)
    for secret in seen:
        assert secret not in output, secret
    parsed = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(p) for p in parsed)
    assert any(p.get("request_id") for p in parsed)
    assert any("a***@example.com" in p["message"] for p in parsed)  # masked, not dropped


def test_requests_get_an_id_that_is_echoed(app: Flask) -> None:
    client = app.test_client()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{24}", generated)
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234567890"}).headers[
        "X-Request-ID"] == "lb-1234567890"
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers[
        "X-Request-ID"] != "<script>"


def test_the_gunicorn_access_log_redacts_hosted_codes() -> None:
    from widget_server.server import RedactingAccessLogger

    assert RedactingAccessLogger is not None
    line = redact('"GET /portal/session/AbC-123_xyz HTTP/1.1" 200')
    assert "AbC-123_xyz" not in line and "/portal/session/[redacted]" in line
