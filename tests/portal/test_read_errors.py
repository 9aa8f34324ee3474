"""Stripe failing behind the portal: one JSON error shape, the right status, then recovery."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account
from tests.portal.helpers import auth
from widget_server.accounts import CreatedAccount
from widget_server.billing_web import registry
from widget_server.sandbox import SandboxServer

pytestmark = pytest.mark.usefixtures("fresh_sandbox")


@pytest.fixture
def faults(sandbox: SandboxServer) -> Iterator[Callable[..., None]]:
    def inject(**body: Any) -> None:
        requests.post(f"{sandbox.url}/_sandbox/faults", json=body, timeout=5).raise_for_status()

    yield inject
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)


@pytest.mark.parametrize(("fault", "status", "code"), [
    ({"error_status": 500, "rate": 1.0}, 502, "billing_unavailable"),
    ({"error_status": 429, "rate": 1.0}, 429, "rate_limited"),
    ({"drop_connection": True, "rate": 1.0}, 502, "billing_unavailable"),
    ({"error_status": 500, "next": 1, "path": "/v1/subscriptions"}, 502, "billing_unavailable"),
])
@pytest.mark.parametrize("path", ["/v1/portal", "/v1/portal/invoices"])
def test_stripe_failures_become_json_errors_and_the_portal_recovers(
    app: Flask, client: FlaskClient, account: CreatedAccount, sandbox: SandboxServer,
    faults: Callable[..., None], fault: dict[str, Any], status: int, code: str, path: str,
) -> None:
    headers = auth(app, account, "cus_demo_ana")
    if path == "/v1/portal/invoices" and fault.get("path"):
        fault = {**fault, "path": "/v1/invoices"}
    faults(**fault)
    response = client.get(path, headers=headers)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert "sandbox" not in error["message"].lower()
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
    assert client.get(path, headers=headers).status_code == 200


def test_timeouts_are_billing_unavailable(
    app: Flask, client: FlaskClient, faults: Callable[..., None]
) -> None:
    registry(app).timeout = 0.2  # applies to clients built from now on (a new key)
    account = create_account(app, name="Other Co", stripe_key="sk_test_slowtimeout")
    faults(latency_ms=600)
    response = client.get("/v1/portal", headers=auth(app, account, "cus_demo_ana"))
    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "billing_unavailable"


def test_a_bad_stripe_key_is_explained(app: Flask, client: FlaskClient) -> None:
    account = create_account(app, name="Other Co", stripe_key="sk_live_revokedkey1234")
    response = client.get("/v1/portal", headers=auth(app, account, "cus_demo_ana"))
    assert response.status_code == 502
    error = response.get_json()["error"]
    assert error["code"] == "stripe_key_invalid"
    assert "Stripe key" in error["message"]


def test_a_deleted_customer_is_not_found(app: Flask, client: FlaskClient,
                                         account: CreatedAccount) -> None:
    response = client.get("/v1/portal", headers=auth(app, account, "cus_never_existed"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "customer_not_found"
