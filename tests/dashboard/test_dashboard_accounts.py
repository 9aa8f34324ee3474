"""Account list and page: ownership, settings form, origins, embed snippet, audit log."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import (
    OwnerWithAccount,
    create_owner,
    give_account,
    load_account,
    page_token,
)
from widget_server import db
from widget_server.features import FEATURES
from widget_server.models import AuditEvent


def _settings_form(client: FlaskClient, public_id: str, **changes: Any) -> dict[str, Any]:
    """The settings form as a browser would submit it with the saved values, plus changes."""
    form: dict[str, Any] = {"csrf_token": page_token(client, public_id)}
    for feature in FEATURES:
        if feature.kind == "bool":
            if feature.default:
                form[feature.name] = "on"
        elif feature.kind == "str_list":
            form[feature.name] = "[]"
        elif feature.kind == "strings":
            form[feature.name] = "{}"
        else:
            form[feature.name] = str(feature.default)
    for name, value in changes.items():
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def _audit_actions(app: Flask) -> list[tuple[str, str]]:
    with db.session_scope(app) as session:
        return [(e.action, e.result) for e in session.query(AuditEvent).order_by(AuditEvent.id)]


def test_account_list_shows_only_the_owners_accounts(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    other = give_account(app, create_owner(app, "bo@owner.test"), name="Bo's shop")
    page = signed_in.get("/dashboard/").get_data(as_text=True)
    assert ana.public_id in page
    assert other.account.public_id not in page
    assert "Bo&#39;s shop" not in page


def test_another_owners_account_is_404_for_every_page_and_action(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    other = give_account(app, create_owner(app, "bo@owner.test")).account.public_id
    token = page_token(signed_in, ana.public_id)
    base = f"/dashboard/accounts/{other}"
    assert signed_in.get(base).status_code == 404
    assert signed_in.get(base + "/backend-snippets").status_code == 404
    posts = {
        "/origins": {"origins": "https://evil.test"},
        "/settings": _settings_form(signed_in, ana.public_id, debug="on"),
        "/check-hash": {"identifier": "a@b.c", "hash": "0" * 64},
        "/rotate-secret": {"confirm": "yes"},
    }
    for suffix, data in posts.items():
        assert signed_in.post(base + suffix, data={**data, "csrf_token": token}).status_code == 404
    untouched = load_account(app, other)
    assert untouched.allowed_origins == ["http://localhost:5000"]
    assert untouched.settings["debug"] is False
    assert untouched.previous_hmac_secret_encrypted is None
    assert signed_in.get("/dashboard/accounts/acct_doesnotexist").status_code == 404


def embed_snippet_shown(page: str) -> str:
    """The embed snippet as the owner copies it (the page shows it escaped, as text)."""
    match = re.search(r'<pre class="snippet" id="embed-snippet"><code>(.*?)</code>', page, re.S)
    assert match
    return html.unescape(match.group(1))


def test_account_page_shows_mode_snippet_and_settings(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert "test mode" in page
    snippet = embed_snippet_shown(page)
    assert f'account: "{ana.public_id}"' in snippet
    assert '<script src="http://localhost/embed/v1/portal.' in snippet
    assert 'integrity="sha384-' in snippet and 'crossorigin="anonymous"' in snippet
    for feature in FEATURES:
        assert f'name="{feature.name}"' in page
        assert feature.help.split(" (")[0].replace("'", "&#39;") in page
    assert ana.created.hmac_secret not in page


def test_embed_snippet_uses_public_url_when_configured(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    app.config["PUBLIC_URL"] = "https://billing.example.com/"
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert "https://billing.example.com/embed/v1/portal." in page


def test_backend_snippets_are_prefilled_with_the_account(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    old = signed_in.get(f"/dashboard/accounts/{ana.public_id}/backend-snippets")
    assert old.status_code == 302
    assert old.headers["Location"].endswith(f"/accounts/{ana.public_id}/install#backend")
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}/install")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"account: &#34;{ana.public_id}&#34;" in text
    assert "PORTAL_IDENTITY_SECRET" in text
    # Every code block of the guide is a code block with a copy button, not raw Markdown.
    assert "```" not in text
    assert text.count('data-copy="backend-code-') >= 9
    assert '<pre id="backend-code-' in text


def test_saving_settings_stores_typed_values_and_audits(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    form = _settings_form(
        signed_in, ana.public_id,
        debug="on", cancellation=None, locale="de", accent_color="#112233",
        catalog_prices='["price_a", "price_b"]', custom_strings='{"de": {"Cancel": "Kündigen"}}',
    )
    response = signed_in.post(f"/dashboard/accounts/{ana.public_id}/settings", data=form)
    assert response.status_code == 302
    saved = load_account(app, ana.public_id).settings
    assert saved["debug"] is True
    assert saved["cancellation"] is False
    assert saved["locale"] == "de"
    assert saved["accent_color"] == "#112233"
    assert saved["catalog_prices"] == ["price_a", "price_b"]
    assert saved["custom_strings"] == {"de": {"Cancel": "Kündigen"}}
    assert ("dashboard.settings.update", "ok") in _audit_actions(app)
    assert "Settings saved." in signed_in.get(response.headers["Location"]).get_data(as_text=True)


def test_a_bad_setting_rerenders_the_form_and_saves_nothing(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    before = load_account(app, ana.public_id).settings
    bad_values = [
        {"accent_color": "red"},
        {"catalog_prices": "[not json"},
        {"catalog_prices": '[""]'},
        {"locale": "xx"},
        {"logo_url": "javascript:alert(1)"},
        {"custom_strings": '{"xx": {}}'},
    ]
    for bad in bad_values:
        form = _settings_form(signed_in, ana.public_id, debug="on", **bad)
        response = signed_in.post(f"/dashboard/accounts/{ana.public_id}/settings", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, bad
        assert "Nothing was saved" in page
        field = next(iter(bad))
        assert f'class="field invalid" id="setting-{field}"' in page
        assert 'name="debug" checked' in page  # the submitted values are kept in the form
        assert load_account(app, ana.public_id).settings == before
    assert ("dashboard.settings.update", "refused") in _audit_actions(app)


def test_require_hash_cannot_be_turned_off_for_a_live_account(
    app: Flask, client: FlaskClient
) -> None:
    from tests.dashboard.helpers import login

    owner_id = create_owner(app, "live@owner.test")
    live = give_account(app, owner_id, stripe_key="sk_live_abc").account.public_id
    login(client, "live@owner.test")
    form = _settings_form(client, live, require_hash=None)
    response = client.post(f"/dashboard/accounts/{live}/settings", data=form)
    assert response.status_code == 400
    assert 'class="field invalid" id="setting-require_hash"' in response.get_data(as_text=True)
    assert load_account(app, live).settings["require_hash"] is True


def test_origins_are_normalized_and_saved(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    token = page_token(signed_in, ana.public_id)
    response = signed_in.post(
        f"/dashboard/accounts/{ana.public_id}/origins",
        data={"csrf_token": token, "origins": "https://App.Example.com/\n\nhttp://localhost:3000\n"},
    )
    assert response.status_code == 302
    saved = load_account(app, ana.public_id).allowed_origins
    assert saved == ["https://app.example.com", "http://localhost:3000"]
    assert ("dashboard.origins.update", "ok") in _audit_actions(app)


def test_a_bad_origin_is_shown_and_nothing_is_saved(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    token = page_token(signed_in, ana.public_id)
    response = signed_in.post(
        f"/dashboard/accounts/{ana.public_id}/origins",
        data={"csrf_token": token, "origins": "https://ok.example.com\nhttps://bad.example.com/path"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "https://bad.example.com/path is not an origin" in page
    assert "https://ok.example.com\nhttps://bad.example.com/path</textarea>" in page
    assert load_account(app, ana.public_id).allowed_origins == ["http://localhost:5000"]


def test_audit_list_shows_the_latest_50_events(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    with db.session_scope(app) as session:
        for number in range(60):
            session.add(AuditEvent(
                account_id=ana.created.account.id, actor_type="customer", actor="cus_1",
                action=f"portal.action_{number:02d}", target="sub_1", result="ok",
            ))
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert "portal.action_59" in page
    assert "portal.action_10" in page
    assert "portal.action_09" not in page
    assert page.count("portal.action_") == 50


def test_names_and_audit_text_are_escaped(app: Flask, client: FlaskClient) -> None:
    from tests.dashboard.helpers import login

    owner_id = create_owner(app, "x@owner.test")
    created = give_account(app, owner_id, name="<script>alert(1)</script>")
    with db.session_scope(app) as session:
        session.add(AuditEvent(
            account_id=created.account.id, actor_type="customer", actor="<img src=x onerror=1>",
            action="portal.cancel", target="<b>sub</b>", result="ok",
        ))
    login(client, "x@owner.test")
    for path in ("/dashboard/", f"/dashboard/accounts/{created.account.public_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "<b>sub</b>" not in page
