"""An app whose account has every feature on, with a portal token and an API key, so that a
request reaches body validation (a disabled feature would answer 403 before it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers import TEST_PUBLISHABLE_KEY, create_account
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.features import FEATURES
from widget_server.identity import issue_portal_token
from widget_server.models import Account
from widget_server.sandbox import SandboxServer

CUSTOMER = "cus_demo_ana"
ALL_ON = {f.name: True for f in FEATURES if f.kind == "bool" and f.name not in {"debug"}}


@dataclass(frozen=True)
class Contract:
    app: Flask
    client: FlaskClient
    document: dict[str, Any]
    portal_headers: dict[str, str]
    api_headers: dict[str, str]

    def reset_settings(self) -> None:
        """Every feature on again (the settings API may have changed them)."""
        with db.session_scope(self.app) as session:
            account = session.scalars(select(Account)).one()
            account.settings = {}
            AccountService(session, secret_box(self.app)).update_settings(
                account, {**ALL_ON, "stripe_publishable_key": TEST_PUBLISHABLE_KEY})

    def headers_for(self, operation: dict[str, Any]) -> dict[str, str]:
        scheme = next(iter(operation["security"][0]), None) if operation["security"] else None
        return {"portalToken": self.portal_headers, "apiKey": self.api_headers}.get(
            scheme or "", {})


@pytest.fixture
def contract(app: Flask, client: FlaskClient, sandbox: SandboxServer) -> Iterator[Contract]:
    created = create_account(app)
    with db.session_scope(app) as session:
        account = session.get(Account, created.account.id)
        assert account is not None
        service = AccountService(session, secret_box(app))
        service.update_settings(account, ALL_ON)
        api_key = service.create_api_key(account)
    token, _expires = issue_portal_token(
        app.config["SECRET_KEY"], account_id=created.account.public_id,
        customer_ids=[CUSTOMER], mode="embed", ttl_seconds=3600)
    document = client.get("/v1/openapi.json").get_json()
    yield Contract(app, client, document, {"Authorization": f"Bearer {token}"},
                   {"Authorization": f"Bearer {api_key}"})
    # The generated requests change Stripe's state (Ana's email, say): leave it as tests
    # without this fixture expect it, whatever worker runs them next.
    requests.post(sandbox.url + "/_sandbox/seed", timeout=30).raise_for_status()
