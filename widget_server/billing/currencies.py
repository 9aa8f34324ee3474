"""Prices in the customer's currency: a price's base currency or one of its currency options.

Stripe bills a subscription in one currency (the subscription's ``currency``); a price on it
must support that currency, and its amounts come from that currency's option. Subscription
items carry the price in its base currency (Stripe cannot expand ``currency_options`` five
levels down), so the amounts are taken from the catalog's copy of the price, which has them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from widget_server.billing.domain import LIVE_STATUSES, Price, Subscription


def currency_options_of(raw: Any, base: str) -> tuple[tuple[str, int | None], ...]:
    """An expanded ``currency_options`` (a mapping, as stripe-python or JSON gives it) as
    sorted (currency, unit_amount) pairs, without the base currency; () when not expanded."""
    if raw is None or isinstance(raw, str):
        return ()
    if not isinstance(raw, Mapping) and callable(getattr(raw, "to_dict", None)):
        raw = raw.to_dict()  # a StripeObject (not a dict since stripe-python 13)
    items: Iterable[tuple[str, Any]] = raw.items() if isinstance(raw, Mapping) else ()
    found = []
    for code, option in items:
        if str(code).lower() == base.lower():
            continue
        amount = option.get("unit_amount") if isinstance(option, Mapping) else getattr(
            option, "unit_amount", None)
        found.append((str(code).lower(), None if amount is None else int(amount)))
    return tuple(sorted(found))


def currencies_of(price: Price) -> tuple[str, ...]:
    return (price.currency, *(code for code, _ in price.currency_options))


def price_in(price: Price, currency: str) -> Price | None:
    """`price` as billed in `currency`; None when the price does not support it."""
    if price.currency == currency:
        return price
    for code, amount in price.currency_options:
        if code == currency:
            return dataclasses.replace(price, currency=code, unit_amount=amount)
    return None


def customer_currency(subscriptions: Sequence[Subscription]) -> str | None:
    """The currency the customer is billed in: that of their live subscriptions (Stripe allows
    only one), else of their latest subscription; None for a customer never subscribed."""
    live = [s for s in subscriptions if s.status in LIVE_STATUSES]
    found = live or list(subscriptions)
    return found[0].currency if found else None


def localize_prices(prices: Sequence[Price], currency: str) -> list[Price]:
    """The prices that support `currency`, as billed in it (the others are left out)."""
    return [found for found in (price_in(p, currency) for p in prices) if found is not None]


def localize_subscription(sub: Subscription, catalog: Mapping[str, Price]) -> Subscription:
    """A subscription whose items show their prices in the subscription's currency: an item
    whose price Stripe gave in that currency is kept as it is (the common case, and then the
    subscription itself is returned, not copied); another item's amount comes from the
    catalog's copy of its price (currency options), and when the catalog does not have it in
    that currency the amount is unknown here (None), never shown in another currency."""
    if all(item.price.currency == sub.currency for item in sub.items):
        return sub  # Stripe gave every item's price in the subscription's currency already
    items = []
    for item in sub.items:
        if item.price.currency == sub.currency:
            items.append(item)
            continue
        known = catalog.get(item.price.id)
        found = price_in(known, sub.currency) if known is not None else None
        if found is None:  # e.g. an archived price: no amount rather than another currency's
            found = dataclasses.replace(item.price, currency=sub.currency, unit_amount=None)
        items.append(dataclasses.replace(item, price=dataclasses.replace(
            found, product=item.price.product)))
    return dataclasses.replace(sub, items=tuple(items))
