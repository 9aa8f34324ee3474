"""The portal's in-process copy of account rows (portal/account_cache.py): a repeat request
reads no account row, yet every change to an account, committed by any process sharing the
database, takes effect on the next request of every process. Two apps on one database stand
for two gunicorn workers: `portal` is worker one, `worker_two` the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tests.helpers import another_instance
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.models import Account
from widget_server.portal.account_cache import account_cache
from widget_server.sandbox import SandboxServer

pytestmark = pytest.mark.usefixtures("fresh_sandbox")


@pytest.fixture
def worker_two(portal: Portal, tmp_path: Path, sandbox: SandboxServer) -> Iterator[Portal]:
    app = another_instance(tmp_path, sandbox.url)
    assert app.config["DATABASE_URL"] == portal.app.config["DATABASE_URL"]
    yield Portal(app, app.test_client(), portal.account, sandbox)
    db.get_database(app).engine.dispose()


class AccountReads:
    """Counts the SELECTs of the accounts table an app's engine runs."""

    def __init__(self, portal: Portal) -> None:
        self.count = 0
        engine = db.get_database(portal.app).engine

        def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "FROM accounts" in statement:
                self.count += 1

        event.listen(engine, "before_cursor_execute", seen)


def view(portal: Portal) -> dict[str, Any]:
    response = portal.call("GET", "/v1/portal")
    assert response.status_code == 200, response.get_json()
    found: dict[str, Any] = response.get_json()
    return found


def change(portal: Portal, how: Any) -> None:
    """Commit a change to the account through `portal`'s app (one worker)."""
    with db.session_scope(portal.app) as session:
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        how(AccountService(session, secret_box(portal.app)), account)


def test_a_repeat_request_reads_no_account_row(portal: Portal) -> None:
    view(portal)
    reads = AccountReads(portal)
    for _ in range(3):
        view(portal)
    assert reads.count == 0


def test_a_settings_change_in_one_worker_shows_in_the_other(portal: Portal,
                                                            worker_two: Portal) -> None:
    assert view(worker_two)["settings"]["change_plan"] is True
    assert view(portal)["settings"]["change_plan"] is True
    change(portal, lambda service, account: service.update_settings(
        account, {"change_plan": False}))
    assert view(worker_two)["settings"]["change_plan"] is False
    assert view(portal)["settings"]["change_plan"] is False


def test_revoked_tokens_are_refused_at_once_by_every_worker(portal: Portal,
                                                            worker_two: Portal) -> None:
    view(portal), view(worker_two)
    token = portal.token("cus_demo_ana")  # issued before the rotation
    change(worker_two, lambda service, account: service.rotate_secret(
        account, overlap_seconds=0, revoke_tokens=True))
    for worker in (portal, worker_two):
        response = worker.client.get("/v1/portal",
                                     headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_new_stripe_key_is_used_by_the_next_request(portal: Portal,
                                                      worker_two: Portal) -> None:
    view(portal)
    public_id = portal.account.account.public_id
    with portal.app.test_request_context("/"):
        before = account_cache(portal.app).lookup(public_id)
    assert before is not None and before[2] != "sk_test_another_key"
    change(worker_two, lambda service, account: service.set_stripe_key(
        account, "sk_test_another_key"))
    with portal.app.test_request_context("/"):
        after = account_cache(portal.app).lookup(public_id)
    assert after is not None and after[2] == "sk_test_another_key"


def test_a_deleted_account_is_refused(portal: Portal, worker_two: Portal) -> None:
    view(portal), view(worker_two)
    with db.session_scope(worker_two.app) as session:
        account = session.get(Account, portal.account.account.id)
        session.delete(account)
    for worker in (portal, worker_two):
        assert worker.call("GET", "/v1/portal").status_code == 401


def test_a_rolled_back_change_announces_nothing(portal: Portal) -> None:
    view(portal)
    cache = account_cache(portal.app)
    with pytest.raises(RuntimeError), db.session_scope(portal.app) as session:
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        account.name = "Renamed"
        session.flush()
        raise RuntimeError("abandon the change")
    reads = AccountReads(portal)
    assert view(portal)["account"]["name"] != "Renamed"
    assert reads.count == 0  # the copy is still current
    assert cache.lookup(portal.account.account.public_id) is not None


def test_when_the_token_store_fails_the_row_is_read(portal: Portal,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from widget_server.billing_web import billing_factory

    view(portal)
    monkeypatch.setattr(billing_factory(portal.app).views.store, "tokens", lambda names: None)
    reads = AccountReads(portal)
    view(portal)
    view(portal)
    assert reads.count == 2
