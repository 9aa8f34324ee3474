"""Finding: no `script-src` in any CSP; no HSTS option. Every HTML page now has a strict policy
whose nonce is on each of its scripts, and HSTS can be turned on."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import make_test_app
from tests.security.helpers import api_key_for, hosted_url, nonce_of
from widget_server.accounts import CreatedAccount


def _pages(app: Flask, client: FlaskClient, account: CreatedAccount) -> dict[str, str]:
    public_id = account.account.public_id
    return {
        "frame": f"/portal/frame?account={public_id}",
        "frame, unknown account": "/portal/frame?account=acct_nope",
        "hosted": hosted_url(client, api_key_for(app, public_id)),
        "hosted, used link": "/portal/session/" + "x" * 40,
        "dashboard login": "/dashboard/login",
        "html 404": "/no-such-page",
    }


def test_every_html_page_has_a_strict_script_policy_and_nonced_scripts(
        app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    for name, path in _pages(app, client, account).items():
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.mimetype == "text/html", name
        policy = response.headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        nonce = nonce_of(response)
        assert directives["script-src"] == f"'nonce-{nonce}' 'strict-dynamic'", name
        assert directives["default-src"] == "'none'", name
        assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'", name
        assert "unsafe" not in directives["script-src"], name
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert f'nonce="{nonce}"' in tag or 'type="application/json"' in tag, (name, tag)


def test_nonces_differ_between_responses(client: FlaskClient, account: CreatedAccount) -> None:
    path = f"/portal/frame?account={account.account.public_id}"
    assert nonce_of(client.get(path)) != nonce_of(client.get(path))


def test_json_responses_allow_nothing(client: FlaskClient) -> None:
    policy = client.get("/healthz").headers["Content-Security-Policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'"


def test_hsts_is_off_by_default_and_on_when_configured(
        tmp_path, sandbox, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    (tmp_path / "hsts").mkdir()
    app = make_test_app(tmp_path / "hsts", sandbox.url, HSTS_SECONDS=31536000)
    header = app.test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"
