"""The customer's currency in the portal (setting ``multi_currency``).

A subscription's amounts are always shown in its own currency (Stripe gives its items' prices
in their base currency; the catalog's copy has every currency option). With
``multi_currency`` on, the plans offered to a customer are the prices that support the
customer's currency (base or a currency option), shown in it; off, only prices whose base
currency is the customer's (as before). A price that does not support it is refused on the
server either way (``currency_mismatch``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from widget_server.billing.currencies import (
    customer_currency,
    localize_prices,
    localize_subscription,
    price_in,
)
from widget_server.billing.domain import Price, Subscription


def enabled(settings: Mapping[str, Any]) -> bool:
    return settings.get("multi_currency") is True


def catalog_for(settings: Mapping[str, Any], catalog: Sequence[Price],
                subscriptions: Sequence[Subscription]) -> list[Price]:
    """The catalog as the customer sees it: in their currency when the setting is on and the
    customer has one; otherwise as it is (plan options then keep only the same base
    currency)."""
    currency = customer_currency(subscriptions) if enabled(settings) else None
    return localize_prices(catalog, currency) if currency else list(catalog)


def catalogs_by_currency(settings: Mapping[str, Any], catalog: Sequence[Price],
                         ) -> Callable[[Subscription], list[Price]]:
    """``catalog_for(settings, catalog, [sub])`` for each subscription of one view, localized
    once per currency (50 subscriptions in one currency cost one localization, not 50)."""
    localized: dict[str | None, list[Price]] = {}

    def for_subscription(sub: Subscription) -> list[Price]:
        key = sub.currency if enabled(settings) else None
        found = localized.get(key)
        if found is None:
            found = localized[key] = catalog_for(settings, catalog, [sub])
        return found

    return for_subscription


def shown(sub: Subscription, catalog: Sequence[Price]) -> Subscription:
    """The subscription with its items' prices in its currency."""
    return localize_subscription(sub, {p.id: p for p in catalog})


def shown_all(subs: Sequence[Subscription],
              catalog: Sequence[Price]) -> tuple[Subscription, ...]:
    """A tuple: it is the view's `others`, and ``rules`` indexes a tuple once per view."""
    by_id = {p.id: p for p in catalog}
    return tuple(localize_subscription(s, by_id) for s in subs)


def price_for(settings: Mapping[str, Any], price: Price, currency: str) -> Price | None:
    """The price as the subscription in `currency` would be billed; None when not offered."""
    if price.currency == currency:
        return price
    return price_in(price, currency) if enabled(settings) else None
