"""The catalog cache in a real Redis: shared by two app instances, expiring, never the key.

Skipped, with the reason, when Redis is not running on 127.0.0.1:6379.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.helpers import make_test_app
from widget_server import db
from widget_server.billing.catalog import RedisCatalogStore, cache_key_for
from widget_server.billing_web import billing_for
from widget_server.sandbox import SandboxServer

REDIS_URL = "redis://127.0.0.1:6379/10"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def stripe_key() -> str:
    """A Stripe key of its own, so parallel test workers never share a cache entry."""
    return "sk_test_redis" + secrets.token_hex(6)


@pytest.fixture
def two_instances(tmp_path: Path, sandbox: SandboxServer) -> Iterator[tuple[Flask, Flask]]:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    apps = tuple(make_test_app(tmp_path / name, sandbox.url, REDIS_URL=REDIS_URL)
                 for name in ("a", "b"))
    yield apps  # type: ignore[misc]
    for app in apps:
        db.get_database(app).engine.dispose()


def _prices(app: Flask, stripe_key: str) -> int:
    with app.app_context():
        return len(billing_for(stripe_key).catalog_prices())


def test_second_instance_reads_the_catalog_from_redis(
    two_instances: tuple[Flask, Flask], stripe_key: str,
    stripe_calls: Callable[[], list[dict[str, Any]]],
) -> None:
    first, second = two_instances
    assert _prices(first, stripe_key) > 0
    fetched = [c for c in stripe_calls() if c["path"] == "/v1/prices"]
    assert len(fetched) >= 1
    assert _prices(second, stripe_key) == _prices(first, stripe_key)
    assert [c for c in stripe_calls() if c["path"] == "/v1/prices"] == fetched


def test_entries_expire_and_are_keyed_by_a_hash(stripe_key: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    store = RedisCatalogStore(REDIS_URL)
    from tests.billing.test_catalog import ENTRY

    key = cache_key_for(stripe_key)
    store.put(key, ENTRY, ttl_seconds=30)
    assert store.get(key) == ENTRY
    names = [n.decode() for n in client.keys("widget-server:catalog:*")]
    assert all(stripe_key not in n for n in names)
    assert 0 < client.ttl("widget-server:catalog:" + key) <= 30
    client.delete("widget-server:catalog:" + key)


def test_an_unchanged_entry_is_decoded_once_and_a_changed_one_again(
        stripe_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every view reads the entry from Redis (so a price change or a forget is seen by every
    worker at once), but rebuilds its prices only when the bytes in Redis changed."""
    import dataclasses

    from tests.billing.test_catalog import ENTRY
    from widget_server.billing.catalog import CatalogEntry

    decoded: list[int] = []
    real = CatalogEntry.from_json.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(CatalogEntry, "from_json", classmethod(
        lambda cls, raw: decoded.append(1) or real(cls, raw)))
    reader, writer = RedisCatalogStore(REDIS_URL), RedisCatalogStore(REDIS_URL)
    key = cache_key_for(stripe_key)
    writer.put(key, ENTRY, ttl_seconds=30)
    first = reader.get(key)
    assert first == ENTRY and reader.get(key) is first and len(decoded) == 1
    changed = dataclasses.replace(ENTRY, fetched_at=ENTRY.fetched_at + 1)
    writer.put(key, changed, ttl_seconds=30)  # another worker refreshed it
    assert reader.get(key) == changed and len(decoded) == 2
    writer.forget(key)  # a webhook said a price changed
    assert reader.get(key) is None


def test_decoded_entries_are_bounded(stripe_key: str) -> None:
    from tests.billing.test_catalog import ENTRY

    store = RedisCatalogStore(REDIS_URL)
    keys = [cache_key_for(f"{stripe_key}{n}") for n in range(70)]
    for key in keys:
        store.put(key, ENTRY, ttl_seconds=30)
        assert store.get(key) == ENTRY
    assert len(store._decoded) == 64  # DECODED_ENTRIES: the accounts most recently read
    assert keys[-1] in store._decoded and keys[0] not in store._decoded
    for key in keys:
        store.forget(key)
