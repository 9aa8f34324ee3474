"""billing/entitlements.py and the features in the catalog cache, without Stripe."""

from __future__ import annotations

import time

from widget_server.billing.catalog import Catalog, CatalogEntry, MemoryCatalogStore
from widget_server.billing.domain import Feature, Price, Product, Subscription, SubscriptionItem
from widget_server.billing.entitlements import after_change, compare, grants, union

A, B, C = (Feature(f"feat_{k}", k, k.upper()) for k in "abc")
FEATURES = {"prod_x": (A, B), "prod_y": (B, C), "prod_z": ()}


def _sub(status: str, *products: str) -> Subscription:
    items = tuple(SubscriptionItem(f"si_{p}", Price(f"price_{p}", Product(p, p), "usd", 100,
                                                    "month"), 1, 0, 1) for p in products)
    return Subscription("sub_1", "cus_1", status, "usd", 0, items)


def test_grants_are_the_union_of_the_items_products_while_the_status_entitles() -> None:
    assert grants(_sub("active", "prod_x", "prod_y"), FEATURES) == (A, B, C)
    assert grants(_sub("trialing", "prod_y"), FEATURES) == (B, C)
    assert grants(_sub("past_due", "prod_x"), FEATURES) == (A, B)
    for status in ("canceled", "incomplete", "incomplete_expired", "unpaid", "paused"):
        assert grants(_sub(status, "prod_x"), FEATURES) == ()
    assert grants(_sub("active", "prod_unknown"), FEATURES) == ()


def test_a_change_compares_the_whole_subscription() -> None:
    sub = _sub("active", "prod_x", "prod_z")
    now = after_change(sub, "si_prod_x", "prod_x", FEATURES)
    diff = compare(now, after_change(sub, "si_prod_x", "prod_y", FEATURES))
    assert (diff.gain, diff.lose) == ((C,), (A,))
    # the other item keeps what it grants: replacing prod_z by prod_y adds only C
    diff = compare(now, after_change(sub, "si_prod_z", "prod_y", FEATURES))
    assert (diff.gain, diff.lose) == ((C,), ())
    assert union([(A, B), (B, A), (C,)]) == (A, B, C)


def test_features_are_fetched_once_kept_in_the_entry_and_forgotten_alone() -> None:
    store = MemoryCatalogStore()
    price = Price("price_x", Product("prod_x", "X"), "usd", 100, "month")
    store.put("k", CatalogEntry((price,), {"prod_x": price.product}, time.time()), 300)
    catalog = Catalog(client=None, store=store, cache_key="k", ttl_seconds=300)  # type: ignore[arg-type]
    asked: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, tuple[Feature, ...]]:
        asked.append(ids)
        return {i: FEATURES.get(i, ()) for i in ids}

    assert catalog.product_features({"prod_x", "prod_y"}, fetch) == {
        "prod_x": (A, B), "prod_y": (B, C)}
    assert catalog.product_features({"prod_x", "prod_z"}, fetch)["prod_z"] == ()
    assert asked == [["prod_x", "prod_y"], ["prod_z"]]
    catalog.product_features({"prod_x", "prod_y", "prod_z"}, fetch)
    assert len(asked) == 2  # all cached
    catalog.forget_features()
    entry = store.get("k")
    assert entry is not None and entry.features == {} and entry.prices == (price,)
    catalog.product_features({"prod_x"}, fetch)
    assert asked[-1] == ["prod_x"]


def test_features_survive_the_json_of_a_shared_cache() -> None:
    entry = CatalogEntry((), {}, 1.0, features={"prod_x": (A, B), "prod_z": ()})
    again = CatalogEntry.from_json(entry.to_json())
    assert again.features == entry.features
    older = '{"prices": [], "products": {}, "fetched_at": 1.0}'  # written before features
    assert CatalogEntry.from_json(older).features == {}
