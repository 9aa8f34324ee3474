"""Helpers of the security tests (one test per finding of issue 10); fixtures: conftest.py."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from widget_server import db
from widget_server.accounts import AccountService, secret_box

HOST_ORIGIN = "http://localhost:5000"
# Every payload: if any of these ends up as markup, a test sees the tag or the script run.
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
QUOTE = '"><svg onload=window.__xss=1>'


def update_account(app: Flask, public_id: str, **settings: Any) -> None:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        account = service.get(public_id)
        assert account is not None
        if "name" in settings:
            account.name = settings.pop("name")
        origins = settings.pop("allowed_origins", None)
        if origins is not None:
            service.set_allowed_origins(account, origins)
        if settings:
            service.update_settings(account, settings)


def api_key_for(app: Flask, public_id: str) -> str:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        row = service.get(public_id)
        assert row is not None
        return service.create_api_key(row, "security tests")


def hosted_url(client: FlaskClient, key: str, **body: Any) -> str:
    payload = {"customer": "cus_demo_ana", "return_url": HOST_ORIGIN + "/account", **body}
    response = client.post("/v1/portal_sessions", json=payload,
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.get_json()
    url: str = response.get_json()["url"]
    return "/" + url.split("/", 3)[3]


def nonce_of(response: Any) -> str:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"'nonce-([A-Za-z0-9+/=_-]+)'", policy)
    assert match, policy
    return match.group(1)
