"""The catalog cache: TTL, thread safety, JSON round trip, Redis outage tolerance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from widget_server.billing.catalog import (
    CatalogEntry,
    MemoryCatalogStore,
    RedisCatalogStore,
    cache_key_for,
)
from widget_server.billing.domain import Price, Product
from widget_server.billing_web import billing_for

TEAM = Product(id="prod_team", name="Team", unit_label="seat", quantity_max=50,
               adjustable_quantity=True)
ENTRY = CatalogEntry(
    prices=(Price(id="price_team", product=TEAM, currency="usd", unit_amount=1500,
                  interval="month"),),
    products={"prod_team": TEAM},
    fetched_at=1000.0,
)


def test_memory_store_expires_entries() -> None:
    now = [100.0]
    store = MemoryCatalogStore(clock=lambda: now[0])
    store.put("k", ENTRY, ttl_seconds=10)
    assert store.get("k") == ENTRY
    now[0] = 111.0
    assert store.get("k") is None


def test_memory_store_ttl_zero_disables_caching() -> None:
    store = MemoryCatalogStore()
    store.put("k", ENTRY, ttl_seconds=0)
    assert store.get("k") is None


def test_entry_json_round_trip() -> None:
    assert CatalogEntry.from_json(ENTRY.to_json()) == ENTRY


def test_cache_key_never_contains_the_stripe_key() -> None:
    key = cache_key_for("sk_test_secret")
    assert "secret" not in key and len(key) == 32
    assert key != cache_key_for("sk_test_other")


def test_redis_outage_degrades_to_no_cache() -> None:
    store = RedisCatalogStore("redis://127.0.0.1:1/0")
    store.put("k", ENTRY, ttl_seconds=60)
    assert store.get("k") is None


def test_catalog_is_cached_across_requests_and_fetched_once_concurrently(
    app: Flask, stripe_calls: Callable[[], list[dict[str, Any]]]
) -> None:
    results: list[int] = []

    def read() -> None:
        with app.app_context():
            results.append(len(billing_for("sk_test_widgetserver").catalog_prices()))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    read()
    assert len(set(results)) == 1 and results[0] == 8  # every recurring price of the seed
    assert [r["path"] for r in stripe_calls()] == ["/v1/prices"]


def test_catalog_excludes_one_off_prices(app: Flask) -> None:
    with app.app_context():
        ids = {p.id for p in billing_for("sk_test_widgetserver").catalog_prices()}
    assert "price_onboarding_once" not in ids and "price_team_monthly" in ids


def test_one_use_of_the_catalog_reads_its_entry_once(app: Flask) -> None:
    """A portal view asks for the prices and then for its items' products: one read of the
    store (with Redis, one round trip), not one per question."""
    from widget_server.billing_web import billing_factory

    with app.app_context():
        factory = billing_factory()
        billing_for("sk_test_widgetserver").catalog_prices()  # warm
        reads: list[str] = []
        real_get = factory.catalog_store.get

        def counting_get(key: str) -> CatalogEntry | None:
            reads.append(key)
            return real_get(key)

        factory.catalog_store.get = counting_get  # type: ignore[method-assign]
        catalog = factory.catalog("sk_test_widgetserver")
        prices = catalog.prices()
        assert catalog.products({prices[0].product.id}) == {
            prices[0].product.id: prices[0].product}
        assert len(reads) == 1
        factory.catalog("sk_test_widgetserver").prices()  # the next use reads it again
        assert len(reads) == 2
