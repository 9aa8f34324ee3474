"""rules' index of live products (one scan per `others` tuple): the same answers as a scan of
every other subscription, for tuples (indexed once) and lists (never cached: they can change)."""

from __future__ import annotations

import itertools

from widget_server.billing.domain import Price, Product, Subscription, SubscriptionItem
from widget_server.portal import rules

PRODUCTS = [Product(id=f"prod_{n}", name=f"Plan {n}", description=None) for n in range(4)]
PRICES = [Price(id=f"price_{n}", product=p, currency="usd", unit_amount=100 * (n + 1),
                interval="month") for n, p in enumerate(PRODUCTS)]
STATUSES = ("active", "canceled", "past_due", "incomplete_expired", "trialing")


def sub(n: int, status: str, *products: int) -> Subscription:
    items = tuple(SubscriptionItem(f"si_{n}_{p}", PRICES[p], 1, 0, 100) for p in products)
    return Subscription(id=f"sub_{n}", customer_id="cus_1", status=status, currency="usd",
                        created=n, items=items)


def naive_live(s: Subscription, others: list[Subscription]) -> frozenset[str]:
    return frozenset(p for o in others if o.id != s.id and o.status in rules.LIVE_STATUSES
                     for p in o.product_ids())


def naive_duplicate(s: Subscription, others: list[Subscription]) -> Subscription | None:
    return next((o for o in others if o.id != s.id and o.status in rules.LIVE_STATUSES
                 and o.product_ids() & s.product_ids()), None)


def histories() -> list[list[Subscription]]:
    found = []
    for statuses in itertools.product(STATUSES, repeat=3):
        found.append([sub(0, statuses[0], 0), sub(1, statuses[1], 0, 1),
                      sub(2, statuses[2], 1, 2), sub(3, "canceled", 0)])
    return found


def test_live_products_and_duplicates_match_a_full_scan() -> None:
    for history in histories():
        for container in (tuple(history), list(history)):
            for s in history:
                assert rules.live_product_ids(s, container) == naive_live(s, history)
                assert rules.live_duplicate(s, container) == naive_duplicate(s, history)


def test_plan_options_never_offer_a_product_held_on_another_live_subscription() -> None:
    history = (sub(0, "active", 0), sub(1, "active", 1), sub(2, "canceled", 2))
    options = {p.id for p in rules.plan_options(history[0], history[0].items[0], PRICES, {},
                                                history)}
    # price_1's product is held by the live sub_1; sub_0's own product is not "held
    # elsewhere" (price_0 is its current price); sub_2 has ended, so price_2 is on offer
    assert options == {"price_0", "price_2", "price_3"}


def test_a_list_is_rescanned_after_it_changes() -> None:
    others = [sub(0, "active", 0), sub(1, "canceled", 1)]
    assert rules.live_product_ids(others[0], others) == frozenset()
    others[1] = sub(1, "active", 1)
    assert rules.live_product_ids(others[0], others) == frozenset({"prod_1"})


def test_another_tuple_gets_its_own_index() -> None:
    first = (sub(0, "active", 0), sub(1, "canceled", 1))
    second = (sub(0, "active", 0), sub(1, "active", 1))
    assert rules.live_product_ids(first[0], first) == frozenset()
    assert rules.live_product_ids(second[0], second) == frozenset({"prod_1"})
    assert rules.live_product_ids(first[0], first) == frozenset()
