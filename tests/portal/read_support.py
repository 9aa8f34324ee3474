"""Shared by the read-path tests: a freshly seeded sandbox per test, tokens, settings."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask

from widget_server import db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.identity import issue_portal_token
from widget_server.sandbox import SandboxServer


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxServer) -> None:
    """Write tests leave the shared sandbox changed: start each read test from the seed.

    Autouse in every module that imports it."""
    requests.post(f"{sandbox.url}/_sandbox/seed", timeout=10).raise_for_status()
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)


def auth(app: Flask, account: CreatedAccount, *customer_ids: str) -> dict[str, str]:
    token, _expires = issue_portal_token(
        app.config["SECRET_KEY"], account_id=account.account.public_id,
        customer_ids=list(customer_ids), mode="embed", ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def configure(app: Flask, account: CreatedAccount, **changes: Any) -> None:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        found = service.get(account.account.public_id)
        assert found is not None
        service.update_settings(found, changes)
