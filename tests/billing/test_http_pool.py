"""The pooled HTTP client: straight to the origin's pool, or through the environment's proxy."""

from __future__ import annotations

import json
import socket

import pytest
import stripe

from widget_server.billing.http import PooledHTTPClient
from widget_server.sandbox import SandboxServer

STRIPE_KEY = "sk_test_widgetserver"  # the account key tests/billing/conftest.py uses
HEADERS = {"Authorization": f"Bearer {STRIPE_KEY}"}


def _closed_port() -> int:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_direct_request_keeps_the_query_and_reuses_its_connection(
    sandbox: SandboxServer,
) -> None:
    client = PooledHTTPClient(5, environ_proxies={})
    url = f"{sandbox.url}/v1/customers/cus_demo_ana?expand%5B0%5D=tax_ids"
    for _ in range(3):
        body, status, _headers = client.request("get", url, HEADERS)
        assert status == 200
        found = json.loads(body)
        assert found["id"] == "cus_demo_ana" and found["tax_ids"]["object"] == "list"
    assert client._direct.connection_from_url(url).num_connections == 1
    client.close()


def test_error_status_is_returned_not_raised(sandbox: SandboxServer) -> None:
    client = PooledHTTPClient(5, environ_proxies={})
    body, status, _headers = client.request("get", f"{sandbox.url}/v1/customers/cus_nobody",
                                            HEADERS)
    assert status == 404 and json.loads(body)["error"]["code"] == "resource_missing"


def test_a_proxy_from_the_environment_is_used(sandbox: SandboxServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy is dead, so the request fails: it did not go straight to the sandbox."""
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    client = PooledHTTPClient(2, environ_proxies={"http": f"http://127.0.0.1:{_closed_port()}"})
    with pytest.raises(stripe.APIConnectionError):
        client.request("get", f"{sandbox.url}/v1/customers/cus_demo_ana", HEADERS)


def test_no_proxy_sends_direct(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    client = PooledHTTPClient(2, environ_proxies={"http": f"http://127.0.0.1:{_closed_port()}"})
    _body, status, _headers = client.request("get", f"{sandbox.url}/v1/customers/cus_demo_ana",
                                             HEADERS)
    assert status == 200


def test_connection_refused_is_a_retryable_connection_error() -> None:
    client = PooledHTTPClient(2, environ_proxies={})
    with pytest.raises(stripe.APIConnectionError) as raised:
        client.request("get", f"http://127.0.0.1:{_closed_port()}/v1/customers", HEADERS)
    assert raised.value.should_retry
