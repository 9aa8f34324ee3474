"""`widget-server stripe check` against the sandbox: what CI runs to catch drift."""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner

from widget_server.billing.contract import ContractCheck, LiveKeyRefused, Row, format_report
from widget_server.cli import main
from widget_server.sandbox import SandboxServer


@pytest.fixture(scope="module")
def empty_sandbox():
    with SandboxServer(seed=False) as server:
        yield server


def test_check_passes_against_the_sandbox_one_row_per_call(empty_sandbox: SandboxServer):
    requests.delete(f"{empty_sandbox.url}/_sandbox/requests", timeout=5)
    result = CliRunner().invoke(main, ["stripe", "check", "--stripe-key", "sk_test_ci",
                                       "--api-base", empty_sandbox.url])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "PASSED"
    log = requests.get(f"{empty_sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
    rows = [line for line in lines[1:] if " /v1/" in line]
    assert len(rows) == len([r for r in log if r["path"].startswith("/v1/")])
    assert all(line.endswith(" ok") for line in rows)
    for step in ("snapshot", "preview_change", "resubscribe", "pay_invoice",
                 "create_setup_intent", "cleanup: delete customer"):
        assert any(line.startswith(step) for line in rows), step


def test_check_cleans_up_what_it_created(empty_sandbox: SandboxServer):
    check = ContractCheck("sk_test_cleanup", api_base=empty_sandbox.url)
    assert check.run().ok
    state = requests.get(f"{empty_sandbox.url}/_sandbox/state", timeout=5).json()["objects"]
    mine = [o for table in state.values() for o in table.values()
            if (o.get("metadata") or {}).get("widget_server_check") == check.run_id]
    assert all(o.get("active") is False or o.get("status") in ("canceled",)
               or o.get("deleted") for o in mine), mine
    customers = [c for c in state["customer"].values() if c["id"] == check.state["customer"]]
    assert customers[0]["deleted"] is True
    assert check.state["coupon"] not in state.get("coupon", {})


@pytest.mark.parametrize("key", ["sk_live_123", "rk_live_123", "pk_test_123"])
def test_live_and_publishable_keys_are_refused(key: str):
    with pytest.raises(LiveKeyRefused):
        ContractCheck(key, api_base="http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["stripe", "check", "--stripe-key", key,
                                       "--api-base", "http://127.0.0.1:9"])
    assert result.exit_code != 0
    assert "refuses live keys" in result.output or "test-mode" in result.output


def test_a_restricted_key_lists_the_missing_permissions(empty_sandbox: SandboxServer):
    key = "rk_test_no_schedules"
    grants = {r: "write" for r in ("customer", "payment_method", "setup_intent", "product",
                                   "price", "coupon", "promotion_code", "subscription",
                                   "invoice")}
    grants["subscription_schedule"] = "read"
    requests.post(f"{empty_sandbox.url}/_sandbox/restricted_keys", timeout=5,
                  json={"key": key, "permissions": grants}).raise_for_status()
    result = CliRunner().invoke(main, ["stripe", "check", "--stripe-key", key,
                                       "--api-base", empty_sandbox.url])
    assert result.exit_code == 1
    assert "The key lacks these permissions: rak_subscription_schedule_write" in result.output
    assert "FAILED change_item_at_period_end, release" in result.output


def test_a_full_restricted_key_passes(empty_sandbox: SandboxServer):
    key = "rk_test_everything"
    grants = {r: "write" for r in ("customer", "payment_method", "setup_intent", "product",
                                   "price", "coupon", "promotion_code", "subscription",
                                   "invoice", "subscription_schedule")}
    requests.post(f"{empty_sandbox.url}/_sandbox/restricted_keys", timeout=5,
                  json={"key": key, "permissions": grants}).raise_for_status()
    assert ContractCheck(key, api_base=empty_sandbox.url).run().ok


def test_a_shape_problem_fails_the_row():
    row = Row("snapshot", "GET", "/v1/customers/cus_1", 200, ["missing email"])
    assert not row.ok
    from widget_server.billing.contract import Report

    text = format_report(Report(rows=[row]))
    assert "missing email" in text and text.endswith("FAILED")


def test_shape_problems_are_found_in_responses():
    from widget_server.billing.contract import Exchange, shape_problems

    good = {"id": "txi_1", "object": "tax_id"}
    problems = shape_problems(Exchange("GET", "/v1/customers/cus_1/tax_ids/txi_1", 200, good))
    assert "missing created" in problems
    odd = shape_problems(Exchange("GET", "/v1/customers/cus_1", 200, {
        "id": "cus_1", "object": "customer", "surprise": 1}))
    assert "undeclared surprise" in odd
