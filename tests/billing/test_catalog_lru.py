"""The catalog cache is bounded: at most CATALOG_CACHE_MAX_ACCOUNTS entries, least recently
used dropped first, in memory and in Redis (the Redis test needs Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest

from tests.helpers import make_test_app
from widget_server.billing.catalog import CatalogEntry, MemoryCatalogStore, RedisCatalogStore
from widget_server.billing.domain import Price, Product
from widget_server.billing_web import billing_factory

PRODUCT = Product(id="prod_a", name="A")
ENTRY = CatalogEntry(prices=(Price(id="price_a", product=PRODUCT, currency="usd",
                                   unit_amount=100, interval="month"),),
                     products={"prod_a": PRODUCT}, fetched_at=1.0)


def test_memory_store_keeps_at_most_max_entries_dropping_the_least_recently_used() -> None:
    store = MemoryCatalogStore(max_entries=3)
    for key in ("a", "b", "c"):
        store.put(key, ENTRY, ttl_seconds=60)
    assert store.get("a") == ENTRY  # "a" is now the most recently used; "b" the least
    store.put("d", ENTRY, ttl_seconds=60)
    assert len(store) == 3
    assert store.get("b") is None
    assert all(store.get(k) == ENTRY for k in ("a", "c", "d"))


def test_memory_store_stays_bounded_under_many_accounts() -> None:
    store = MemoryCatalogStore(max_entries=10)
    for n in range(1000):
        store.lock_for(f"k{n}")
        store.put(f"k{n}", ENTRY, ttl_seconds=60)
    assert len(store) == 10
    assert store.get("k999") == ENTRY and store.get("k0") is None
    assert len(store._locks) <= 10  # the per-key locks of dropped entries go too


def test_the_setting_bounds_the_app_s_store(tmp_path: Path) -> None:
    app = make_test_app(tmp_path, "http://127.0.0.1:9", CATALOG_CACHE_MAX_ACCOUNTS=2)
    store = billing_factory(app).catalog_store
    assert isinstance(store, MemoryCatalogStore)
    for key in ("a", "b", "c"):
        store.put(key, ENTRY, ttl_seconds=60)
    assert len(store) == 2 and store.get("a") is None


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_redis_store_keeps_at_most_max_entries_dropping_the_least_recently_used() -> None:
    prefix = f"widget-server-test:{secrets.token_hex(4)}:"
    store = RedisCatalogStore("redis://127.0.0.1:6379/10", prefix=prefix, max_entries=3)
    try:
        for key in ("a", "b", "c"):
            store.put(key, ENTRY, ttl_seconds=60)
        assert store.get("a") == ENTRY
        store.put("d", ENTRY, ttl_seconds=60)
        assert store.get("b") is None
        assert all(store.get(k) == ENTRY for k in ("a", "c", "d"))
        assert store._redis.zcard(prefix + "lru") == 3
    finally:
        keys = list(store._redis.scan_iter(prefix + "*"))
        if keys:
            store._redis.delete(*keys)


def test_memory_store_forgets_one_entry() -> None:
    store = MemoryCatalogStore(max_entries=3)
    store.put("a", ENTRY, ttl_seconds=60)
    store.put("b", ENTRY, ttl_seconds=60)
    store.forget("a")
    store.forget("unknown")  # nothing to forget: no error
    assert store.get("a") is None and store.get("b") == ENTRY and len(store) == 1


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_redis_store_forgets_one_entry_and_its_recency() -> None:
    prefix = f"widget-server-test:{secrets.token_hex(4)}:"
    store = RedisCatalogStore("redis://127.0.0.1:6379/10", prefix=prefix, max_entries=3)
    try:
        store.put("a", ENTRY, ttl_seconds=60)
        store.put("b", ENTRY, ttl_seconds=60)
        store.forget("a")
        assert store.get("a") is None and store.get("b") == ENTRY
        assert store._redis.zcard(prefix + "lru") == 1
    finally:
        keys = list(store._redis.scan_iter(prefix + "*"))
        if keys:
            store._redis.delete(*keys)


def test_redis_store_forget_survives_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisCatalogStore("redis://127.0.0.1:1/0")  # nothing listens there
    store.forget("a")
    assert "expires with its TTL" in caplog.text
