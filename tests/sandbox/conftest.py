"""Fixtures: a running sandbox (empty or seeded) and an official StripeClient pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from widget_server.sandbox import SandboxServer


@pytest.fixture(scope="session")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=True) as srv:
        yield srv


@pytest.fixture
def sandbox(server: SandboxServer) -> Iterator[SandboxServer]:
    """The shared server, reseeded with no faults before each test."""
    requests.post(f"{server.url}/_sandbox/seed", timeout=10).raise_for_status()
    requests.delete(f"{server.url}/_sandbox/faults", timeout=10)
    requests.delete(f"{server.url}/_sandbox/requests", timeout=10)
    yield server
    requests.delete(f"{server.url}/_sandbox/faults", timeout=10)


@pytest.fixture
def client(sandbox: SandboxServer) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_sandbox", base_addresses={"api": sandbox.url},
                               max_network_retries=0)


@pytest.fixture
def raw(sandbox: SandboxServer) -> Any:
    """A tiny helper for form-encoded calls the SDK would not make (bad params, bad keys)."""

    class Raw:
        def __call__(self, method: str, path: str, key: str | None = "sk_test_raw",
                     **kwargs: Any) -> requests.Response:
            headers = kwargs.pop("headers", {})
            if key:
                headers["Authorization"] = f"Bearer {key}"
            return requests.request(method, sandbox.url + path, headers=headers, timeout=10,
                                    **kwargs)

    return Raw()


@pytest.fixture
def customer_with_card(client: stripe.StripeClient) -> Any:
    """A factory: a new customer with a default test card."""

    def make(number: str = "4242424242424242", email: str = "new@example.com") -> Any:
        customer = client.v1.customers.create({"email": email})
        pm = client.v1.payment_methods.create(
            {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2031,
                                      "cvc": "123"}})
        client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
        client.v1.customers.update(
            customer.id, {"invoice_settings": {"default_payment_method": pm.id}})
        return customer, pm

    return make
