"""Replacing an account's Stripe key: checked with Stripe (the sandbox) before it is saved."""

from __future__ import annotations

import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import OwnerWithAccount, create_owner, give_account, page_token
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.models import Account, AuditEvent
from widget_server.sandbox import SandboxServer

ORIGINAL_KEY = "sk_test_widgetserver"


def _replace(client: FlaskClient, public_id: str, key: str, *, token: str | None = None
             ) -> tuple[int, str]:
    data = {"stripe_key": key}
    if token != "":
        data["csrf_token"] = token or page_token(client, public_id)
    response = client.post(f"/dashboard/accounts/{public_id}/stripe-key", data=data)
    return response.status_code, response.get_data(as_text=True)


def _saved(app: Flask, public_id: str) -> tuple[str, bool]:
    with db.session_scope(app) as session:
        account = session.query(Account).filter_by(public_id=public_id).one()
        return AccountService(session, secret_box(app)).stripe_key(account), account.live_mode


def _audits(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with db.session_scope(app) as session:
        rows = session.query(AuditEvent).filter_by(action="dashboard.stripe_key.update")
        return [(row.result, dict(row.detail)) for row in rows.order_by(AuditEvent.id)]


def test_a_key_stripe_accepts_replaces_the_old_one_and_is_audited(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, _page = _replace(signed_in, ana.public_id, "  sk_test_replacement_1  ")
    assert status == 302
    assert _saved(app, ana.public_id) == ("sk_test_replacement_1", False)
    assert _audits(app) == [("ok", {"mode": "test"})]
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert "Stripe key replaced." in page
    assert "test mode" in page
    assert "sk_test_replacement_1" not in page  # never shown again


def test_no_client_of_a_checked_refused_or_replaced_key_stays_in_memory(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    from widget_server.billing_web import registry

    with app.app_context():
        clients = registry(app)._clients
        registry(app).client_for(ORIGINAL_KEY)  # in use by the portal before the change
    _replace(signed_in, ana.public_id, "sk_live_refused_by_stripe")
    _replace(signed_in, ana.public_id, "sk_test_replacement_2")
    assert _saved(app, ana.public_id) == ("sk_test_replacement_2", False)
    assert not {ORIGINAL_KEY, "sk_live_refused_by_stripe", "sk_test_replacement_2"} & set(clients)


def test_a_key_stripe_has_rolled_is_refused_and_nothing_changes(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount, sandbox: SandboxServer
) -> None:
    rolled = "sk_test_rolled_by_the_owner"
    answer = requests.post(sandbox.url + "/_sandbox/expired_keys", json={"key": rolled},
                           timeout=5)
    assert answer.status_code == 200
    status, page = _replace(signed_in, ana.public_id, rolled)
    assert status == 400
    assert "Stripe refused this key" in page
    assert _saved(app, ana.public_id) == (ORIGINAL_KEY, False)
    assert _audits(app) == [("refused", {"reason": "invalid", "stripe_code": "api_key_expired"})]
    assert rolled not in page


def test_a_live_key_stripe_does_not_know_is_refused(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, page = _replace(signed_in, ana.public_id, "sk_live_not_a_real_key")
    assert status == 400
    assert "Stripe refused this key" in page
    assert _saved(app, ana.public_id) == (ORIGINAL_KEY, False)


def test_a_restricted_key_that_cannot_read_customers_is_refused(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount, sandbox: SandboxServer
) -> None:
    key = "rk_test_no_customers_for_the_dashboard"
    requests.post(sandbox.url + "/_sandbox/restricted_keys",
                  json={"key": key, "permissions": {"price": "read"}}, timeout=5)
    status, page = _replace(signed_in, ana.public_id, key)
    assert status == 400
    assert "lacks permissions the portal needs" in page
    assert "Customers: Write" in page and "Subscriptions: Write" in page
    assert "Prices: Read" not in page.split("lacks permissions")[1].split("</p>")[0]
    assert _saved(app, ana.public_id) == (ORIGINAL_KEY, False)
    assert _audits(app)[-1][1]["reason"] == "no_permission"
    assert "rak_customer_write" in _audits(app)[-1][1]["missing"]
    assert "rak_price_read" not in _audits(app)[-1][1]["missing"]


def test_a_publishable_key_is_refused_before_asking_stripe(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount, sandbox: SandboxServer
) -> None:
    requests.delete(sandbox.url + "/_sandbox/requests", timeout=5)
    status, page = _replace(signed_in, ana.public_id, "pk_test_publishable")
    assert status == 400
    assert "Publishable keys (pk_…) cannot read subscriptions" in page
    assert _saved(app, ana.public_id) == (ORIGINAL_KEY, False)
    assert _audits(app) == [("refused", {"reason": "format"})]
    logged = requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["requests"]
    assert not [r for r in logged if r["path"] == "/v1/customers"]


def test_without_the_csrf_token_it_is_a_clear_400_and_nothing_changes(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    for token in ("", "forged"):
        status, page = _replace(signed_in, ana.public_id, "sk_test_via_csrf", token=token)
        assert status == 400
        assert "This form could not be accepted" in page
    assert _saved(app, ana.public_id) == (ORIGINAL_KEY, False)
    assert _audits(app) == []


def test_another_owners_account_is_404(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    other = give_account(app, create_owner(app, "bo@owner.test")).account.public_id
    token = page_token(signed_in, ana.public_id)
    response = signed_in.post(f"/dashboard/accounts/{other}/stripe-key",
                              data={"stripe_key": "sk_test_takeover", "csrf_token": token})
    assert response.status_code == 404
    assert _saved(app, other) == (ORIGINAL_KEY, False)


def test_when_stripe_fails_the_key_is_not_saved(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount, sandbox: SandboxServer
) -> None:
    requests.post(sandbox.url + "/_sandbox/faults",
                  json={"error_status": 500, "next": 1, "path": "/v1/customers"}, timeout=5)
    try:
        status, page = _replace(signed_in, ana.public_id, "sk_test_while_stripe_is_down")
    finally:
        requests.delete(sandbox.url + "/_sandbox/faults", timeout=5)
    assert status == 400
    assert "Stripe could not be reached" in page
    assert _saved(app, ana.public_id) == (ORIGINAL_KEY, False)
