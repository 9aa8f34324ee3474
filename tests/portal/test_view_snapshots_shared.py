"""View snapshots across processes (no Redis): each gunicorn worker or instance keeps its own
snapshots, but their generation tokens live in the shared database, so a write, a Stripe event
or an owner's change handled by one process makes every process read Stripe again. Two apps on
one database stand for two workers: `portal` is worker one, `worker_two` the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import another_instance, set_webhook_secret, signed_delivery
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.billing_web.snapshots import forget_account_views
from widget_server.models import Account
from widget_server.sandbox import SandboxServer

SECRET = "whsec_" + "w" * 32
ANA = "cus_demo_ana"
SUB = "/v1/portal/subscriptions/sub_demo_ana"


def stripe_calls(portal: Portal, path: str, customer: str = ANA) -> tuple[dict[str, Any], int]:
    """The view's JSON (through this worker) and the number of Stripe requests it made."""
    portal.clear_log()
    response = portal.call("GET", path, customer)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), len(portal.requests())


def hook(portal: Portal) -> None:
    set_webhook_secret(portal.app, portal.account.account.public_id, SECRET)


@pytest.fixture
def worker_two(portal: Portal, tmp_path: Path, sandbox: SandboxServer) -> Iterator[Portal]:
    app = another_instance(tmp_path, sandbox.url)
    assert app.config["DATABASE_URL"] == portal.app.config["DATABASE_URL"]
    assert not app.config.get("REDIS_URL")
    yield Portal(app, app.test_client(), portal.account, sandbox)
    db.get_database(app).engine.dispose()


def ana_subscription(view: dict[str, Any]) -> dict[str, Any]:
    [sub] = [s for s in view["subscriptions"] if s["id"] == "sub_demo_ana"]
    return sub


def cached_on_both(portal: Portal, worker_two: Portal) -> dict[str, Any]:
    """Both workers hold a snapshot of Ana's portal (a repeat view makes no Stripe call)."""
    first, _calls = stripe_calls(portal, "/v1/portal")
    stripe_calls(worker_two, "/v1/portal")
    for worker in (portal, worker_two):
        again, calls = stripe_calls(worker, "/v1/portal")
        assert calls == 0 and again == first
    return first


def test_a_plan_change_on_one_worker_shows_on_the_next_view_of_another(portal: Portal,
                                                                       worker_two: Portal):
    hook(portal)
    before = cached_on_both(portal, worker_two)
    assert ana_subscription(before)["items"][0]["price"]["id"] == "price_pro_monthly"
    preview = portal.post(f"{SUB}/change_plan/preview",
                          json={"price": "price_pro_yearly"}).get_json()["preview"]
    response = portal.post(f"{SUB}/change_plan", json={
        "price": "price_pro_yearly", "proration_date": preview["proration_date"]})
    assert response.status_code == 200, response.get_json()
    for worker in (worker_two, portal):  # the other worker first: the bug was there
        view, calls = stripe_calls(worker, "/v1/portal")
        assert calls > 0
        assert ana_subscription(view)["items"][0]["price"]["id"] == "price_pro_yearly"


def test_a_cancel_on_one_worker_shows_on_another_and_its_invoices_are_read_again(
        portal: Portal, worker_two: Portal):
    hook(portal)
    cached_on_both(portal, worker_two)
    stripe_calls(worker_two, "/v1/portal/invoices")
    response = portal.post(f"{SUB}/cancel", json={})
    assert response.status_code == 200, response.get_json()
    view, calls = stripe_calls(worker_two, "/v1/portal")
    _invoices, invoice_calls = stripe_calls(worker_two, "/v1/portal/invoices")
    assert calls > 0 and invoice_calls > 0
    assert ana_subscription(view)["cancel_at_period_end"] is True
    _again, calls_again = stripe_calls(worker_two, "/v1/portal")
    assert calls_again == 0  # snapshots still work after the invalidation


def test_a_stripe_event_delivered_to_one_worker_reaches_another(portal: Portal,
                                                                worker_two: Portal):
    hook(portal)
    cached_on_both(portal, worker_two)
    portal.stripe.v1.customers.update(ANA, {"name": "Ana From Stripe"})
    payload = (b'{"id": "evt_shared_1", "object": "event", "type": "customer.updated", '
               b'"api_version": null, "data": {"object": {"id": "cus_demo_ana", '
               b'"object": "customer"}}}')
    response = portal.client.post(f"/v1/stripe/webhooks/{portal.account.account.public_id}",
                                  data=payload, headers=signed_delivery(payload, SECRET))
    assert response.status_code == 200 and response.get_json()["duplicate"] is False
    view, calls = stripe_calls(worker_two, "/v1/portal")
    assert calls > 0 and view["customer"]["name"] == "Ana From Stripe"


def test_an_account_wide_change_on_one_instance_reaches_the_others(portal: Portal,
                                                                   worker_two: Portal):
    """The dashboard or the CLI (a process of its own) changed the key or the webhook."""
    hook(portal)
    cached_on_both(portal, worker_two)
    with db.session_scope(portal.app) as session:
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        session.expunge(account)
    forget_account_views(account, portal.app)
    for worker in (worker_two, portal):
        _view, calls = stripe_calls(worker, "/v1/portal")
        assert calls > 0


def test_another_customers_snapshot_on_another_worker_is_kept(portal: Portal,
                                                              worker_two: Portal):
    hook(portal)
    stripe_calls(worker_two, "/v1/portal", "cus_demo_ben")
    response = portal.post(f"{SUB}/cancel", json={})
    assert response.status_code == 200, response.get_json()
    _ben, calls = stripe_calls(worker_two, "/v1/portal", "cus_demo_ben")
    assert calls == 0


def test_removing_the_webhook_secret_stops_snapshots_on_every_worker(portal: Portal,
                                                                     worker_two: Portal):
    hook(portal)
    cached_on_both(portal, worker_two)
    set_webhook_secret(portal.app, portal.account.account.public_id, None)
    _view, calls = stripe_calls(worker_two, "/v1/portal")
    assert calls > 0
