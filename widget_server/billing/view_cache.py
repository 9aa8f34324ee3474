"""Per-customer view snapshots: what a portal view read from Stripe, kept until it changes.

A snapshot is stored under a key made of the account, the token's customers and one
*generation token* per name (the account, and each ``account:customer``). Invalidating a
customer replaces its token with a new random one, so every snapshot that included that
customer becomes unreachable at once — in every process sharing the tokens — and a
read that started before the invalidation stores its (now stale) answer under the old key,
where nobody looks. Tokens outlive snapshots (``TOKEN_TTL_FACTOR``), so a token that expires
back to the initial value can only point at snapshots that expired before it.

The tokens must be shared by every process that serves views or writes (gunicorn workers,
instances, the CLI): a token bumped in one process only would leave the others serving the old
snapshot. Hence three stores: ``RedisViewStore`` (tokens and snapshots shared, values as JSON
through pydantic's ``TypeAdapter``); ``SharedTokenViewStore`` (tokens in a shared ``TokenStore``
given by the caller — the web layer passes one on the SQL database — and snapshots in this
process's memory: a bumped token makes every process's copy unreachable); and
``MemoryViewStore`` alone (in-process tokens and snapshots: one process only, for tests and
benchmarks). The TTL is a safety net for a webhook that never arrives. Nothing here knows of
Flask or SQL; whether an account uses snapshots at all (only once its webhook secret is set)
is the caller's decision.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from pydantic import TypeAdapter, ValidationError

from widget_server.billing.ttl_lru import TtlLru

log = logging.getLogger(__name__)
T = TypeVar("T")
INITIAL_TOKEN = "0"
TOKEN_TTL_FACTOR = 2  # a token lives at least this many snapshot TTLs after its last change
TOKEN_MARGIN_SECONDS = 60


class ViewStoreUnavailable(RuntimeError):
    """The shared store could not be reached (an invalidation may not have happened)."""


@lru_cache(maxsize=32)
def adapter_for(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


class TokenStore(Protocol):
    """Where generation tokens live (a token must outlive the `ttl_seconds` it is bumped with:
    after that it may read as ``INITIAL_TOKEN`` again)."""

    def tokens(self, names: Sequence[str]) -> list[str] | None:
        """The current token of each name (``INITIAL_TOKEN`` when none); None: unavailable."""

    def bump(self, names: Sequence[str], ttl_seconds: float) -> None:
        """Give each name a new token; raises ``ViewStoreUnavailable`` when it could not."""


class ViewStore(TokenStore, Protocol):
    """Where snapshots and generation tokens live."""

    def get(self, key: str, kind: Any) -> Any | None: ...

    def put(self, key: str, value: Any, kind: Any, ttl_seconds: float) -> None: ...


class MemoryViewStore:
    """In-process: at most `max_entries` snapshots (least recently used dropped first)."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max(0, max_entries)
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: TtlLru[Any] = TtlLru(self.max_entries, clock)
        self._tokens: dict[str, tuple[float, str]] = {}
        self._epoch = secrets.token_hex(4)  # renewed when tokens had to be forgotten early

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def tokens(self, names: Sequence[str]) -> list[str] | None:
        now = self._clock()
        with self._lock:
            found = [self._tokens.get(name) for name in names]
            epoch = self._epoch
        return [f"{epoch}.{t[1] if t is not None and t[0] > now else INITIAL_TOKEN}"
                for t in found]

    def bump(self, names: Sequence[str], ttl_seconds: float) -> None:
        now = self._clock()
        with self._lock:
            for name in names:
                self._tokens[name] = (now + ttl_seconds, secrets.token_hex(8))
            if len(self._tokens) > max(1024, 4 * self.max_entries):
                self._tokens = {k: v for k, v in self._tokens.items() if v[0] > now}
                if len(self._tokens) > max(1024, 4 * self.max_entries):
                    # Forgetting a live token could revive a stale snapshot: a new epoch
                    # makes every key made so far unreachable, in-flight reads' included.
                    self._epoch = secrets.token_hex(4)
                    self._tokens.clear()
                    self._entries.clear()

    def get(self, key: str, kind: Any) -> Any | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, value: Any, kind: Any, ttl_seconds: float) -> None:
        with self._lock:
            self._entries.put(key, value, ttl_seconds)


class RedisViewStore:
    """Shared by every instance. A Redis outage means reading from Stripe, never stale views."""

    def __init__(self, url: str, prefix: str = "widget-server:view:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2)
        self._prefix = prefix
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)

    def tokens(self, names: Sequence[str]) -> list[str] | None:
        try:
            raw: Any = self._redis.mget([self._prefix + "gen:" + n for n in names])
        except self._errors:
            log.warning("view snapshots: Redis unavailable, reading from Stripe", exc_info=True)
            return None
        return [v.decode() if isinstance(v, bytes) else INITIAL_TOKEN for v in raw]

    def bump(self, names: Sequence[str], ttl_seconds: float) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            for name in names:
                pipe.set(self._prefix + "gen:" + name, secrets.token_hex(8),
                         ex=max(1, int(ttl_seconds)))
            pipe.execute()
        except self._errors as exc:
            raise ViewStoreUnavailable("Redis unavailable") from exc

    def get(self, key: str, kind: Any) -> Any | None:
        try:
            raw: Any = self._redis.get(self._prefix + key)
        except self._errors:
            log.warning("view snapshots: Redis unavailable, reading from Stripe", exc_info=True)
            return None
        if not raw:
            return None
        try:
            return adapter_for(kind).validate_json(raw)
        except ValidationError:  # written by another version of the service
            log.info("view snapshots: unreadable entry ignored")
            return None

    def put(self, key: str, value: Any, kind: Any, ttl_seconds: float) -> None:
        if ttl_seconds < 1:
            return
        try:
            self._redis.set(self._prefix + key, adapter_for(kind).dump_json(value),
                            ex=int(ttl_seconds))
        except self._errors:
            log.warning("view snapshots: Redis unavailable, not stored", exc_info=True)


class SharedTokenViewStore:
    """Tokens in a store every process shares; snapshots in this process's memory (LRU)."""

    def __init__(self, tokens: TokenStore, snapshots: MemoryViewStore) -> None:
        self.token_store = tokens
        self.snapshots = snapshots

    def __len__(self) -> int:
        return len(self.snapshots)

    def tokens(self, names: Sequence[str]) -> list[str] | None:
        return self.token_store.tokens(names)

    def bump(self, names: Sequence[str], ttl_seconds: float) -> None:
        self.token_store.bump(names, ttl_seconds)

    def get(self, key: str, kind: Any) -> Any | None:
        return self.snapshots.get(key, kind)

    def put(self, key: str, value: Any, kind: Any, ttl_seconds: float) -> None:
        self.snapshots.put(key, value, kind, ttl_seconds)


def make_view_store(redis_url: str | None, max_entries: int,
                    shared_tokens: TokenStore | None = None) -> ViewStore:
    """Redis when configured; else snapshots in memory under `shared_tokens` (when given)."""
    if redis_url:
        return RedisViewStore(redis_url)
    if shared_tokens is not None:
        return SharedTokenViewStore(shared_tokens, MemoryViewStore(max_entries))
    return MemoryViewStore(max_entries)


def _names(account: str, customer_ids: Sequence[str]) -> list[str]:
    return [account, *(f"{account}:{c}" for c in customer_ids)]


class ViewSnapshots:
    """Read-through snapshots per (account, customers, variant), invalidated per customer."""

    def __init__(self, store: ViewStore, ttl_seconds: float) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds

    @property
    def token_ttl(self) -> float:
        return TOKEN_TTL_FACTOR * self.ttl_seconds + TOKEN_MARGIN_SECONDS

    def read(self, account: str, customer_ids: Sequence[str], variant: str,
             kind: type[T], load: Callable[[], T]) -> T:
        """The stored snapshot if it is still current, else ``load()`` (then stored)."""
        if self.ttl_seconds <= 0:
            return load()
        names = _names(account, customer_ids)
        tokens = self.store.tokens(names)
        if tokens is None:
            return load()
        material = "\x1f".join([variant, *(f"{n}={t}" for n, t in zip(names, tokens,
                                                                      strict=True))])
        key = hashlib.sha256(material.encode("utf-8")).hexdigest()
        found = self.store.get(key, kind)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = load()
        self.store.put(key, value, kind, self.ttl_seconds)
        return value

    def forget_customers(self, account: str, customer_ids: Sequence[str]) -> None:
        """Every snapshot that includes one of these customers is gone (all instances)."""
        if customer_ids:
            self.store.bump([f"{account}:{c}" for c in dict.fromkeys(customer_ids)],
                            self.token_ttl)

    def forget_account(self, account: str) -> None:
        """Every snapshot of the account is gone (its webhook secret or catalog changed)."""
        self.store.bump([account], self.token_ttl)
