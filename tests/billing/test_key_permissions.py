"""The restricted-key permissions the portal needs: derived from the calls the billing code makes,
and verified against the sandbox (which refuses, as Stripe does, what a key was not granted)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import stripe

from widget_server.billing import key_check
from widget_server.billing.key_check import REQUIRED, KeyVerdict, check_stripe_key
from widget_server.sandbox import SandboxServer

BILLING = Path(key_check.__file__).parent
# Files that run Stripe calls only for `stripe check` or this check itself.
NOT_THE_PORTAL = {"contract.py", "contract_steps.py", "contract_optional.py",
                  "contract_interval.py", "key_check.py"}
CALL = re.compile(r"\.v1\.((?:[a-z_]+\.)+[a-z_]+)\(")


@pytest.fixture(scope="module")
def bare_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=False) as server:
        yield server


def _client(sandbox: SandboxServer, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": sandbox.url}, max_network_retries=0)


def _restricted(sandbox: SandboxServer, key: str, grants: dict[str, str]) -> str:
    answer = requests.post(sandbox.url + "/_sandbox/restricted_keys",
                           json={"key": key, "permissions": grants}, timeout=5)
    assert answer.status_code == 200, answer.text
    return key


def _everything() -> dict[str, str]:
    return {p.resource: p.level for p in REQUIRED}


def test_the_list_is_exactly_the_calls_the_portal_code_makes() -> None:
    found = set()
    for path in BILLING.glob("*.py"):
        if path.name not in NOT_THE_PORTAL:
            found |= set(CALL.findall(path.read_text(encoding="utf-8")))
    assert found == set(key_check.PORTAL_CALLS | key_check.OPTIONAL_CALLS)
    assert not key_check.PORTAL_CALLS & key_check.OPTIONAL_CALLS


def test_the_required_permissions_are_the_documented_ones() -> None:
    codes = {p.code for p in REQUIRED}
    assert codes == {
        "rak_coupon_read", "rak_customer_write", "rak_invoice_write",
        "rak_payment_intent_read", "rak_payment_method_write", "rak_price_read",
        "rak_product_read", "rak_promotion_code_read", "rak_setup_intent_write",
        "rak_subscription_write", "rak_subscription_schedule_write",
    }


def test_a_restricted_key_with_every_permission_is_valid(bare_sandbox: SandboxServer) -> None:
    key = _restricted(bare_sandbox, "rk_test_everything", _everything())
    check = check_stripe_key(_client(bare_sandbox, key), restricted=True)
    assert check.ok and check.missing == ()


def test_a_missing_permission_is_named(bare_sandbox: SandboxServer) -> None:
    grants = _everything() | {"subscription_schedule": "read", "coupon": "none"}
    key = _restricted(bare_sandbox, "rk_test_two_missing", grants)
    check = check_stripe_key(_client(bare_sandbox, key), restricted=True)
    assert check.verdict is KeyVerdict.NO_PERMISSION
    assert [(p.label, p.level) for p in check.missing] == [
        ("Coupons", "read"), ("Subscription schedules", "write")]
    assert [p.code for p in check.missing] == [
        "rak_coupon_read", "rak_subscription_schedule_write"]


def test_a_key_without_customer_access_lists_every_missing_permission(
    bare_sandbox: SandboxServer,
) -> None:
    key = _restricted(bare_sandbox, "rk_test_nothing", {})
    check = check_stripe_key(_client(bare_sandbox, key), restricted=True)
    assert check.verdict is KeyVerdict.NO_PERMISSION
    assert set(check.missing) == set(REQUIRED)


def test_probing_changes_nothing_in_stripe(bare_sandbox: SandboxServer) -> None:
    key = _restricted(bare_sandbox, "rk_test_probe", _everything())
    check_stripe_key(_client(bare_sandbox, key), restricted=True)
    state = requests.get(f"{bare_sandbox.url}/_sandbox/state", timeout=5).json()["objects"]
    assert not any(state.values())


def test_a_secret_key_is_checked_with_one_read(bare_sandbox: SandboxServer) -> None:
    requests.delete(f"{bare_sandbox.url}/_sandbox/requests", timeout=5)
    assert check_stripe_key(_client(bare_sandbox, "sk_test_one_read")).ok
    log = requests.get(f"{bare_sandbox.url}/_sandbox/requests", timeout=5).json()["requests"]
    assert [(r["method"], r["path"]) for r in log] == [("GET", "/v1/customers")]


def test_an_unknown_key_is_invalid_before_any_probe(bare_sandbox: SandboxServer) -> None:
    check = check_stripe_key(_client(bare_sandbox, "rk_live_unknown"), restricted=True)
    assert check.verdict is KeyVerdict.INVALID and check.missing == ()
