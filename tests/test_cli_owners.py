"""`widget-server owners setup-code` and the code `serve` announces while no owner exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.helpers import ENCRYPTION_KEY
from widget_server import create_app, db
from widget_server.cli import main
from widget_server.cli_owners import announce_setup_code
from widget_server.onboarding import setup_code
from widget_server.owners import OwnerService

SECRET = "s" * 40


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("WIDGET_SERVER_SECRET_KEY", SECRET)
    monkeypatch.setenv("WIDGET_SERVER_ENCRYPTION_KEYS", ENCRYPTION_KEY)
    monkeypatch.delenv("WIDGET_SERVER_SETUP_CODE", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return monkeypatch


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_setup_code_prints_the_code_the_first_run_page_asks_for(env: pytest.MonkeyPatch
                                                                 ) -> None:
    result = run("owners", "setup-code")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == setup_code(SECRET)
    env.setenv("WIDGET_SERVER_SETUP_CODE", "chosen-code")
    assert run("owners", "setup-code").output.strip() == "chosen-code"


def test_setup_code_refuses_once_an_owner_exists(env: pytest.MonkeyPatch) -> None:
    app = create_app()
    db.upgrade(app)
    with db.session_scope(app) as session:
        OwnerService(session).create("first@owner.test", "a long and unusual passphrase 42")
    result = run("owners", "setup-code")
    assert result.exit_code == 1 and "an owner exists already" in result.output
    assert setup_code(SECRET) not in result.output


def test_setup_code_refuses_a_per_process_random_key(env: pytest.MonkeyPatch) -> None:
    env.delenv("WIDGET_SERVER_SECRET_KEY")
    result = run("owners", "setup-code")
    assert result.exit_code == 1 and "WIDGET_SERVER_SETUP_CODE" in result.output


def test_serve_announces_the_code_only_while_no_owner_exists(
        env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app()
    db.upgrade(app)
    announce_setup_code(app)
    said = capsys.readouterr().err
    assert "/dashboard/first-run" in said and setup_code(SECRET) in said
    with db.session_scope(app) as session:
        OwnerService(session).create("first@owner.test", "a long and unusual passphrase 42")
    announce_setup_code(app)
    assert capsys.readouterr().err == ""
