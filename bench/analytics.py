"""Time of the analytics computation (widget_server.analytics.summarize and the CSV rows) on
made-up audit rows: how long the analytics page spends computing a year of busy activity.

    python bench/analytics.py [ROWS ...]

Prints a table: rows, summarize (ms), CSV rows (ms). Database reads and Stripe's prices are
not included (the page reads at most 100,000 rows).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta

from widget_server import analytics as an

PRICES = {
    "price_month": an.PriceInfo("usd", 2900, "month"),
    "price_year": an.PriceInfo("usd", 29000, "year"),
    "price_eur": an.PriceInfo("eur", 1900, "month"),
    "price_week": an.PriceInfo("usd", 700, "week"),
}
ACTIONS = (an.CANCEL, an.RESUME, an.RESUBSCRIBE, an.DISCOUNT, an.OFFER_SHOWN,
           "subscription.change_plan", "payment_method.update")


def records(count: int, now: datetime) -> list[an.Record]:
    rng = random.Random(1)
    found = []
    for _ in range(count):
        action = rng.choice(ACTIONS)
        price = rng.choice(tuple(PRICES))
        detail = {"items": [{"price": price, "quantity": rng.randrange(1, 5)}],
                  "reason": rng.choice(("too_expensive", "unused", None)),
                  "comment": "=cmd" if rng.random() < 0.1 else None, "retention": True,
                  "status": "active", "from_price": price, "from_quantity": 1,
                  "price": rng.choice(tuple(PRICES)), "quantity": 2}
        at = now - timedelta(seconds=rng.randrange(0, 365 * 86400))
        found.append(an.Record(at, "customer", "cus_x", action, "sub_x", "ok", detail))
    return found


def main(sizes: list[int]) -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    period = an.custom_period("2025-12-07", "2026-12-06")
    print("| audit rows | summarize (ms) | CSV rows (ms) |")
    print("|---|---|---|")
    for size in sizes:
        rows = records(size, now)
        start = time.perf_counter()
        report = an.summarize(rows, PRICES, period)
        middle = time.perf_counter()
        an.csv_rows(report)
        end = time.perf_counter()
        print(f"| {size:,} | {(middle - start) * 1000:.0f} | {(end - middle) * 1000:.0f} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
