from pathlib import Path

import pytest

from widget_server import features
from widget_server.features import FEATURES, FeatureError, validate_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_defaults_cover_every_feature():
    assert set(features.defaults()) == {f.name for f in FEATURES}


def test_every_feature_has_help_and_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    assert features.features_markdown_table() in text, "regenerate docs/settings.md"
    assert all(f.help.strip() for f in FEATURES)


def test_partial_update_merges_with_current():
    merged = validate_settings({"pause": True}, current={"coupons": True}, live_mode=False)
    assert merged["pause"] is True
    assert merged["coupons"] is True
    assert merged["cancellation"] is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"no_such_thing": True}, "unknown setting 'no_such_thing'"),
        ({"pause": "yes"}, "'pause' must be true or false"),
        ({"identify_by": "phone"}, "'identify_by' must be one of email, customer_id, both"),
        ({"accent_color": "red"}, "colour"),
        ({"logo_url": "javascript:alert(1)"}, "http"),
        ({"catalog_prices": "price_1"}, "list of non-empty strings"),
        ({"custom_strings": {"xx": {}}}, "unsupported locale"),
        ({"custom_strings": {"de": {"Cancel": 3}}}, "map message ids to text"),
        ({"locale": "klingon"}, "'locale' must be one of"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(changes, message):
    with pytest.raises(FeatureError, match=message):
        validate_settings(changes, live_mode=False)


def test_require_hash_can_be_off_only_in_test_mode():
    assert validate_settings({"require_hash": False}, live_mode=False)["require_hash"] is False
    with pytest.raises(FeatureError, match="live-mode"):
        validate_settings({"require_hash": False}, live_mode=True)


def test_defaults_are_not_shared_between_calls():
    first = features.defaults()
    first["catalog_prices"].append("price_x")
    assert features.defaults()["catalog_prices"] == []


@pytest.mark.parametrize("key", ["sk_live_abc123", "rk_live_abc123", "sk_test_abc123",
                                 "pk_live_<script>", "whsec_abc"])
def test_only_a_publishable_key_can_be_sent_to_browsers(key: str) -> None:
    with pytest.raises(FeatureError, match="publishable key"):
        validate_settings({"stripe_publishable_key": key}, live_mode=False)


@pytest.mark.parametrize("key", ["", "pk_test_abc123", "pk_live_ABCdef123"])
def test_publishable_keys_are_accepted(key: str) -> None:
    settings = validate_settings({"stripe_publishable_key": key}, live_mode=False)
    assert settings["stripe_publishable_key"] == key
