"""The memory map behind the catalog cache and the view snapshots: own lifetimes, LRU bound."""

from __future__ import annotations

from widget_server.billing.ttl_lru import TtlLru


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_its_own_ttl() -> None:
    clock = Clock()
    cache: TtlLru[str] = TtlLru(10, clock)
    cache.put("short", "a", 5)
    cache.put("long", "b", 50)
    clock.now += 5
    assert cache.get("short") is None and len(cache) == 1
    assert cache.get("long") == "b"


def test_the_least_recently_used_is_dropped_and_named() -> None:
    cache: TtlLru[int] = TtlLru(2, Clock())
    assert cache.put("a", 1, 60) == [] and cache.put("b", 2, 60) == []
    assert cache.get("a") == 1  # now "b" is the least recently used
    assert cache.put("c", 3, 60) == ["b"]
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_nothing_is_kept_without_a_lifetime_or_room() -> None:
    assert TtlLru(0, Clock()).put("a", 1, 60) == []
    cache: TtlLru[int] = TtlLru(3, Clock())
    cache.put("a", 1, 0)
    cache.put("b", 2, 60)
    cache.pop("b")
    cache.pop("missing")
    assert len(cache) == 0
    cache.put("c", 3, 60)
    cache.clear()
    assert cache.get("c") is None
