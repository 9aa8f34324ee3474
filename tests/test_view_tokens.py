"""The view snapshots' generation tokens in the SQL database (billing_web.view_tokens): shared by
every store on the database, race-safe bumps, expired tokens pruned, an unreachable database
means reading Stripe (never a stale snapshot). PostgreSQL too with
WIDGET_SERVER_TEST_DATABASE_URL (the `app` fixture's database)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from widget_server import db
from widget_server.billing.view_cache import (
    INITIAL_TOKEN,
    MemoryViewStore,
    SharedTokenViewStore,
    ViewSnapshots,
    ViewStoreUnavailable,
)
from widget_server.billing_web import billing_factory
from widget_server.billing_web.view_tokens import PRUNE_EVERY, SqlTokenStore, portable_upsert
from widget_server.models import ViewToken


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def engine_of(app: Flask) -> Callable[[], Engine]:
    return lambda: db.get_database(app).engine


def rows(app: Flask) -> dict[str, tuple[str, int]]:
    with db.get_database(app).engine.connect() as connection:
        found = connection.execute(select(ViewToken.name, ViewToken.token, ViewToken.expires_at))
        return {name: (token, expires) for name, token, expires in found}


def test_without_redis_the_app_keeps_tokens_in_the_database(app: Flask):
    store = billing_factory(app).views.store
    assert isinstance(store, SharedTokenViewStore)
    assert isinstance(store.token_store, SqlTokenStore)


def test_a_bump_by_one_store_is_read_by_every_other(app: Flask):
    one, two = SqlTokenStore(engine_of(app)), SqlTokenStore(engine_of(app))
    names = ["acct_1", "acct_1:cus_a", "acct_1:cus_b"]
    assert two.tokens(names) == [INITIAL_TOKEN] * 3
    one.bump(["acct_1:cus_a"], 60)
    seen = two.tokens(names)
    assert seen is not None and seen[0] == seen[2] == INITIAL_TOKEN
    assert seen[1] != INITIAL_TOKEN and one.tokens(names) == seen
    two.bump(["acct_1:cus_a", "acct_1:cus_a"], 60)  # a repeated name is one row
    again = one.tokens(names)
    assert again is not None and again[1] not in (INITIAL_TOKEN, seen[1])
    assert set(rows(app)) == {"acct_1:cus_a"}
    assert one.tokens([]) == []


def test_a_name_longer_than_the_column_is_stored_hashed(app: Flask):
    store = SqlTokenStore(engine_of(app))
    long_name = "acct_1:cus_" + "x" * 400
    store.bump([long_name, "acct_1:cus_a"], 60)
    [stored] = [name for name in rows(app) if name != "acct_1:cus_a"]
    assert stored.startswith("#") and len(stored) == 65
    found = store.tokens([long_name, "acct_1:cus_" + "x" * 401])
    assert found is not None and found[0] == rows(app)[stored][0]
    assert found[1] == INITIAL_TOKEN


def test_a_bump_sets_how_long_the_token_lives(app: Flask):
    store = SqlTokenStore(engine_of(app), clock=Clock(1000.0))
    store.bump(["a", "b"], 90.5)
    assert {name: expires for name, (_t, expires) in rows(app).items()} == {"a": 1091, "b": 1091}


def test_snapshots_of_two_processes_are_forgotten_by_either(app: Flask):
    """Two workers: their own snapshots in memory, their tokens in the one database."""
    def worker() -> ViewSnapshots:
        return ViewSnapshots(SharedTokenViewStore(SqlTokenStore(engine_of(app)),
                                                  MemoryViewStore(100)), 60)

    one, two = worker(), worker()
    loads: list[str] = []

    def load(value: str) -> Callable[[], str]:
        def read() -> str:
            loads.append(value)
            return value
        return read

    assert two.read("acct", ["cus_a"], "portal", str, load("old")) == "old"
    assert one.read("acct", ["cus_a"], "portal", str, load("old")) == "old"
    assert two.read("acct", ["cus_a"], "portal", str, load("unused")) == "old"
    one.forget_customers("acct", ["cus_a"])
    assert two.read("acct", ["cus_a"], "portal", str, load("new")) == "new"
    assert one.read("acct", ["cus_a"], "portal", str, load("new")) == "new"
    two.forget_account("acct")
    assert one.read("acct", ["cus_a"], "portal", str, load("newer")) == "newer"
    assert loads == ["old", "old", "new", "new", "newer"]


def test_concurrent_bumps_of_the_same_names_all_succeed(app: Flask):
    store = SqlTokenStore(engine_of(app))
    names = [f"acct:cus_{i}" for i in range(5)]
    errors: list[BaseException] = []
    seen: set[str] = set()

    def bump() -> None:
        try:
            for _ in range(10):
                store.bump(names, 60)
                found = store.tokens(names)
                assert found is not None
                seen.update(found)
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert set(rows(app)) == set(names)
    assert INITIAL_TOKEN not in seen and len(seen) > len(names)


def test_expired_tokens_are_pruned_and_read_as_initial(app: Flask):
    clock = Clock(1000.0)
    store = SqlTokenStore(engine_of(app), clock=clock)
    store.bump(["old"], 10)  # the process's first bump prunes (nothing yet)
    clock.now = 1005.0
    store.bump(["young"], 100)
    assert set(rows(app)) == {"old", "young"}
    clock.now = 1012.0
    for _ in range(PRUNE_EVERY - 2):
        store.bump(["young"], 100)
    assert set(rows(app)) == {"old", "young"}  # not this bump's turn yet
    store.bump(["young"], 100)
    assert set(rows(app)) == {"young"}
    assert store.tokens(["old"]) == [INITIAL_TOKEN]


def test_prune_keeps_what_has_not_expired(app: Flask):
    store = SqlTokenStore(engine_of(app), clock=Clock(1000.0))
    store.bump(["a"], 10)
    store.bump(["b"], 50)
    with db.get_database(app).engine.begin() as connection:
        assert SqlTokenStore.prune(connection, 1011.0) == 0  # "a" lives until 1011
        assert SqlTokenStore.prune(connection, 1012.0) == 1
    assert set(rows(app)) == {"b"}


def test_the_portable_upsert_inserts_then_replaces(app: Flask):
    with db.get_database(app).engine.begin() as connection:
        portable_upsert(connection, [{"name": "n", "token": "t1", "expires_at": 5}])
        portable_upsert(connection, [{"name": "n", "token": "t2", "expires_at": 9},
                                     {"name": "m", "token": "t3", "expires_at": 9}])
    assert rows(app) == {"n": ("t2", 9), "m": ("t3", 9)}


@pytest.fixture
def unreachable(tmp_path) -> Engine:  # type: ignore[no-untyped-def]
    return create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")


def test_an_unreachable_database_means_reading_stripe_and_a_failed_bump(unreachable: Engine,
                                                                         caplog):
    store = SqlTokenStore(lambda: unreachable)
    assert store.tokens(["acct"]) is None
    assert "database unavailable, reading from Stripe" in caplog.text
    with pytest.raises(ViewStoreUnavailable):
        store.bump(["acct"], 60)
    views = ViewSnapshots(SharedTokenViewStore(store, MemoryViewStore(10)), 60)
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert [views.read("acct", ["cus_a"], "portal", int, load) for _ in range(2)] == [1, 2]
    with pytest.raises(ViewStoreUnavailable):
        views.forget_customers("acct", ["cus_a"])
