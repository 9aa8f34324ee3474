"""Fixtures for the billing gateway tests: a gateway on the sandbox, and its request log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from widget_server.billing.gateway import StripeGateway
from widget_server.billing_web import billing_factory
from widget_server.sandbox import SandboxServer

STRIPE_KEY = "sk_test_widgetserver"


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxServer) -> None:
    """Write tests leave the shared sandbox changed: start each read test from the seed."""
    requests.post(f"{sandbox.url}/_sandbox/seed", timeout=10).raise_for_status()
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)


@pytest.fixture
def gateway(app: Flask) -> Iterator[StripeGateway]:
    """A gateway built the production way (registry, shared pool, catalog cache)."""
    with app.app_context():
        yield billing_factory().gateway(STRIPE_KEY)


@pytest.fixture
def stripe_calls(sandbox: SandboxServer) -> Callable[[], list[dict[str, Any]]]:
    """Clears the sandbox's request log; calling the result returns the /v1 calls since."""
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=5)

    def calls() -> list[dict[str, Any]]:
        log = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
        return [r for r in log if r["path"].startswith("/v1/")]

    return calls


@pytest.fixture
def sandbox_state(sandbox: SandboxServer) -> Callable[[], dict[str, Any]]:
    def state() -> dict[str, Any]:
        objects: dict[str, Any] = requests.get(
            f"{sandbox.url}/_sandbox/state", timeout=5).json()["objects"]
        return objects

    return state


@pytest.fixture
def faults(sandbox: SandboxServer) -> Iterator[Callable[..., None]]:
    """Inject Stripe failures; always cleared after the test."""

    def inject(**body: Any) -> None:
        requests.post(f"{sandbox.url}/_sandbox/faults", json=body, timeout=5).raise_for_status()

    yield inject
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
