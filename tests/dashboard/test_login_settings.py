"""The dashboard refuses to turn sign-in by email on when the server cannot send email."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import OwnerWithAccount, load_account
from tests.dashboard.test_dashboard_accounts import _settings_form


def test_login_page_needs_smtp(app: Flask, signed_in: FlaskClient,
                               ana: OwnerWithAccount) -> None:
    form = _settings_form(signed_in, ana.public_id, login_page="on", debug="on")
    response = signed_in.post(f"/dashboard/accounts/{ana.public_id}/settings", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in page
    assert 'class="field invalid" id="setting-login_page"' in page
    assert "WIDGET_SERVER_SMTP_HOST" in page
    assert 'name="debug" checked' in page  # the other values are kept
    assert load_account(app, ana.public_id).settings.get("login_page") is not True


def test_login_page_turns_on_with_smtp(app: Flask, signed_in: FlaskClient,
                                       ana: OwnerWithAccount) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_FROM="billing@portal.test")
    form = _settings_form(signed_in, ana.public_id, login_page="on")
    response = signed_in.post(f"/dashboard/accounts/{ana.public_id}/settings", data=form)
    assert response.status_code == 302
    assert load_account(app, ana.public_id).settings["login_page"] is True
    # shared_profile also needs the operator's profile page
    form = _settings_form(signed_in, ana.public_id, login_page="on", shared_profile="on")
    refused = signed_in.post(f"/dashboard/accounts/{ana.public_id}/settings", data=form)
    assert refused.status_code == 400
    assert "WIDGET_SERVER_PROFILE_PAGE" in refused.get_data(as_text=True)
