"""The portal view sends its Stripe reads before this process's copy of the account is
confirmed (portal/views._read_view): the copy's token is read while Stripe answers. Whatever
the account became meanwhile, in this worker or another, the answer is the one a view started
afterwards would give: a revoked token or a deleted account is refused, new settings show, a
new Stripe key is read with, and Stripe is not read twice for anything else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import another_instance
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.billing.gateway import StripeGateway
from widget_server.billing_web import billing_factory
from widget_server.models import Account
from widget_server.portal.account_cache import AccountCache, account_cache
from widget_server.sandbox import SandboxServer

pytestmark = pytest.mark.usefixtures("fresh_sandbox")
NEW_KEY = "sk_test_rolled_" + "k" * 24


@pytest.fixture
def worker_two(portal: Portal, tmp_path: Path, sandbox: SandboxServer) -> Iterator[Portal]:
    app = another_instance(tmp_path, sandbox.url)
    yield Portal(app, app.test_client(), portal.account, sandbox)
    db.get_database(app).engine.dispose()


def change(worker: Portal, how: Callable[[AccountService, Account], Any]) -> None:
    with db.session_scope(worker.app) as session:
        account = session.get(Account, worker.account.account.id)
        assert account is not None
        how(AccountService(session, secret_box(worker.app)), account)


def during_the_reads(monkeypatch: pytest.MonkeyPatch,
                     what: Callable[[], None]) -> list[str]:
    """Run `what` (a change committed by another worker) when the view confirms its copy of
    the account, i.e. after its Stripe reads were sent; returns the order of events."""
    events: list[str] = []
    confirm = AccountCache.is_current
    submit = StripeGateway._submit

    def confirming(self: AccountCache, *args: Any) -> bool:
        events.append("confirm")
        if events.count("confirm") == 1:
            what()
        return confirm(self, *args)

    def submitting(self: StripeGateway, fn: Callable[..., Any], *args: object) -> Any:
        events.append(f"read {fn.__name__}")
        return submit(self, fn, *args)

    monkeypatch.setattr(AccountCache, "is_current", confirming)
    monkeypatch.setattr(StripeGateway, "_submit", submitting)
    return events


def view(portal: Portal) -> Any:
    portal.clear_log()
    return portal.call("GET", "/v1/portal")


def test_the_copy_is_confirmed_while_stripe_answers(portal: Portal,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).status_code == 200  # the copy is now in this process
    events = during_the_reads(monkeypatch, lambda: None)
    response = view(portal)
    assert response.status_code == 200, response.get_json()
    assert events == ["read subscriptions_json", "read _customer_json", "confirm"]
    assert len(portal.requests()) == 2


def test_new_settings_show_without_reading_stripe_again(
        portal: Portal, worker_two: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).get_json()["settings"]["change_plan"] is True
    during_the_reads(monkeypatch, lambda: change(worker_two, lambda service, account:
                                                 service.update_settings(
                                                     account, {"change_plan": False})))
    response = view(portal)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["settings"]["change_plan"] is False
    assert len(portal.requests()) == 2


def test_a_token_revoked_meanwhile_is_refused(portal: Portal, worker_two: Portal,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).status_code == 200
    during_the_reads(monkeypatch, lambda: change(worker_two, lambda service, account:
                                                 service.rotate_secret(
                                                     account, overlap_seconds=0,
                                                     revoke_tokens=True)))
    token = portal.token("cus_demo_ana")  # issued before the rotation
    response = portal.client.get("/v1/portal", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (401,
                                                                           "invalid_token")


def test_an_account_deleted_meanwhile_is_refused(portal: Portal, worker_two: Portal,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).status_code == 200

    def delete() -> None:
        with db.session_scope(worker_two.app) as session:
            session.delete(session.get(Account, portal.account.account.id))

    during_the_reads(monkeypatch, delete)
    response = view(portal)
    assert (response.status_code, response.get_json()["error"]["code"]) == (401,
                                                                           "invalid_token")


def test_a_new_stripe_key_is_read_with_and_the_old_ones_answer_is_dropped(
        portal: Portal, worker_two: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).status_code == 200
    with portal.app.test_request_context("/"):
        cached = account_cache(portal.app).lookup(portal.account.account.public_id)
    assert cached is not None
    # the old key is rolled in Stripe: every read with it is refused (401)
    portal.control("POST", "/expired_keys", json={"key": cached[2]})
    during_the_reads(monkeypatch, lambda: change(worker_two, lambda service, account:
                                                 service.set_stripe_key(account, NEW_KEY)))
    response = view(portal)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["customer"]["id"] == "cus_demo_ana"
    refused = [r["path"] for r in portal.requests() if r["status"] == 401]
    answered = [r["path"] for r in portal.requests() if r["status"] == 200]
    assert sorted(refused) == ["/v1/customers/cus_demo_ana", "/v1/subscriptions"]
    # read again with the new key (its catalog too: the cache is per key)
    assert {"/v1/customers/cus_demo_ana", "/v1/subscriptions"} <= set(answered)


def test_a_stripe_error_stays_an_error_when_the_key_did_not_change(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).status_code == 200
    portal.fault(error_status=500, rate=1.0, path="/v1/subscriptions")
    during_the_reads(monkeypatch, lambda: None)
    response = view(portal)
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        502, "billing_unavailable")


def test_when_the_token_store_fails_stripe_is_read_once(portal: Portal,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert view(portal).status_code == 200
    monkeypatch.setattr(billing_factory(portal.app).views.store, "tokens", lambda names: None)
    for _ in range(2):
        response = view(portal)
        assert response.status_code == 200, response.get_json()
        assert len(portal.requests()) == 2
