"""The `widget-server` command, run in-process with click's runner against a temp database."""

import re

import pytest
from click.testing import CliRunner

from tests.helpers import ENCRYPTION_KEY
from widget_server.cli import main
from widget_server.identity import compute_identity_hash


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("WIDGET_SERVER_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", ENCRYPTION_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def create(cli, *extra: str) -> tuple[str, str]:
    result = cli("accounts", "create", "--name", "Acme", "--stripe-key", "sk_test_abc",
                 "--origin", "https://app.acme.test", *extra)
    assert result.exit_code == 0, result.output
    account = re.search(r"account:\s+(acct_\w+)", result.output).group(1)
    secret = re.search(r"hmac secret:\s+(\S+)", result.output).group(1)
    return account, secret


def test_create_list_show(cli):
    account, _secret = create(cli, "--set", "pause=true", "--set", "locale=de")
    listed = cli("accounts", "list")
    assert account in listed.output and "test" in listed.output
    shown = cli("accounts", "show", account)
    assert '"pause": true' in shown.output and '"locale": "de"' in shown.output
    assert "sk_test_abc" not in shown.output


def test_hash_matches_the_accounts_secret(cli):
    account, secret = create(cli)
    result = cli("hash", "--account", account, "Ana@Example.com")
    assert result.output.strip() == compute_identity_hash(secret, "Ana@Example.com")
    direct = cli("hash", "--secret", secret, "Ana@Example.com")
    assert direct.output == result.output


def test_rotate_secret_prints_a_new_one_and_hash_uses_it(cli):
    account, old = create(cli)
    result = cli("accounts", "rotate-secret", account, "--overlap", "60")
    new = re.search(r"new hmac secret: (\S+)", result.output).group(1)
    assert new != old and "60 seconds" in result.output
    assert cli("hash", "--account", account, "x").output.strip() == compute_identity_hash(new, "x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("accounts", "create", "--name", "A", "--stripe-key", "pk_test_1"), "publishable"),
        (("accounts", "create", "--name", "A", "--stripe-key", "sk_test_1", "--set", "bogus=1"),
         "unknown setting 'bogus'"),
        (("accounts", "create", "--name", "A", "--stripe-key", "sk_test_1", "--set", "pause"),
         "NAME=VALUE"),
        (("accounts", "show", "acct_missing"), "no account 'acct_missing'"),
        (("accounts", "rotate-secret", "acct_missing"), "no account"),
        (("hash", "someone@example.com"), "--account ACCOUNT_ID or --secret"),
    ],
)
def test_bad_input_fails_with_a_clear_message_and_changes_nothing(cli, args, message):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code != 0
    assert message in result.output
    assert "acct_" not in cli("accounts", "list").output


def test_production_without_secrets_is_a_clean_error(monkeypatch, tmp_path):
    monkeypatch.setenv("WIDGET_SERVER_ENV", "production")
    monkeypatch.delenv("WIDGET_SERVER_SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    result = CliRunner().invoke(main, ["accounts", "list"])
    assert result.exit_code == 1
    assert "WIDGET_SERVER_SECRET_KEY must be set" in result.output


def test_keys_generate_makes_a_usable_key():
    from widget_server.crypto import SecretBox

    key = CliRunner().invoke(main, ["keys", "generate"]).output.strip()
    assert SecretBox([key]).decrypt(SecretBox([key]).encrypt("x")) == "x"
