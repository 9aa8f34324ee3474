from pathlib import Path

import pytest

from widget_server import create_app
from widget_server.config import SETTINGS, ConfigError, load_config, settings_markdown_table
from widget_server.crypto import generate_key

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    assert settings_markdown_table() in readme, "regenerate the README table from config.SETTINGS"
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme


def test_environment_overrides_defaults():
    config = load_config({"WIDGET_SERVER_STRIPE_TIMEOUT": "7", "WIDGET_SERVER_ENV": "demo"})
    assert config["STRIPE_TIMEOUT"] == 7
    assert config["ENV"] == "demo"
    assert config["CATALOG_CACHE_SECONDS"] == 300


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WIDGET_SERVER_STRIPE_TIMEOUT": "soon"}, "WIDGET_SERVER_STRIPE_TIMEOUT is invalid"),
        ({"WIDGET_SERVER_RATELIMIT_ENABLED": "maybe"}, "WIDGET_SERVER_RATELIMIT_ENABLED"),
    ],
)
def test_malformed_environment_values_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env)


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config({}, {"STRIPE_TIMEOUTS": 3})


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("WIDGET_SERVER_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="WIDGET_SERVER_SECRET_KEY must be set"):
        create_app({"ENV": "production", "ENCRYPTION_KEYS": [generate_key()]})


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(
            {"ENV": "production", "SECRET_KEY": "short", "ENCRYPTION_KEYS": [generate_key()]})


def test_production_refuses_to_start_without_encryption_key():
    with pytest.raises(ConfigError, match="WIDGET_SERVER_ENCRYPTION_KEYS"):
        create_app({"ENV": "production", "SECRET_KEY": "k" * 40, "ENCRYPTION_KEYS": None})


def test_production_starts_with_both_secrets(tmp_path):
    app = create_app({
        "ENV": "production", "SECRET_KEY": "k" * 40, "ENCRYPTION_KEYS": [generate_key()],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PUBLIC_URL": "https://portal.example.com",
    })
    assert app.config["ENV"] == "production"


def test_development_generates_missing_secrets(tmp_path):
    app = create_app({"ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})
    assert len(app.config["SECRET_KEY"]) >= 32
    assert app.config["ENCRYPTION_KEYS"]
