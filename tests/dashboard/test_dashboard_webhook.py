"""The account page's Stripe webhook section: set, replace and remove the signing secret
(CSRF-checked, audited, never shown again); a change forgets the account's view snapshots."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import OwnerWithAccount, create_owner, give_account, page_token
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.billing_web.snapshots import view_snapshots
from widget_server.models import Account, AuditEvent

SECRET = "whsec_" + "d" * 32


def _post(client: FlaskClient, public_id: str, path: str, data: dict[str, str],
          token: str | None = None) -> tuple[int, str]:
    sent = dict(data)
    if token != "":
        sent["csrf_token"] = token or page_token(client, public_id)
    response = client.post(f"/dashboard/accounts/{public_id}/{path}", data=sent,
                           follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def _secrets(app: Flask, public_id: str) -> list[str]:
    with db.session_scope(app) as session:
        account = session.query(Account).filter_by(public_id=public_id).one()
        return AccountService(session, secret_box(app)).webhook_secrets(account)


def _audits(app: Flask) -> list[tuple[str, str, dict[str, object]]]:
    with db.session_scope(app) as session:
        rows = session.query(AuditEvent).filter(AuditEvent.action.like("dashboard.webhook%"))
        return [(r.action, r.result, dict(r.detail)) for r in rows.order_by(AuditEvent.id)]


def test_the_page_shows_the_endpoint_url_and_the_events(signed_in: FlaskClient,
                                                        ana: OwnerWithAccount):
    html = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert f"/v1/stripe/webhooks/{ana.public_id}</code>" in html
    assert "customer.subscription.updated" in html and "not configured" in html


def test_setting_the_secret_is_audited_never_shown_and_forgets_the_views(
        app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount):
    tokens = view_snapshots(app).store.tokens([ana.public_id])
    status, html = _post(signed_in, ana.public_id, "webhook-secret",
                         {"webhook_secret": f"  {SECRET} "})
    assert status == 200 and "Webhook signing secret saved." in html
    assert SECRET not in html and "configured" in html
    assert _secrets(app, ana.public_id) == [SECRET]
    assert _audits(app) == [("dashboard.webhook_secret.update", "ok", {"replaced": False})]
    assert view_snapshots(app).store.tokens([ana.public_id]) != tokens


def test_a_replaced_secret_keeps_working_for_the_overlap(app: Flask, signed_in: FlaskClient,
                                                        ana: OwnerWithAccount):
    _post(signed_in, ana.public_id, "webhook-secret", {"webhook_secret": SECRET})
    new = "whsec_" + "e" * 32
    _post(signed_in, ana.public_id, "webhook-secret", {"webhook_secret": new})
    assert _secrets(app, ana.public_id) == [new, SECRET]
    assert _audits(app)[-1] == ("dashboard.webhook_secret.update", "ok", {"replaced": True})


def test_a_malformed_secret_is_refused_with_a_translated_error(app: Flask,
                                                              signed_in: FlaskClient,
                                                              ana: OwnerWithAccount):
    status, html = _post(signed_in, ana.public_id, "webhook-secret",
                         {"webhook_secret": "sk_test_notasecret"})
    assert status == 400 and "it starts with whsec_" in html
    assert "sk_test_notasecret" not in html
    assert _secrets(app, ana.public_id) == []
    assert _audits(app) == [("dashboard.webhook_secret.update", "refused",
                             {"reason": "format"})]
    signed_in.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    _status, german = _post(signed_in, ana.public_id, "webhook-secret",
                            {"webhook_secret": "nope"})
    assert "whsec_" in german and "it starts with whsec_" not in german


def test_removing_the_secret(app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount):
    _post(signed_in, ana.public_id, "webhook-secret", {"webhook_secret": SECRET})
    status, html = _post(signed_in, ana.public_id, "webhook-secret/remove", {})
    assert status == 200 and "Webhook signing secret removed." in html
    assert _secrets(app, ana.public_id) == []
    assert _audits(app)[-1] == ("dashboard.webhook_secret.remove", "ok", {})


def test_without_csrf_nothing_changes(app: Flask, signed_in: FlaskClient,
                                      ana: OwnerWithAccount):
    status, _html = _post(signed_in, ana.public_id, "webhook-secret",
                          {"webhook_secret": SECRET}, token="")
    assert status == 400
    assert _secrets(app, ana.public_id) == []


def test_another_owners_account_is_a_404(app: Flask, signed_in: FlaskClient,
                                         ana: OwnerWithAccount):
    other = give_account(app, create_owner(app, "zoe@owner.test"), name="Zoe Co")
    public_id = other.account.public_id
    token = page_token(signed_in, ana.public_id)
    for path in ("webhook-secret", "webhook-secret/remove"):
        response = signed_in.post(f"/dashboard/accounts/{public_id}/{path}",
                                  data={"webhook_secret": SECRET, "csrf_token": token})
        assert response.status_code == 404
    assert _secrets(app, public_id) == []


def test_replacing_the_stripe_key_forgets_the_views(app: Flask, signed_in: FlaskClient,
                                                    ana: OwnerWithAccount):
    """Another key may reach another Stripe account: no snapshot of the old one may show."""
    tokens = view_snapshots(app).store.tokens([ana.public_id])
    status, _html = _post(signed_in, ana.public_id, "stripe-key",
                          {"stripe_key": "sk_test_another_account"})
    assert status == 200
    assert view_snapshots(app).store.tokens([ana.public_id]) != tokens
