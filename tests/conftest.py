"""Shared fixtures: an app on a fresh database, a running Stripe sandbox, a demo account, and
the portal test helper. Plain helpers (make_test_app, create_account) are in tests/helpers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account, make_test_app
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One seeded Stripe sandbox for the session; tests that write reseed what they need."""
    server = SandboxServer(seed=True).start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path: Path, sandbox: SandboxServer) -> Iterator[Flask]:
    application = make_test_app(tmp_path, sandbox.url)
    yield application
    db.get_database(application).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def account(app: Flask) -> CreatedAccount:
    """A test-mode account whose Stripe key points at the sandbox."""
    return create_account(app)


@pytest.fixture
def portal(app: Flask, client: FlaskClient, account: CreatedAccount,
           sandbox: SandboxServer) -> Iterator[Portal]:
    """A reseeded sandbox with no faults and an empty request log, and the test account
    (tests/portal/helpers.py: calls as a customer, Stripe's state, the audit log)."""
    helper = Portal(app, client, account, sandbox)
    helper.control("POST", "/seed")
    helper.clear_faults()
    helper.clear_log()
    yield helper
    helper.clear_faults()
    # Leave Stripe's state as a test without this fixture expects it (Ana's email, Ben's
    # cards…): tests share one sandbox per worker, in whatever order xdist deals them out.
    helper.control("POST", "/seed")
