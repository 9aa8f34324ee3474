"""`widget-server accounts set-webhook-secret` and `stripe check --webhook-url/--account`."""

from __future__ import annotations

import pytest
import requests
import stripe
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.helpers import ENCRYPTION_KEY
from widget_server.billing.webhooks import WEBHOOK_EVENTS
from widget_server.cli import main
from widget_server.crypto import SecretBox
from widget_server.sandbox import SandboxServer

SECRET = "whsec_" + "c" * 32


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("WIDGET_SERVER_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", ENCRYPTION_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)

    def run(*args: str):
        return CliRunner().invoke(main, list(args))

    return run


def _account(cli) -> str:
    result = cli("accounts", "create", "--name", "Acme", "--stripe-key", "sk_test_abc")
    assert result.exit_code == 0, result.output
    return result.output.split()[1]


def _stored(tmp_path) -> tuple[str | None, list[str]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        secret = connection.execute(text(
            "SELECT webhook_secret_encrypted FROM accounts")).scalar_one()
        audits = [r[0] for r in connection.execute(text(
            "SELECT action FROM audit_events ORDER BY id"))]
    engine.dispose()
    return (SecretBox([ENCRYPTION_KEY]).decrypt(secret) if secret else None), audits


def test_set_and_remove_the_webhook_secret(cli, tmp_path):
    account = _account(cli)
    result = cli("accounts", "set-webhook-secret", account, "--secret", SECRET)
    assert result.exit_code == 0, result.output
    assert f"/v1/stripe/webhooks/{account}" in result.output and SECRET not in result.output
    assert _stored(tmp_path) == (SECRET, ["cli.webhook_secret.update"])
    result = cli("accounts", "set-webhook-secret", account, "--remove")
    assert result.exit_code == 0, result.output
    assert _stored(tmp_path) == (None, ["cli.webhook_secret.update", "cli.webhook_secret.remove"])


def test_the_secret_can_come_from_the_environment(cli, tmp_path, monkeypatch):
    account = _account(cli)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    assert cli("accounts", "set-webhook-secret", account).exit_code == 0
    assert _stored(tmp_path)[0] == SECRET


@pytest.mark.parametrize("args", [
    ("--secret", "not-a-secret"), ("--secret", SECRET, "--remove"), (),
])
def test_bad_input_changes_nothing(cli, tmp_path, args):
    account = _account(cli)
    result = cli("accounts", "set-webhook-secret", account, *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert _stored(tmp_path) == (None, [])


def test_an_unknown_account(cli):
    _account(cli)
    result = cli("accounts", "set-webhook-secret", "acct_nope", "--secret", SECRET)
    assert result.exit_code == 1 and "no account 'acct_nope'" in result.output


# --- stripe check ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_sandbox():
    with SandboxServer(seed=False) as server:
        yield server


def _endpoints(sandbox: SandboxServer) -> stripe.StripeClient:
    client = stripe.StripeClient("sk_test_arrange", base_addresses={"api": sandbox.url})
    for endpoint in client.v1.webhook_endpoints.list({"limit": 100}).data:
        client.v1.webhook_endpoints.delete(endpoint.id)
    return client


def _check(sandbox: SandboxServer, *extra: str):
    requests.delete(f"{sandbox.url}/_sandbox/requests", timeout=5)
    return CliRunner().invoke(main, ["stripe", "check", "--stripe-key", "sk_test_ci",
                                     "--api-base", sandbox.url, *extra])


URL = "https://portal.example.com/v1/stripe/webhooks/acct_1"


def test_check_says_when_no_endpoint_sends_to_the_service(empty_sandbox: SandboxServer):
    _endpoints(empty_sandbox)
    result = _check(empty_sandbox, "--webhook-url", URL)
    assert result.exit_code == 1
    assert f"webhook: no endpoint sends to {URL}" in result.output


def test_check_names_missing_events_and_disabled_endpoints(empty_sandbox: SandboxServer):
    client = _endpoints(empty_sandbox)
    endpoint = client.v1.webhook_endpoints.create(
        {"url": URL, "enabled_events": ["customer.updated"]})
    result = _check(empty_sandbox, "--webhook-url", URL)
    assert result.exit_code == 1
    assert f"endpoint {endpoint.id}" in result.output and "invoice.paid" in result.output
    client.v1.webhook_endpoints.update(endpoint.id, {"enabled_events": ["*"],
                                                     "disabled": True})
    result = _check(empty_sandbox, "--webhook-url", URL)
    assert result.exit_code == 1 and "is disabled" in result.output


def test_check_passes_with_an_enabled_endpoint_for_every_event(empty_sandbox: SandboxServer,
                                                               monkeypatch):
    client = _endpoints(empty_sandbox)
    client.v1.webhook_endpoints.create({"url": "https://elsewhere.example/hook",
                                        "enabled_events": ["*"]})
    endpoint = client.v1.webhook_endpoints.create({"url": URL,
                                                   "enabled_events": list(WEBHOOK_EVENTS)})
    result = _check(empty_sandbox, "--webhook-url", URL)
    assert result.exit_code == 0, result.output
    assert f"webhook: endpoint {endpoint.id} sends every needed event to {URL}" in result.output
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("WIDGET_SERVER_PUBLIC_URL", "https://portal.example.com")
    assert _check(empty_sandbox, "--account", "acct_1").exit_code == 0


def test_check_by_account_needs_the_public_url(empty_sandbox: SandboxServer, monkeypatch):
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.delenv("WIDGET_SERVER_PUBLIC_URL", raising=False)
    result = _check(empty_sandbox, "--account", "acct_1")
    assert result.exit_code == 1 and "WIDGET_SERVER_PUBLIC_URL" in result.output


def _view_tokens(tmp_path) -> dict[str, str]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        found = {r[0]: r[1] for r in connection.execute(text(
            "SELECT name, token FROM view_tokens"))
            if not r[0].startswith("account-row:")}  # the account cache's (portal/account_cache)
    engine.dispose()
    return found


def test_the_cli_forgets_the_accounts_views_for_every_server_process(cli, tmp_path):
    """The command is a process of its own: the servers' snapshots are forgotten through the
    generation token it writes in the shared database (no Redis here)."""
    account = _account(cli)
    assert _view_tokens(tmp_path) == {}
    assert cli("accounts", "set-webhook-secret", account, "--secret", SECRET).exit_code == 0
    first = _view_tokens(tmp_path)
    assert set(first) == {account}
    assert cli("accounts", "set-webhook-secret", account, "--remove").exit_code == 0
    assert set(_view_tokens(tmp_path)) == {account}
    assert _view_tokens(tmp_path)[account] != first[account]
