"""Fixtures of the portal tests (`portal` itself is in tests/conftest.py: security tests use it)."""

from __future__ import annotations

import pytest
import requests

from widget_server.sandbox import SandboxServer


@pytest.fixture
def fresh_sandbox(sandbox: SandboxServer) -> None:
    """Write tests leave the shared sandbox changed: the read tests start each from the seed
    (``pytestmark = pytest.mark.usefixtures("fresh_sandbox")``)."""
    requests.post(f"{sandbox.url}/_sandbox/seed", timeout=10).raise_for_status()
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
