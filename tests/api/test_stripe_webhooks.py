"""`POST /v1/stripe/webhooks/<account>`: verified, applied once, the same 404 for unknown and
unconfigured accounts, 400 for anything forged, rate limited per account."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers import create_account, make_test_app, set_webhook_secret, signed_delivery
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.billing.view_cache import ViewStoreUnavailable
from widget_server.billing_web.snapshots import view_snapshots
from widget_server.models import Account, StripeEvent, utcnow
from widget_server.sandbox import SandboxServer

SECRET = "whsec_" + "s" * 32
NEW_SECRET = "whsec_" + "n" * 32


def event(event_id: str = "evt_1", kind: str = "customer.updated",
          customer: str = "cus_demo_ana") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "api_version": None,
                       "data": {"object": {"id": customer, "object": "customer"}}}).encode()


def deliver(client: FlaskClient, account: CreatedAccount, payload: bytes, *secrets: str,
            at: int | None = None, headers: dict[str, str] | None = None) -> Any:
    sent = signed_delivery(payload, *secrets, at=at) if headers is None else headers
    return client.post(f"/v1/stripe/webhooks/{account.account.public_id}", data=payload,
                       headers=sent)


def tokens(app: Flask, account: CreatedAccount, customer: str = "cus_demo_ana") -> list[str]:
    public_id = account.account.public_id
    found = view_snapshots(app).store.tokens([public_id, f"{public_id}:{customer}"])
    assert found is not None
    return found


def recorded(app: Flask) -> list[str]:
    with db.session_scope(app) as session:
        return list(session.scalars(select(StripeEvent.event_id).order_by(StripeEvent.id)))


@pytest.fixture
def hooked(app: Flask, account: CreatedAccount) -> CreatedAccount:
    set_webhook_secret(app, account.account.public_id, SECRET)
    return account


def test_a_verified_event_is_applied_once(app: Flask, client: FlaskClient,
                                          hooked: CreatedAccount):
    before = tokens(app, hooked)
    response = deliver(client, hooked, event(), SECRET)
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "duplicate": False}
    after = tokens(app, hooked)
    assert after[0] == before[0] and after[1] != before[1]  # the customer, not the account
    again = deliver(client, hooked, event(), SECRET)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert tokens(app, hooked) == after  # not applied a second time
    assert recorded(app) == ["evt_1"]


def test_the_same_event_id_of_another_account_is_its_own(app: Flask, client: FlaskClient,
                                                         hooked: CreatedAccount):
    other = create_account(app, name="Other Co")
    set_webhook_secret(app, other.account.public_id, NEW_SECRET)
    assert deliver(client, hooked, event(), SECRET).get_json()["duplicate"] is False
    assert deliver(client, other, event(), NEW_SECRET).get_json()["duplicate"] is False
    assert recorded(app) == ["evt_1", "evt_1"]


def test_catalog_events_forget_the_whole_account(app: Flask, client: FlaskClient,
                                                 hooked: CreatedAccount):
    before = tokens(app, hooked)
    payload = json.dumps({"id": "evt_p", "object": "event", "type": "price.updated",
                          "data": {"object": {"id": "price_1", "object": "price"}}}).encode()
    assert deliver(client, hooked, payload, SECRET).status_code == 200
    assert tokens(app, hooked)[0] != before[0]


def test_unknown_and_unconfigured_accounts_get_the_same_404(app: Flask, client: FlaskClient,
                                                            account: CreatedAccount):
    payload = event()
    unknown = client.post("/v1/stripe/webhooks/acct_nope", data=payload,
                          headers=signed_delivery(payload, SECRET))
    unconfigured = deliver(client, account, payload, SECRET)
    assert unknown.status_code == unconfigured.status_code == 404
    assert unknown.get_json() == unconfigured.get_json()
    assert unknown.get_json()["error"]["code"] == "not_found"
    assert recorded(app) == []


@pytest.mark.parametrize("headers", [
    {}, {"Stripe-Signature": ""}, {"Stripe-Signature": "t=1,v1=00"},
    {"Stripe-Signature": "t=1900000000,v1=" + "0" * 64},
], ids=["none", "empty", "old", "forged"])
def test_a_missing_or_forged_signature_is_a_400_and_changes_nothing(
        app: Flask, client: FlaskClient, hooked: CreatedAccount, headers: dict[str, str]):
    before = tokens(app, hooked)
    response = deliver(client, hooked, event(), headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_webhook"
    assert tokens(app, hooked) == before and recorded(app) == []


def test_another_secret_an_old_signature_and_a_bad_payload_are_refused(
        app: Flask, client: FlaskClient, hooked: CreatedAccount):
    assert deliver(client, hooked, event(), NEW_SECRET).status_code == 400
    old = int(time.time()) - 600
    assert deliver(client, hooked, event(), SECRET, at=old).status_code == 400
    assert deliver(client, hooked, b"{not json", SECRET).status_code == 400
    assert deliver(client, hooked, b'{"object": "customer"}', SECRET).status_code == 400
    assert recorded(app) == []


def test_a_replaced_secret_works_during_the_overlap_only(app: Flask, client: FlaskClient,
                                                        hooked: CreatedAccount):
    set_webhook_secret(app, hooked.account.public_id, NEW_SECRET)
    assert deliver(client, hooked, event("evt_new"), NEW_SECRET).status_code == 200
    assert deliver(client, hooked, event("evt_old"), SECRET).status_code == 200
    assert deliver(client, hooked, event("evt_both"), SECRET, NEW_SECRET).status_code == 200
    with db.session_scope(app) as session:
        row = session.get(Account, hooked.account.id)
        assert row is not None
        row.previous_webhook_secret_expires_at = utcnow() - timedelta(seconds=1)
    assert deliver(client, hooked, event("evt_late"), SECRET).status_code == 400


def test_a_removed_secret_refuses_deliveries(app: Flask, client: FlaskClient,
                                             hooked: CreatedAccount):
    set_webhook_secret(app, hooked.account.public_id, None)
    assert deliver(client, hooked, event(), SECRET).status_code == 404


def test_when_snapshots_cannot_be_forgotten_the_event_is_left_for_stripe_to_resend(
        app: Flask, client: FlaskClient, hooked: CreatedAccount, monkeypatch):
    def down(*_args: Any, **_kwargs: Any) -> None:
        raise ViewStoreUnavailable("Redis unavailable")

    store = view_snapshots(app).store
    monkeypatch.setattr(store, "bump", down)
    response = deliver(client, hooked, event(), SECRET)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert recorded(app) == []
    monkeypatch.undo()
    assert deliver(client, hooked, event(), SECRET).get_json() == {"received": True,
                                                                  "duplicate": False}


def test_old_event_ids_are_pruned(app: Flask, client: FlaskClient, hooked: CreatedAccount):
    with db.session_scope(app) as session:
        session.add(StripeEvent(account_id=hooked.account.id, event_id="evt_ancient",
                                event_type="customer.updated",
                                received_at=utcnow() - timedelta(days=8)))
    deliver(client, hooked, event(), SECRET)
    assert recorded(app) == ["evt_1"]


def test_deliveries_are_rate_limited_per_account(tmp_path: Path, sandbox: SandboxServer):
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_WEBHOOKS="2 per minute")
    account = create_account(app)
    set_webhook_secret(app, account.account.public_id, SECRET)
    client = app.test_client()
    statuses = [deliver(client, account, event(f"evt_{n}"), SECRET).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
    with db.session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(StripeEvent)) == 2
