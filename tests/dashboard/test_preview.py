"""The live preview: drafts of unsaved settings, the owner-only preview frame and token, and
the portal read-only under a preview token (enforced on the server)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.dashboard.helpers import (
    PASSWORD,
    OwnerWithAccount,
    create_owner,
    csrf_from,
    give_account,
    load_account,
    login,
    page_token,
)
from tests.helpers import make_test_app
from widget_server import db
from widget_server.identity import issue_portal_token
from widget_server.models import AuditEvent, PreviewDraft
from widget_server.preview_token import issue_preview_token, read_preview_token
from widget_server.sandbox import SandboxServer

JSON = {"Accept": "application/json"}
FRAME = {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "same-origin"}
_BOOT = re.compile(r'<script type="application/json" id="portal-boot">(.*?)</script>', re.S)


def _draft(client: FlaskClient, public_id: str, csrf_from: str | None = None,
           **fields: Any) -> Any:
    token = page_token(client, csrf_from or public_id)
    data = MultiDict({"csrf_token": token, "preview_panel": "1",
                      "preview_customer": "ana@example.com"})
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, value)
        elif value is not None:
            data[name] = value
        else:
            data.pop(name, None)
    return client.post(f"/dashboard/accounts/{public_id}/preview", data=data, headers=JSON)


def _settings_fields(**overrides: Any) -> dict[str, Any]:
    """The settings form as a browser posts it with the default values."""
    fields: dict[str, Any] = {"settings_form": "1", "identify_by": "both", "require_hash": "on",
                              "change_plan": "on", "resubscribe": "on", "update_card": "on",
                              "pay_failed_invoices": "on", "cancellation": "on",
                              "cancellation_reason": "on", "undo_cancel": "on",
                              "billing_details": "on", "locale": "en",
                              "auto_detect_locale": "on"}
    fields.update(overrides)
    return fields


def _frame_token(client: FlaskClient, frame_url: str) -> str:
    page = client.get(frame_url, headers=FRAME)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    boot = _BOOT.search(page.get_data(as_text=True))
    assert boot is not None
    token: str = json.loads(boot.group(1))["token"]
    return token


def _portal(client: FlaskClient, token: str, **headers: str) -> Any:
    return client.get("/v1/portal", headers={"Authorization": f"Bearer {token}", **headers})


def test_a_draft_previews_unsaved_settings_and_saving_nothing(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    before = load_account(app, ana.public_id).settings
    answer = _draft(signed_in, ana.public_id, **_settings_fields(cancellation=None))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["frame_url"].startswith(f"/dashboard/accounts/{ana.public_id}/preview/frame")
    assert load_account(app, ana.public_id).settings == before  # a preview saves nothing
    token = _frame_token(signed_in, body["frame_url"])
    portal = _portal(signed_in, token)
    assert portal.status_code == 200
    payload = portal.get_json()
    assert payload["settings"]["cancellation"] is False
    assert payload["customer"]["id"] == "cus_demo_ana"
    read = read_preview_token(app.config["SECRET_KEY"], token)
    assert read.expires_at - read.issued_at_ms // 1000 <= 15 * 60  # short-lived
    assert (read.owner_id, read.customer_ids) == (ana.owner_id, ("cus_demo_ana",))
    with db.session_scope(app) as session:
        actions = [(e.action, e.result) for e in session.query(AuditEvent)]
    assert ("dashboard.preview.start", "ok") in actions


def test_the_frame_is_framed_by_the_dashboard_only_and_never_cached(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    url = _draft(signed_in, ana.public_id).get_json()["frame_url"]
    page = signed_in.get(url, headers=FRAME)
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "'none'" not in csp.split("frame-ancestors")[1]
    assert page.headers["Cache-Control"] == "no-store"
    assert "read-only" in page.get_data(as_text=True)
    # Another site may not frame it, and the rest of the dashboard stays unframeable.
    assert signed_in.get(url, headers={**FRAME, "Sec-Fetch-Site": "cross-site"}).status_code \
        == 403
    assert signed_in.get(f"/dashboard/accounts/{ana.public_id}", headers=FRAME).status_code \
        == 403
    account_page = signed_in.get(f"/dashboard/accounts/{ana.public_id}")
    assert "frame-ancestors 'none'" in account_page.headers["Content-Security-Policy"]
    assert "frame-src 'self'" in account_page.headers["Content-Security-Policy"]


def test_every_write_is_refused_in_preview_with_a_translated_message(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    url = _draft(signed_in, ana.public_id, preview_locale="de").get_json()["frame_url"]
    token = _frame_token(signed_in, url)
    bearer = {"Authorization": f"Bearer {token}"}
    writes = [
        ("post", "/v1/portal/subscriptions/sub_demo_ana/cancel", {"at_period_end": True}),
        ("post", "/v1/portal/subscriptions/sub_demo_ana/change_plan",
         {"price": "price_pro_yearly"}),
        ("post", "/v1/portal/payment_method/setup_intent", {}),
        ("patch", "/v1/portal/customer", {"name": "Mallory"}),
        ("delete", "/v1/portal/payment_methods/pm_x", None),
    ]
    for method, path, body in writes:
        answer = getattr(signed_in, method)(path, json=body, headers=bearer)
        assert answer.status_code == 403, path
        error = answer.get_json()["error"]
        assert error["code"] == "preview_read_only"
        assert "Vorschau" in error["message"], error["message"]
    portal = _portal(signed_in, token).get_json()
    ana_sub = next(s for s in portal["subscriptions"] if s["id"] == "sub_demo_ana")
    assert ana_sub["cancel_at_period_end"] is False  # nothing was written


def test_a_price_quote_still_works_in_preview(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    token = _frame_token(signed_in, _draft(signed_in, ana.public_id).get_json()["frame_url"])
    answer = signed_in.post("/v1/portal/subscriptions/sub_demo_ana/change_plan/preview",
                            json={"price": "price_pro_yearly"},
                            headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_json()


def test_signing_out_ends_the_preview(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    token = _frame_token(signed_in, _draft(signed_in, ana.public_id).get_json()["frame_url"])
    assert _portal(signed_in, token).status_code == 200
    signed_in.post("/dashboard/logout", data={"csrf_token": page_token(signed_in,
                                                                        ana.public_id)})
    assert _portal(signed_in, token).status_code == 401


def test_an_expired_token_or_a_deleted_draft_is_refused(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    body = _draft(signed_in, ana.public_id).get_json()
    token = _frame_token(signed_in, body["frame_url"])
    expired, _at = issue_preview_token(
        app.config["SECRET_KEY"], account_id=ana.public_id, owner_id=ana.owner_id,
        draft_id=body["draft"], customer_ids=["cus_demo_ana"], ttl_seconds=60, now=1000.0)
    assert _portal(signed_in, expired).status_code == 401
    with db.session_scope(app) as session:
        session.query(PreviewDraft).delete()
    answer = _portal(signed_in, token)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "invalid_token"
    assert signed_in.get(body["frame_url"], headers=FRAME).status_code == 410


def test_another_owners_account_or_draft_is_never_previewed(
    app: Flask, client: FlaskClient, ana: OwnerWithAccount
) -> None:
    bob_id = create_owner(app, "bob@owner.test")
    bob_account = give_account(app, bob_id).account.public_id
    login(client, "ana@owner.test")
    body = _draft(client, ana.public_id).get_json()
    # A token naming Bob's account, signed for Ana, with Ana's draft: refused.
    forged, _at = issue_preview_token(
        app.config["SECRET_KEY"], account_id=bob_account, owner_id=ana.owner_id,
        draft_id=body["draft"], customer_ids=["cus_demo_ana"], ttl_seconds=60)
    assert _portal(client, forged).status_code == 401
    # Ana's draft in a token for Bob (who does own that account): the draft is not his.
    as_bob, _at = issue_preview_token(
        app.config["SECRET_KEY"], account_id=ana.public_id, owner_id=bob_id,
        draft_id=body["draft"], customer_ids=["cus_demo_ana"], ttl_seconds=60)
    assert _portal(client, as_bob).status_code == 401
    # Ana cannot preview Bob's account, nor open her draft under it.
    assert _draft(client, bob_account, csrf_from=ana.public_id).status_code == 404
    other = f"/dashboard/accounts/{bob_account}/preview/frame?draft={body['draft']}"
    assert client.get(other, headers=FRAME).status_code == 404
    # Bob, signed in, cannot open Ana's draft.
    client.post("/dashboard/logout", data={"csrf_token": page_token(client, ana.public_id)})
    login(client, "bob@owner.test")
    assert client.get(body["frame_url"], headers=FRAME).status_code == 404


def test_a_bad_draft_names_what_is_wrong_and_stores_nothing(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"preview_customer": "nobody@example.com"}, "No customer matches nobody@example.com"),
        ({"preview_customer": ""}, "Enter a customer's email or customer id"),
        ({"preview_locale": "xx"}, "Choose one of the listed languages"),
        (_settings_fields(identify_by="phone"), "Choose one of the listed values"),
        ({"plans_form": "1", "plan_interval": "month", "plan_price": "price_nope"},
         "price_nope is not in this account's Stripe catalog"),
        ({"appearance_form": "1", "accent_color": "red", "font_family": "", "cs_locale": "en"},
         "six hex digits"),
    ]
    for fields, expected in cases:
        answer = _draft(signed_in, ana.public_id, **fields)
        assert answer.status_code == 400, fields
        assert any(expected in e for e in answer.get_json()["errors"]), answer.get_json()
    with db.session_scope(app) as session:
        assert session.query(PreviewDraft).count() == 0


def test_without_javascript_a_refused_preview_keeps_every_edit(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    data = {"csrf_token": page_token(signed_in, ana.public_id),
            **_settings_fields(cancellation=None), "plans_form": "1",
            "plan_price": "price_pro_monthly", "plan_interval": "month",
            "appearance_form": "1", "accent_color": "#123456", "font_family": "",
            "logo_url": "", "cs_locale": "de", "cs_key.0": "Cancel subscription",
            "cs_text.0": "Abo beenden"}
    answer = signed_in.post(f"/dashboard/accounts/{ana.public_id}/preview", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Enter a customer&#39;s email or customer id" in page
    assert 'name="cancellation" checked' not in page
    assert 'name="plan_price" value="price_pro_monthly" checked' in page
    assert 'value="#123456"' in page and 'value="Abo beenden"' in page


def test_without_javascript_the_preview_button_shows_the_draft_on_the_page(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    first = _draft(signed_in, ana.public_id).get_json()["draft"]
    data = {"csrf_token": page_token(signed_in, ana.public_id), "preview_draft": first,
            **_settings_fields(cancellation=None)}
    answer = signed_in.post(f"/dashboard/accounts/{ana.public_id}/preview", data=data)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "draft=" in location and location.endswith("#preview")
    page = signed_in.get(location).get_data(as_text=True)
    assert 'id="preview-frame"' in page and "/preview/frame?draft=" in page
    assert 'name="cancellation" checked' not in page  # the form shows the draft's values
    assert 'value="ana@example.com"' in page  # the customer of the previous draft is kept


def test_with_a_dashboard_origin_the_preview_reads_there_with_its_token_only(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    admin = "https://admin.example.com"
    app = make_test_app(tmp_path, sandbox.url, DASHBOARD_URL=admin)
    owner_id = create_owner(app, "ana@owner.test")
    public_id = give_account(app, owner_id).account.public_id
    client = app.test_client()
    page = client.get("/dashboard/login", base_url=admin).get_data(as_text=True)
    https = {"Referer": f"{admin}/dashboard/"}  # Flask-WTF checks the referrer over https
    signed = client.post("/dashboard/login", base_url=admin, headers=https, data={
        "email": "ana@owner.test", "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert signed.status_code == 302
    token = csrf_from(client.get(f"/dashboard/accounts/{public_id}", base_url=admin)
                      .get_data(as_text=True))
    body = client.post(f"/dashboard/accounts/{public_id}/preview", base_url=admin,
                       headers={**JSON, **https},
                       data={"csrf_token": token, "preview_customer": "ana@example.com"}
                       ).get_json()
    frame = client.get(body["frame_url"], base_url=admin, headers=FRAME)
    boot = _BOOT.search(frame.get_data(as_text=True))
    assert boot is not None and f'"apiBase": "{admin}"' in boot.group(1)
    preview = json.loads(boot.group(1))["token"]
    bundle = re.search(r'src="(/assets/portal-hosted[^"]+)"', frame.get_data(as_text=True))
    assert bundle is not None
    assert client.get(bundle.group(1), base_url=admin).status_code == 200
    answer = client.get("/v1/portal", base_url=admin,
                        headers={"Authorization": f"Bearer {preview}"})
    assert answer.status_code == 200
    portal_token, _at = issue_portal_token(app.config["SECRET_KEY"], account_id=public_id,
                                           customer_ids=["cus_demo_ana"], mode="embed",
                                           ttl_seconds=60)
    for bearer in (portal_token, "nonsense"):
        assert client.get("/v1/portal", base_url=admin,
                          headers={"Authorization": f"Bearer {bearer}"}).status_code == 404
    db.get_database(app).engine.dispose()


def test_test_mode_previews_a_test_customer_at_a_click(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount, sandbox: SandboxServer
) -> None:
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert 'name="preview_test_customer"' in page
    answer = _draft(signed_in, ana.public_id, preview_customer=None, preview_test_customer="1")
    assert answer.status_code == 200, answer.get_json()
    newest = requests.get(f"{sandbox.url}/v1/customers?limit=1", timeout=5,
                          headers={"Authorization": "Bearer sk_test_widgetserver"}).json()
    expected = newest["data"][0]["email"] or newest["data"][0]["id"]
    assert answer.get_json()["customer"] == expected
    token = _frame_token(signed_in, answer.get_json()["frame_url"])
    assert _portal(signed_in, token).get_json()["customer"]["id"] == newest["data"][0]["id"]


def test_live_mode_offers_no_test_customers(
    app: Flask, client: FlaskClient, ana: OwnerWithAccount
) -> None:
    live = give_account(app, ana.owner_id, stripe_key="sk_live_widgetserver").account.public_id
    login(client, ana.email)
    page = client.get(f"/dashboard/accounts/{live}").get_data(as_text=True)
    assert 'name="preview_customer"' in page
    assert 'name="preview_test_customer"' not in page
    # Posted anyway, the button is ignored in live mode: the typed customer is used.
    token = page_token(client, live)
    answer = client.post(f"/dashboard/accounts/{live}/preview", headers=JSON, data={
        "csrf_token": token, "preview_test_customer": "1", "preview_customer": ""})
    assert answer.status_code == 400
    assert "Enter a customer's email" in answer.get_json()["errors"][0]


def test_the_retention_offer_in_preview_is_not_counted_as_shown(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    fields = _settings_fields(retention_offer="on", retention_coupon="retention-50")
    token = _frame_token(signed_in, _draft(signed_in, ana.public_id, **fields)
                         .get_json()["frame_url"])
    for _ in range(2):
        answer = signed_in.get("/v1/portal/retention_offer?subscription=sub_demo_ana",
                               headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["offer"]["coupon_id"] == "retention-50"
    with db.session_scope(app) as session:
        shown = session.query(AuditEvent).filter(
            AuditEvent.action == "subscription.retention_offer").count()
    assert shown == 0


def test_a_refused_save_keeps_the_preview_and_its_customer(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    """Saving Appearance (or settings) with a mistake shows the page again with the error and
    the preview the owner was looking at: same draft, same customer."""
    draft = _draft(signed_in, ana.public_id).get_json()["draft"]
    data = {"csrf_token": page_token(signed_in, ana.public_id), "preview_draft": draft,
            "appearance_form": "1", "accent_color": "red", "font_family": "", "logo_url": "",
            "cs_locale": "en"}
    answer = signed_in.post(f"/dashboard/accounts/{ana.public_id}/appearance", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "six hex digits" in page
    assert f"/preview/frame?draft={draft}" in page
    assert page.count(f'name="preview_draft" value="{draft}"') >= 3
    assert 'value="ana@example.com"' in page
    settings = {"csrf_token": page_token(signed_in, ana.public_id), "preview_draft": draft,
                **_settings_fields(identify_by="phone")}
    refused = signed_in.post(f"/dashboard/accounts/{ana.public_id}/settings", data=settings)
    assert refused.status_code == 400
    assert f"/preview/frame?draft={draft}" in refused.get_data(as_text=True)
