"""View snapshots (billing.view_cache): LRU bound, TTL, per-customer invalidation, races, and
the Redis store against the real Redis at 127.0.0.1:6379 (db 11)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from widget_server.billing.domain import (
    Customer,
    PaymentMethod,
    PortalSnapshot,
    Price,
    Product,
    Subscription,
    SubscriptionItem,
    TaxId,
)
from widget_server.billing.view_cache import (
    MemoryViewStore,
    RedisViewStore,
    ViewSnapshots,
    ViewStoreUnavailable,
)

REDIS_URL = "redis://127.0.0.1:6379/11"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """A load() that counts its calls and returns a new value each time."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return f"value-{self.calls}"


def snapshots(max_entries: int = 100, ttl: float = 60, clock: Clock | None = None
              ) -> ViewSnapshots:
    return ViewSnapshots(MemoryViewStore(max_entries, clock=clock or Clock()), ttl)


def test_a_repeat_read_is_served_from_the_snapshot():
    views, load = snapshots(), Loader()
    assert views.read("acct_a", ["cus_1"], "portal", str, load) == "value-1"
    assert views.read("acct_a", ["cus_1"], "portal", str, load) == "value-1"
    assert load.calls == 1


def test_variants_accounts_and_customer_sets_are_separate_snapshots():
    views, load = snapshots(), Loader()
    keys = [("acct_a", ["cus_1"], "portal"), ("acct_a", ["cus_1"], "invoices:1"),
            ("acct_b", ["cus_1"], "portal"), ("acct_a", ["cus_1", "cus_2"], "portal")]
    values = [views.read(a, c, v, str, load) for a, c, v in keys]
    assert len(set(values)) == 4 and load.calls == 4


def test_forgetting_a_customer_drops_every_snapshot_that_includes_it_and_no_other():
    views, load = snapshots(), Loader()
    alone = views.read("acct_a", ["cus_1"], "portal", str, load)
    both = views.read("acct_a", ["cus_1", "cus_2"], "portal", str, load)
    other = views.read("acct_a", ["cus_2"], "portal", str, load)
    elsewhere = views.read("acct_b", ["cus_1"], "portal", str, load)
    views.forget_customers("acct_a", ["cus_1"])
    assert views.read("acct_a", ["cus_1"], "portal", str, load) != alone
    assert views.read("acct_a", ["cus_1", "cus_2"], "portal", str, load) != both
    assert views.read("acct_a", ["cus_2"], "portal", str, load) == other
    assert views.read("acct_b", ["cus_1"], "portal", str, load) == elsewhere


def test_forgetting_an_account_drops_all_of_its_snapshots():
    views, load = snapshots(), Loader()
    first = views.read("acct_a", ["cus_1"], "portal", str, load)
    kept = views.read("acct_b", ["cus_1"], "portal", str, load)
    views.forget_account("acct_a")
    assert views.read("acct_a", ["cus_1"], "portal", str, load) != first
    assert views.read("acct_b", ["cus_1"], "portal", str, load) == kept


def test_a_read_racing_an_invalidation_never_stores_its_stale_answer_for_later():
    views = snapshots()

    def load_then_get_invalidated() -> str:
        views.forget_customers("acct_a", ["cus_1"])  # a webhook lands while we read Stripe
        return "read before the change"

    assert views.read("acct_a", ["cus_1"], "portal", str,
                      load_then_get_invalidated) == "read before the change"
    assert views.read("acct_a", ["cus_1"], "portal", str, lambda: "fresh") == "fresh"


def test_snapshots_expire_after_their_ttl():
    clock = Clock()
    views, load = snapshots(ttl=60, clock=clock), Loader()
    views.read("acct_a", ["cus_1"], "portal", str, load)
    clock.now += 59
    views.read("acct_a", ["cus_1"], "portal", str, load)
    assert load.calls == 1
    clock.now += 2
    views.read("acct_a", ["cus_1"], "portal", str, load)
    assert load.calls == 2


def test_a_zero_ttl_turns_snapshots_off():
    views, load = snapshots(ttl=0), Loader()
    views.read("acct_a", ["cus_1"], "portal", str, load)
    views.read("acct_a", ["cus_1"], "portal", str, load)
    assert load.calls == 2


def test_the_memory_store_keeps_at_most_its_setting_least_recently_used_out_first():
    store = MemoryViewStore(max_entries=2, clock=Clock())
    views, load = ViewSnapshots(store, 60), Loader()
    views.read("acct_a", ["cus_1"], "portal", str, load)
    views.read("acct_a", ["cus_2"], "portal", str, load)
    views.read("acct_a", ["cus_1"], "portal", str, load)  # cus_1 used again: cus_2 is oldest
    views.read("acct_a", ["cus_3"], "portal", str, load)
    assert len(store) == 2 and load.calls == 3
    views.read("acct_a", ["cus_1"], "portal", str, load)
    assert load.calls == 3  # still there
    views.read("acct_a", ["cus_2"], "portal", str, load)
    assert load.calls == 4  # evicted
    for n in range(50):
        views.read("acct_a", [f"cus_x{n}"], "portal", str, load)
    assert len(store) == 2


def test_too_many_invalidation_tokens_start_a_new_epoch_instead_of_reviving_snapshots():
    store = MemoryViewStore(max_entries=1, clock=Clock())
    views = ViewSnapshots(store, 60)
    stale = views.read("acct_a", ["cus_0"], "portal", str, lambda: "before")
    views.forget_customers("acct_a", ["cus_0"])
    for n in range(1, 1100):  # more tokens than the store keeps
        views.forget_customers("acct_a", [f"cus_{n}"])
    assert views.read("acct_a", ["cus_0"], "portal", str, lambda: "after") == "after" != stale
    assert len(store._tokens) <= 1024


# --- Redis ----------------------------------------------------------------------------------


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379 (the shared store is tested where CI has one)")
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()


def _snapshot() -> PortalSnapshot:
    product = Product(id="prod_1", name="Pro <b>", unit_label="seat", adjustable_quantity=True)
    price = Price(id="price_1", product=product, currency="eur", unit_amount=1200,
                  interval="month")
    sub = Subscription(id="sub_1", customer_id="cus_1", status="active", currency="eur",
                       created=1, items=(SubscriptionItem("si_1", price, 3, 10, 20),),
                       metadata={"k": "v"})
    customer = Customer(id="cus_1", email="ana@example.com", name="Ana",
                        address={"city": "Lisboa", "line2": None},
                        tax_ids=(TaxId("txi_1", "eu_vat", "PT123"),))
    return PortalSnapshot(customers=(customer,), subscriptions=(sub,),
                          payment_method=PaymentMethod("pm_1", "visa", "4242", 12, 2030),
                          catalog=(price,))


def test_redis_snapshots_are_shared_by_instances_and_invalidated_for_all(redis_url: str):
    one = ViewSnapshots(RedisViewStore(redis_url), 60)
    two = ViewSnapshots(RedisViewStore(redis_url), 60)
    original = _snapshot()
    calls: list[str] = []

    def load() -> PortalSnapshot:
        calls.append("stripe")
        return original

    assert one.read("acct_a", ["cus_1"], "portal", PortalSnapshot, load) == original
    assert two.read("acct_a", ["cus_1"], "portal", PortalSnapshot, load) == original
    assert calls == ["stripe"]  # the second instance read the first one's snapshot
    one.forget_customers("acct_a", ["cus_1"])
    two.read("acct_a", ["cus_1"], "portal", PortalSnapshot, load)
    assert calls == ["stripe", "stripe"]


def test_redis_entries_have_a_ttl_and_hold_no_customer_id_in_their_key(redis_url: str):
    import redis

    views = ViewSnapshots(RedisViewStore(redis_url), 60)
    views.read("acct_a", ["cus_1"], "portal", PortalSnapshot, _snapshot)
    views.forget_customers("acct_a", ["cus_2"])
    connection = redis.Redis.from_url(redis_url)
    keys = connection.keys("widget-server:view:*")
    assert keys and all(0 < connection.ttl(k) <= 60 * 2 + 60 for k in keys)
    snapshot_keys = [k for k in keys if b":gen:" not in k]
    assert len(snapshot_keys) == 1 and b"cus_1" not in snapshot_keys[0]


def test_an_unreadable_redis_entry_is_a_miss(redis_url: str):
    import redis

    views = ViewSnapshots(RedisViewStore(redis_url), 60)
    views.read("acct_a", ["cus_1"], "portal", PortalSnapshot, _snapshot)
    connection = redis.Redis.from_url(redis_url)
    for key in connection.keys("widget-server:view:*"):
        if b":gen:" not in key:
            connection.set(key, b'{"not": "a snapshot"}')
    fresh = _snapshot()
    assert views.read("acct_a", ["cus_1"], "portal", PortalSnapshot, lambda: fresh) is fresh


def test_without_redis_views_are_read_from_stripe_and_invalidation_says_it_failed():
    views = ViewSnapshots(RedisViewStore("redis://127.0.0.1:1/11"), 60)
    load = Loader()
    views.read("acct_a", ["cus_1"], "portal", str, load)
    views.read("acct_a", ["cus_1"], "portal", str, load)
    assert load.calls == 2
    with pytest.raises(ViewStoreUnavailable):
        views.forget_customers("acct_a", ["cus_1"])


def test_snapshot_values_survive_json_exactly(redis_url: str):
    store = RedisViewStore(redis_url)
    value: Any = _snapshot()
    store.put("k", value, PortalSnapshot, 30)
    assert store.get("k", PortalSnapshot) == value
