"""The settings form is generated from the settings table and validates with its rules."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.dashboard.helpers import OwnerWithAccount
from widget_server import features
from widget_server.dashboard.settings_form import SHOWN, SettingsForm, saved_settings_form
from widget_server.features import FEATURES


def _as_browser_submits(values: dict[str, object]) -> MultiDict[str, str]:
    """What a browser posts for the form showing `values` (an unticked checkbox is absent)."""
    form = saved_settings_form(values)
    data: MultiDict[str, str] = MultiDict()
    for feature, field in form.feature_fields():
        if feature.kind == "bool":
            if field.data:
                data[feature.name] = "on"
        else:
            data[feature.name] = field._value()
    return data


def test_every_setting_has_a_field_and_an_unchanged_form_saves_the_same_values(
    app: Flask,
) -> None:
    defaults = features.defaults()
    with app.test_request_context():
        form = SettingsForm(_as_browser_submits(defaults))
        # Plans and Appearance have editors of their own (dashboard/editors.py).
        assert [f.name for f, _field in form.feature_fields()] == [f.name for f in SHOWN]
        assert {f.name for f in FEATURES} - {f.name for f in SHOWN} == {
            "catalog_prices", "catalog_addons", "accent_color", "logo_url", "font_family",
            "custom_strings"}
        assert form.validate(), form.errors
        assert form.values() == {f.name: defaults[f.name] for f in SHOWN}


@pytest.mark.parametrize("feature", [f for f in SHOWN if f.kind != "bool"],
                         ids=lambda f: f.name)
def test_a_value_the_table_refuses_is_an_error_on_that_field_only(
    app: Flask, feature: features.Feature
) -> None:
    bad = "[not json" if feature.kind in {"str_list", "strings"} else "x" * 2001
    if feature.kind == "choice":
        bad = "not-a-choice"
    data = _as_browser_submits(features.defaults())
    data[feature.name] = bad
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = SettingsForm(data)
        assert not form.validate()
        assert list(form.errors) == [feature.name]
        assert len(form.errors[feature.name]) == 1
    with pytest.raises((features.FeatureError, ValueError)):
        value = json.loads(bad) if feature.kind in {"str_list", "strings"} else bad
        features.validate_value(feature, value)


def test_choice_settings_show_their_values_in_plain_words(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    """A select shows what each value means (and the value stays what is posted)."""
    url = f"/dashboard/accounts/{ana.public_id}"
    page = signed_in.get(url).get_data(as_text=True)
    assert '<option value="both" selected>Email address or Stripe customer id</option>' in page
    assert '<option value="customer_id">Stripe customer id</option>' in page
    assert '<option value="de">Deutsch (de)</option>' in page
    assert '<option value="ja">日本語 (ja)</option>' in page
    german = signed_in.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<option value="email">E-Mail-Adresse</option>' in german
