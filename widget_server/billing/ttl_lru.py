"""An in-process map whose entries expire after their own lifetime and of which at most
`max_entries` are kept, the least recently used dropped first: the memory stores of the catalog
cache and of the view snapshots. Not thread-safe: each store holds its own lock around it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlLru(Generic[V]):
    def __init__(self, max_entries: int, clock: Callable[[], float]) -> None:
        self.max_entries = max(0, max_entries)
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        """The live value (now the most recently used), or None when absent or expired."""
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: str, value: V, ttl_seconds: float) -> list[str]:
        """Keep `value` for `ttl_seconds` (nothing when it is 0 or less, or the map holds
        nothing); the keys dropped to stay within `max_entries`."""
        if ttl_seconds <= 0 or self.max_entries == 0:
            return []
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._entries.move_to_end(key)
        dropped = []
        while len(self._entries) > self.max_entries:
            dropped.append(self._entries.popitem(last=False)[0])
        return dropped

    def pop(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
