"""The /_sandbox control API: request log, faults, seed/wipe, clock, state."""

from __future__ import annotations

import time

import pytest
import requests
import stripe


def control(sandbox, method, path, **kwargs):
    response = requests.request(method, f"{sandbox.url}/_sandbox{path}", timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def test_request_log_records_v1_calls(client, sandbox):
    client.v1.customers.retrieve("cus_demo_ana")
    client.v1.customers.create({"email": "log@example.com"}, {"idempotency_key": "log-1"})
    log = control(sandbox, "GET", "/requests")["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("GET", "/v1/customers/cus_demo_ana", 200), ("POST", "/v1/customers", 200)]
    assert log[1]["idempotency_key"] == "log-1"
    control(sandbox, "DELETE", "/requests")
    assert control(sandbox, "GET", "/requests")["requests"] == []


def test_latency(client, sandbox):
    control(sandbox, "POST", "/faults", json={"latency_ms": 150})
    started = time.monotonic()
    client.v1.customers.retrieve("cus_demo_ana")
    assert time.monotonic() - started >= 0.15


def test_next_n_requests_fail_with_500(client, sandbox):
    control(sandbox, "POST", "/faults", json={"error_status": 500, "next": 2})
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.customers.retrieve("cus_demo_ana")
    assert client.v1.customers.retrieve("cus_demo_ana").id == "cus_demo_ana"


def test_429_is_rate_limit_error(client, sandbox):
    control(sandbox, "POST", "/faults", json={"error_status": 429, "next": 1})
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.retrieve("cus_demo_ana")


def test_rate_one_fails_everything_and_path_filter_limits_it(client, sandbox):
    control(sandbox, "POST", "/faults", json={"rate": 1.0, "path": "/v1/subscriptions"})
    assert client.v1.customers.retrieve("cus_demo_ana").id == "cus_demo_ana"
    with pytest.raises(stripe.APIError):
        client.v1.subscriptions.retrieve("sub_demo_ana")
    control(sandbox, "DELETE", "/faults")
    assert client.v1.subscriptions.retrieve("sub_demo_ana").id == "sub_demo_ana"


def test_dropped_connection_is_api_connection_error(client, sandbox):
    control(sandbox, "POST", "/faults", json={"drop_connection": True, "next": 1})
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.retrieve("cus_demo_ana")
    assert client.v1.customers.retrieve("cus_demo_ana").id == "cus_demo_ana"


def test_bad_fault_config_is_400(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json={"error_status": 418},
                             timeout=5)
    assert response.status_code == 400


def test_wipe_and_reseed(client, sandbox):
    control(sandbox, "DELETE", "/data")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_demo_ana")
    counts = control(sandbox, "POST", "/seed")["counts"]
    assert counts["customer"] >= 8
    assert client.v1.customers.retrieve("cus_demo_ana").email == "ana@example.com"


def test_state_dump_matches_api(client, sandbox):
    state = control(sandbox, "GET", "/state")["objects"]
    assert state["subscription"]["sub_demo_carla"]["status"] == "past_due"
    assert not any(k.startswith("_") for k in state["subscription"]["sub_demo_carla"])
    assert "number" not in str(state["payment_method"]["pm_demo_ana"]["card"].keys())


def test_concurrent_requests(client):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda i: client.v1.customers.create(
            {"email": f"c{i}@example.com"}).id, range(24)))
    assert len(set(made)) == 24
