"""Tests cannot reach the network: pytest-socket allows connections to this machine only."""

from __future__ import annotations

import socket

import pytest
import requests
from pytest_socket import SocketConnectBlockedError

from widget_server.sandbox import SandboxServer


@pytest.mark.parametrize("address", [("192.0.2.1", 443), ("10.0.0.1", 80)])
@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_a_connection_off_this_machine_is_refused_before_it_starts(
        address: tuple[str, int]) -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(address, timeout=1)


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_a_stripe_call_to_the_real_api_cannot_leave_the_machine() -> None:
    """The guard's error, raised or wrapped; a mere timeout (no guard) must not pass."""
    with pytest.raises((SocketConnectBlockedError, requests.ConnectionError)) as raised:
        requests.get("https://192.0.2.1/v1/customers", timeout=1)
    causes: list[BaseException] = []
    error: BaseException | None = raised.value
    while error is not None and len(causes) < 20:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, SocketConnectBlockedError) for e in causes), causes


def test_loopback_is_allowed(sandbox: SandboxServer) -> None:
    assert requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).status_code == 200
