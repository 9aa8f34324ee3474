"""Helpers for the embed-session, hosted-session, CORS/CSP and OpenAPI tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import create_account
from widget_server import db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.identity import compute_identity_hash
from widget_server.sandbox import SandboxServer

HOST_ORIGIN = "http://localhost:5000"
ANA = "ana@example.com"


class StripeCalls:
    """Counts the requests the Stripe sandbox received (its /_sandbox/requests log)."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.url = sandbox.url + "/_sandbox/requests"

    def clear(self) -> None:
        requests.delete(self.url, timeout=5).raise_for_status()

    def count(self) -> int:
        found = requests.get(self.url, timeout=5).json()["requests"]
        return len(found)


@pytest.fixture
def stripe_calls(sandbox: SandboxServer) -> StripeCalls:
    calls = StripeCalls(sandbox)
    calls.clear()
    return calls


def update_account(app: Flask, public_id: str, **settings: Any) -> None:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        account = service.get(public_id)
        assert account is not None
        origins = settings.pop("allowed_origins", None)
        if origins is not None:
            service.set_allowed_origins(account, origins)
        if settings:
            service.update_settings(account, settings)


@pytest.fixture
def make_account(app: Flask) -> Callable[..., CreatedAccount]:
    def make(**kwargs: Any) -> CreatedAccount:
        return create_account(app, **kwargs)

    return make


def post_session(client: FlaskClient, created: CreatedAccount | None = None, *,
                 account: str | None = None, identifier: str = ANA, kind: str = "email",
                 hash: str | None = None, origin: str | None = HOST_ORIGIN,
                 **extra: Any) -> TestResponse:
    """POST /v1/embed/session with a correct hash unless one is given."""
    body: dict[str, Any] = {"account": account or (created.account.public_id if created else ""),
                            kind: identifier, **extra}
    if hash is None and created is not None:
        hash = compute_identity_hash(created.hmac_secret, identifier)
    if hash is not None:
        body["hash"] = hash
    headers = {"Origin": origin} if origin else {}
    return client.post("/v1/embed/session", json=body, headers=headers)
