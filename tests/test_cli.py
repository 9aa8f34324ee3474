"""The `widget-server` command, run in-process with click's runner against a temp database."""

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tests.helpers import ENCRYPTION_KEY
from widget_server.cli import main
from widget_server.crypto import SecretBox, SecretBoxError, generate_key
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


# --------------------------------------------------------------------------- Stripe key


@pytest.fixture
def cli_with_stripe(cli, monkeypatch, sandbox):
    monkeypatch.setenv("WIDGET_SERVER_STRIPE_API_BASE", sandbox.url)
    monkeypatch.setenv("WIDGET_SERVER_STRIPE_MAX_RETRIES", "0")
    return cli


def _stored_rows(tmp_path) -> tuple[list[dict], list]:
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(text(
            "SELECT stripe_key_encrypted, hmac_secret_encrypted, previous_hmac_secret_encrypted,"
            " live_mode FROM accounts")).mappings()]
        audits = connection.execute(text(
            "SELECT action, detail FROM audit_events")).all()
    engine.dispose()
    return rows, audits


def test_set_stripe_key_checks_the_key_with_stripe_and_audits(cli_with_stripe, tmp_path):
    account, _secret = create(cli_with_stripe)
    result = cli_with_stripe("accounts", "set-stripe-key", account, "--stripe-key",
                             "sk_test_from_the_cli")
    assert result.exit_code == 0, result.output
    assert "test-mode Stripe key" in result.output
    rows, audits = _stored_rows(tmp_path)
    assert SecretBox([ENCRYPTION_KEY]).decrypt(rows[0]["stripe_key_encrypted"]) == (
        "sk_test_from_the_cli")
    assert [a for a, _d in audits] == ["cli.stripe_key.update"]
    assert "sk_test_from_the_cli" not in str(audits)


@pytest.mark.parametrize(("key", "message"), [
    ("pk_test_publishable", "publishable keys"),
    ("sk_live_unknown_to_stripe", "Stripe refused the key"),
])
def test_set_stripe_key_refuses_keys_stripe_would_refuse(cli_with_stripe, tmp_path, key, message):
    account, _secret = create(cli_with_stripe)
    result = CliRunner().invoke(main, ["accounts", "set-stripe-key", account, "--stripe-key", key])
    assert result.exit_code == 1
    assert message in result.output
    rows, audits = _stored_rows(tmp_path)
    assert SecretBox([ENCRYPTION_KEY]).decrypt(rows[0]["stripe_key_encrypted"]) == "sk_test_abc"
    assert audits == []


def test_set_stripe_key_names_the_permissions_a_restricted_key_lacks(cli_with_stripe, tmp_path,
                                                                      sandbox):
    import requests

    key = "rk_test_cli_without_schedules"
    requests.post(sandbox.url + "/_sandbox/restricted_keys", timeout=5, json={
        "key": key, "permissions": {"customer": "write", "subscription": "write"}})
    account, _secret = create(cli_with_stripe)
    result = CliRunner().invoke(main, ["accounts", "set-stripe-key", account, "--stripe-key", key])
    assert result.exit_code == 1
    assert "lacks permissions the portal needs" in result.output
    assert "rak_subscription_schedule_write" in result.output
    assert "rak_customer_write" not in result.output
    rows, _audits = _stored_rows(tmp_path)
    assert SecretBox([ENCRYPTION_KEY]).decrypt(rows[0]["stripe_key_encrypted"]) == "sk_test_abc"


# --------------------------------------------------------------------------- keys rotate

SECRET_COLUMNS = ("stripe_key_encrypted", "hmac_secret_encrypted", "previous_hmac_secret_encrypted")


def test_keys_rotate_moves_every_secret_to_the_newest_key(cli, monkeypatch, tmp_path):
    key_a, key_b = ENCRYPTION_KEY, generate_key()
    account, _old = create(cli)
    new_secret = re.search(r"new hmac secret: (\S+)",
                           cli("accounts", "rotate-secret", account).output).group(1)
    before = {column: SecretBox([key_a]).decrypt(_stored_rows(tmp_path)[0][0][column])
              for column in SECRET_COLUMNS}

    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", f"{key_b},{key_a}")
    first = cli("keys", "rotate")
    assert first.exit_code == 0, first.output
    assert "3 re-encrypted, 0 already current" in first.output
    again = cli("keys", "rotate")
    assert "0 re-encrypted, 3 already current" in again.output  # idempotent

    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", key_b)  # key A retired
    stored = _stored_rows(tmp_path)[0][0]
    assert {column: SecretBox([key_b]).decrypt(stored[column])
            for column in SECRET_COLUMNS} == before
    with pytest.raises(SecretBoxError):
        SecretBox([key_a]).decrypt(stored["stripe_key_encrypted"])
    assert cli("hash", "--account", account, "x").output.strip() == (
        compute_identity_hash(new_secret, "x"))


def test_keys_rotate_without_the_old_key_changes_nothing(cli, monkeypatch, tmp_path):
    create(cli)
    stored = _stored_rows(tmp_path)[0][0]
    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", generate_key())  # key A forgotten
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 1
    assert "cannot be decrypted with any configured key; nothing was changed" in result.output
    assert _stored_rows(tmp_path)[0][0] == stored


def test_every_encrypted_column_is_rotated():
    from widget_server.models import Base
    from widget_server.reencrypt import ENCRYPTED_COLUMNS

    found = {(table.name, column.name) for table in Base.metadata.tables.values()
             for column in table.columns if column.name.endswith("_encrypted")}
    assert found == {("accounts", column) for column in ENCRYPTED_COLUMNS}
