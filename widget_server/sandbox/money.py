"""Integer money math: line amounts, proration by seconds, coupons, calendar intervals."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

JSON = dict[str, Any]


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_amount(price: JSON, quantity: int | None) -> int:
    """The amount for `quantity` units of a price (per_unit or tiered); a metered item has
    no quantity, and bills nothing in advance."""
    quantity = quantity or 0
    if price.get("billing_scheme") != "tiered":
        return int(price.get("unit_amount") or 0) * quantity
    tiers: list[JSON] = price.get("tiers") or []
    if price.get("tiers_mode") == "volume":
        for tier in tiers:
            if tier["up_to"] is None or quantity <= tier["up_to"]:
                return int(tier.get("unit_amount") or 0) * quantity + int(
                    tier.get("flat_amount") or 0
                )
        return 0
    total, floor = 0, 0
    for tier in tiers:
        top = tier["up_to"]
        units = (quantity if top is None else min(quantity, top)) - floor
        if units <= 0:
            break
        total += int(tier.get("unit_amount") or 0) * units + int(tier.get("flat_amount") or 0)
        if top is None:
            break
        floor = top
    return total


def prorate(amount: int, remaining: int, period: int) -> int:
    """`amount` scaled by the fraction `remaining / period` of a period, rounded half up."""
    if period <= 0:
        return 0
    remaining = max(0, min(remaining, period))
    return round_half_up(Decimal(amount) * remaining / period)


def coupon_discount(coupon: JSON, discountable: int, currency: str) -> int:
    """How much a coupon takes off a discountable amount (never more than the amount)."""
    if discountable <= 0:
        return 0
    if coupon.get("percent_off") is not None:
        off = round_half_up(Decimal(str(coupon["percent_off"])) * discountable / 100)
    elif coupon.get("amount_off") is not None and coupon.get("currency") == currency:
        off = int(coupon["amount_off"])
    else:
        off = 0
    return min(off, discountable)


def add_interval(ts: int, interval: str, count: int = 1) -> int:
    """`ts` moved forward by `count` calendar intervals (months clamp to the month's end)."""
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    moment = datetime.fromtimestamp(ts, UTC)
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())
