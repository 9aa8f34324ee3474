"""`stripe check --feature …` / `--account`: the read-only calls of show_entitlements,
show_usage and show_credit, against the sandbox, with a full key and a restricted one."""

from __future__ import annotations

import uuid

import pytest
import requests
import stripe
from click.testing import CliRunner

from tests.helpers import ENCRYPTION_KEY
from widget_server.billing.contract import ContractCheck
from widget_server.cli import main
from widget_server.sandbox import SandboxServer

ALL = ("--feature", "show_entitlements", "--feature", "show_usage", "--feature", "show_credit")
# every permission the portal itself needs, and none of Billing
PORTAL_ONLY = {r: "write" for r in ("customer", "payment_method", "setup_intent", "product",
                                    "price", "coupon", "promotion_code", "subscription",
                                    "invoice", "subscription_schedule")}


@pytest.fixture(scope="module")
def empty_sandbox():
    with SandboxServer(seed=False) as server:
        yield server


def _check(sandbox: SandboxServer, key: str, *args: str):
    return CliRunner().invoke(main, ["stripe", "check", "--stripe-key", key,
                                     "--api-base", sandbox.url, *args])


def _rows(output: str, step: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(step)]


def test_each_feature_reads_what_it_needs(empty_sandbox: SandboxServer):
    result = _check(empty_sandbox, "sk_test_optional", *ALL)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "GET /v1/products/prod_" in _rows(out, "show_entitlements: features")[0]
    meter = _rows(out, "show_usage: billing meter")
    # no meter in this account: a made-up one, whose "no such object" proves the permission
    assert any("/v1/billing/meters/mtr_widget_server_check" in r and " 404 " in r
               and r.endswith("ok (no such object: the key may read it)") for r in meter)
    assert " 404 " in _rows(out, "show_usage: meter event summaries")[0]
    credit = " ".join(_rows(out, "show_credit: balance, grants"))
    assert "/balance_transac" in credit and "/v1/billing/credit_grants" in credit
    assert "/v1/billing/credit_balance_summary" in _rows(out, "show_credit: grant balance")[0]
    for feature in ("show_entitlements", "show_usage", "show_credit"):
        assert f"{feature}: its calls work with this key" in out
    assert out.splitlines()[-1] == "PASSED"


def test_without_a_feature_nothing_optional_is_called(empty_sandbox: SandboxServer):
    requests.delete(f"{empty_sandbox.url}/_sandbox/requests", timeout=5)
    result = _check(empty_sandbox, "sk_test_plain")
    assert result.exit_code == 0, result.output
    log = requests.get(f"{empty_sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
    assert not [r for r in log if r["path"].startswith("/v1/billing")
                or r["path"].endswith("/features") or "balance_transactions" in r["path"]]
    assert "its calls" not in result.output


def test_an_existing_meter_is_read_for_real(empty_sandbox: SandboxServer):
    client = stripe.StripeClient("sk_test_meter", base_addresses={"api": empty_sandbox.url},
                                 max_network_retries=0)
    meter = client.v1.billing.meters.create({
        "display_name": "API calls", "event_name": f"api_call_{uuid.uuid4().hex[:8]}",
        "default_aggregation": {"formula": "sum"}})
    try:
        check = ContractCheck("sk_test_meter", api_base=empty_sandbox.url,
                              features=["show_usage"])
        report = check.run()
        assert report.ok, [(r.step, r.path, r.status, r.problems) for r in report.rows]
        paths = [r.path for r in report.rows if r.step.startswith("show_usage")]
        assert f"/v1/billing/meters/{meter.id}" in paths
        assert f"/v1/billing/meters/{meter.id}/event_summaries" in paths
        assert all(r.status == 200 for r in report.rows if r.step.startswith("show_usage")
                   and r.path != "/v1/billing/meters")
    finally:
        client.v1.billing.meters.deactivate(meter.id)


def test_a_restricted_key_without_billing_is_told_which_settings_fail(
        empty_sandbox: SandboxServer):
    key = "rk_test_portal_only"
    requests.post(f"{empty_sandbox.url}/_sandbox/restricted_keys", timeout=5,
                  json={"key": key, "permissions": PORTAL_ONLY}).raise_for_status()
    plain = _check(empty_sandbox, key)
    assert plain.exit_code == 0, plain.output  # enough for the portal itself
    result = _check(empty_sandbox, key, *ALL)
    assert result.exit_code == 1
    out = result.output
    assert any(" 403 " in r and r.endswith("needs rak_billing_read")
               for r in _rows(out, "show_usage: billing meter"))
    assert ("show_usage: its calls fail with this key (needs rak_billing_read); the portal "
            "would show an error in its place") in out
    assert "show_credit: its calls fail with this key (needs rak_billing_read)" in out
    assert "show_entitlements: its calls work with this key" in out  # the product permission
    assert "The key lacks these permissions: rak_billing_read" in out
    assert out.splitlines()[-1] == "FAILED"


def test_a_billing_read_permission_is_enough(empty_sandbox: SandboxServer):
    key = "rk_test_with_billing_read"
    grants = {**PORTAL_ONLY, "billing": "read"}
    requests.post(f"{empty_sandbox.url}/_sandbox/restricted_keys", timeout=5,
                  json={"key": key, "permissions": grants}).raise_for_status()
    assert _check(empty_sandbox, key, *ALL).exit_code == 0


def test_a_fault_on_an_optional_call_fails_its_setting(empty_sandbox: SandboxServer):
    requests.post(f"{empty_sandbox.url}/_sandbox/faults", timeout=5, json={
        "path": "/v1/billing/credit_grants", "error_status": 500, "rate": 1}).raise_for_status()
    try:
        result = _check(empty_sandbox, "sk_test_fault", "--feature", "show_credit")
    finally:
        requests.delete(f"{empty_sandbox.url}/_sandbox/faults", timeout=5)
    assert result.exit_code == 1
    assert "show_credit: its calls fail with this key (" in result.output


def test_the_account_settings_choose_the_features(empty_sandbox: SandboxServer, tmp_path,
                                                   monkeypatch):
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("WIDGET_SERVER_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", ENCRYPTION_KEY)
    monkeypatch.setenv("WIDGET_SERVER_PUBLIC_URL", "https://portal.example.com")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    created = CliRunner().invoke(main, ["accounts", "create", "--name", "Acme", "--stripe-key",
                                        "sk_test_abc", "--set", "show_usage=true"])
    assert created.exit_code == 0, created.output
    account = created.output.split()[1]
    client = stripe.StripeClient("sk_test_hook", base_addresses={"api": empty_sandbox.url},
                                 max_network_retries=0)
    client.v1.webhook_endpoints.create({
        "url": f"https://portal.example.com/v1/stripe/webhooks/{account}",
        "enabled_events": ["*"]})
    result = _check(empty_sandbox, "sk_test_account", "--account", account)
    assert f"{account}: optional settings on: show_usage" in result.output
    assert "show_usage: its calls work with this key" in result.output
    assert "show_credit:" not in result.output and result.exit_code == 0, result.output
    unknown = _check(empty_sandbox, "sk_test_account", "--account", "acct_elsewhere")
    assert "acct_elsewhere: not in this server's database" in unknown.output
