"""The account's product/price catalog, cached per Stripe key.

One ``prices.list(active, type=recurring, expand[]=data.product and data.currency_options)``
(auto-paged, 100 a page)
fills the cache; a subscription item whose product is not in it (an archived plan) is fetched
with one batched ``products.list(ids=[...])`` and remembered in the same entry. Subscription
reads cannot expand ``data.items.data.price.product`` (five levels; Stripe allows four), so
every product name shown in the portal comes from here.

The cache lives in-process (thread-safe, TTL) or in Redis when ``REDIS_URL`` is set, storing
the domain values as JSON so several instances share one copy. Either way it holds at most
``max_entries`` accounts (``CATALOG_CACHE_MAX_ACCOUNTS``), dropping the least recently used.
A product, price, coupon or promotion code webhook forgets the account's entry (``forget``);
without Redis that reaches only the process that received the event, so with several
processes another one may offer the old catalog until its entry's TTL
(``CATALOG_CACHE_SECONDS``) ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import stripe

from widget_server.billing.convert import (
    placeholder_product,
    price_from_stripe,
    product_from_stripe,
)
from widget_server.billing.domain import Feature, Price, Product
from widget_server.billing.errors import stripe_errors
from widget_server.billing.ttl_lru import TtlLru

log = logging.getLogger(__name__)
PAGE_SIZE = 100
MAX_ENTRIES = 1000
DECODED_ENTRIES = 64  # per process: Redis entries kept decoded (the accounts in use)


@dataclass(frozen=True)
class CatalogEntry:
    """What is cached for one Stripe key: the active recurring prices and every known product."""

    prices: tuple[Price, ...]
    products: Mapping[str, Product]
    fetched_at: float
    # product id -> its entitlement features, filled only when asked (billing/entitlements.py)
    features: Mapping[str, tuple[Feature, ...]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({
            "prices": [dataclasses.asdict(p) for p in self.prices],
            "products": {k: dataclasses.asdict(v) for k, v in self.products.items()},
            "fetched_at": self.fetched_at,
            "features": {k: [dataclasses.asdict(f) for f in v]
                         for k, v in self.features.items()},
        })

    @classmethod
    def from_json(cls, raw: str | bytes) -> CatalogEntry:
        data = json.loads(raw)
        prices = tuple(
            Price(**{**p, "product": Product(**p["product"]), "currency_options": tuple(
                (str(c), a) for c, a in p.get("currency_options", ()))}) for p in data["prices"]
        )
        products = {k: Product(**v) for k, v in data["products"].items()}
        features = {k: tuple(Feature(**f) for f in v)
                    for k, v in (data.get("features") or {}).items()}
        return cls(prices=prices, products=products, fetched_at=float(data["fetched_at"]),
                   features=features)


class CatalogStore(Protocol):
    """Where catalog entries live between requests (in-process memory, or Redis)."""

    def get(self, key: str) -> CatalogEntry | None: ...

    def put(self, key: str, entry: CatalogEntry, ttl_seconds: float) -> None: ...

    def forget(self, key: str) -> None:
        """Drop the entry (a price or product changed in Stripe): the next read fetches it."""

    def lock_for(self, key: str) -> threading.Lock: ...


class _Locks:
    """One lock per cache key, so a cold catalog is fetched once, not by every thread."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class MemoryCatalogStore(_Locks):
    """A thread-safe in-process TTL cache of at most `max_entries` accounts (LRU); the default."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = MAX_ENTRIES) -> None:
        super().__init__()
        self._entries: TtlLru[CatalogEntry] = TtlLru(max(1, max_entries), clock)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: str) -> CatalogEntry | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, entry: CatalogEntry, ttl_seconds: float) -> None:
        with self._lock:
            for dropped in self._entries.put(key, entry, ttl_seconds):
                self._forget_lock(dropped)

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key)

    def _forget_lock(self, key: str) -> None:
        with self._guard:
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]


class RedisCatalogStore(_Locks):
    """Shared by every instance; a Redis outage degrades to fetching from Stripe.

    A sorted set (member: cache key, score: last use) keeps the LRU order; a put beyond
    `max_entries` deletes the least recently used entries. Each get is one round trip (GET
    and the score update in one pipeline)."""

    def __init__(self, url: str, prefix: str = "widget-server:catalog:",
                 max_entries: int = MAX_ENTRIES, client: Any = None) -> None:
        super().__init__()
        import redis

        self._redis = client if client is not None else redis.Redis.from_url(
            url, socket_timeout=2)
        self._prefix = prefix
        self._recency = prefix + "lru"
        self._max = max(1, max_entries)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        # the last entries decoded, with the bytes they came from: an entry that has not
        # changed in Redis is not decoded again (a fifth of a warm view's CPU went into
        # rebuilding the same prices from JSON)
        self._decoded: OrderedDict[str, tuple[bytes, CatalogEntry]] = OrderedDict()
        self._decoded_max = min(self._max, DECODED_ENTRIES)
        self._decoded_lock = threading.Lock()

    def get(self, key: str) -> CatalogEntry | None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(self._prefix + key)
            pipe.zadd(self._recency, {key: time.time()}, xx=True)
            raw: Any = pipe.execute()[0]
            return self._decode(key, bytes(raw)) if raw else None
        except self._errors:
            log.warning("catalog cache: Redis unavailable, reading from Stripe", exc_info=True)
            return None
        except (ValueError, KeyError, TypeError):
            log.warning("catalog cache: unreadable entry dropped")
            return None

    def _decode(self, key: str, raw: bytes) -> CatalogEntry:
        with self._decoded_lock:
            known = self._decoded.get(key)
            if known is not None and known[0] == raw:
                self._decoded.move_to_end(key)
                return known[1]
        entry = CatalogEntry.from_json(raw)
        with self._decoded_lock:
            self._decoded[key] = (raw, entry)
            self._decoded.move_to_end(key)
            while len(self._decoded) > self._decoded_max:
                self._decoded.popitem(last=False)
        return entry

    def put(self, key: str, entry: CatalogEntry, ttl_seconds: float) -> None:
        if ttl_seconds < 1:
            return
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.set(self._prefix + key, entry.to_json(), ex=int(ttl_seconds))
            pipe.zadd(self._recency, {key: time.time()})
            pipe.zcard(self._recency)
            count = int(pipe.execute()[-1])
            if count > self._max:
                dropped: Any = self._redis.zpopmin(self._recency, count - self._max)
                names = [self._prefix + (m.decode() if isinstance(m, bytes) else str(m))
                         for m, _score in dropped]
                if names:
                    self._redis.delete(*names)
        except self._errors:
            log.warning("catalog cache: Redis unavailable, not cached", exc_info=True)


    def forget(self, key: str) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.delete(self._prefix + key)
            pipe.zrem(self._recency, key)
            pipe.execute()
        except self._errors:
            log.warning("catalog cache: Redis unavailable, the entry expires with its TTL",
                        exc_info=True)


def make_store(redis_url: str | None, max_entries: int = MAX_ENTRIES) -> CatalogStore:
    if redis_url:
        return RedisCatalogStore(redis_url, max_entries=max_entries)
    return MemoryCatalogStore(max_entries=max_entries)


def cache_key_for(stripe_key: str) -> str:
    """Never the key itself: cache keys may be visible to whoever can read Redis."""
    return hashlib.sha256(stripe_key.encode("utf-8")).hexdigest()[:32]


class Catalog:
    """The catalog of one Stripe account, read through the cache."""

    def __init__(
        self,
        client: stripe.StripeClient,
        store: CatalogStore,
        *,
        cache_key: str,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._store = store
        self._key = cache_key
        self._ttl = ttl_seconds
        self._clock = clock
        # A Catalog lives for one use (a request): the entry it read is read once, not once
        # for the prices and again for the products (a Redis round trip each)
        self._seen: CatalogEntry | None = None

    def prices(self) -> tuple[Price, ...]:
        """Active recurring prices of active products, newest first (as Stripe lists them)."""
        return self._entry().prices

    def price(self, price_id: str) -> Price | None:
        return next((p for p in self.prices() if p.id == price_id), None)

    def products(self, product_ids: Collection[str]) -> dict[str, Product]:
        """The products with these ids; unknown ones are fetched in one batched call."""
        entry = self._entry()
        missing = sorted(set(product_ids) - set(entry.products))
        if missing:
            with self._store.lock_for(self._key):  # not re-entrant: no self._entry() in here
                entry = self._store.get(self._key) or entry
                missing = sorted(set(product_ids) - set(entry.products))
                if missing:
                    entry = self._add_products(entry, missing)
        return {pid: entry.products[pid] for pid in product_ids if pid in entry.products}

    def product_features(
        self, product_ids: Collection[str],
        fetch: Callable[[list[str]], Mapping[str, tuple[Feature, ...]]],
    ) -> dict[str, tuple[Feature, ...]]:
        """The entitlement features of these products; those not cached yet are fetched with
        `fetch` (Stripe lists them per product) and kept in the entry until it expires."""
        entry = self._entry()
        missing = sorted(set(product_ids) - set(entry.features))
        if missing:
            with self._store.lock_for(self._key):
                entry = self._store.get(self._key) or entry
                missing = sorted(set(product_ids) - set(entry.features))
                if missing:
                    entry = self._replace(entry, features={**entry.features, **fetch(missing)})
        return {pid: entry.features.get(pid, ()) for pid in product_ids}

    def forget_features(self) -> None:
        """Drop the cached features only (prices and products stay): the next read lists them."""
        self._seen = None
        entry = self._store.get(self._key)
        if entry is not None and entry.features:
            self._replace(entry, features={})

    def _replace(self, entry: CatalogEntry, **changes: Any) -> CatalogEntry:
        updated = dataclasses.replace(entry, **changes)
        self._store.put(self._key, updated, self._ttl - (self._clock() - entry.fetched_at))
        self._seen = updated
        return updated

    def _entry(self) -> CatalogEntry:
        if self._seen is not None:
            return self._seen
        entry = self._store.get(self._key)
        if entry is None:
            with self._store.lock_for(self._key):
                entry = self._store.get(self._key)  # another thread may have filled it
                if entry is None:
                    entry = self._fetch()
                    self._store.put(self._key, entry, self._ttl)
        self._seen = entry
        return entry

    def _fetch(self) -> CatalogEntry:
        prices: list[Price] = []
        with stripe_errors():
            page = self._client.v1.prices.list(params={
                "active": True, "type": "recurring", "limit": PAGE_SIZE,
                "expand": ["data.product", "data.currency_options"],
            })
            for raw in page.auto_paging_iter():
                price = price_from_stripe(raw)
                if price.product.active:
                    prices.append(price)
        products = {p.product.id: p.product for p in prices}
        return CatalogEntry(prices=tuple(prices), products=products, fetched_at=self._clock())

    def _add_products(self, entry: CatalogEntry, missing: list[str]) -> CatalogEntry:
        fetched = dict(entry.products)
        for chunk in _chunks(missing, PAGE_SIZE):
            with stripe_errors():
                page = self._client.v1.products.list(params={"ids": chunk, "limit": PAGE_SIZE})
                for raw in page.data:
                    fetched[raw.id] = product_from_stripe(raw)
        for product_id in missing:  # deleted products: remember them, do not ask again
            fetched.setdefault(product_id, placeholder_product(product_id))
        updated = dataclasses.replace(entry, products=fetched)
        remaining = self._ttl - (self._clock() - entry.fetched_at)
        self._store.put(self._key, updated, remaining)
        self._seen = updated
        return updated


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
