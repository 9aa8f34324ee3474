"""What a plan grants: the entitlement features of products, per subscription and per change.

Stripe attaches features to products (``/v1/products/{id}/features``) and keeps a customer's
active entitlements (``/v1/entitlements/active_entitlements``). The latter are per customer,
not per subscription, and Stripe updates them for an existing subscription only when it is
created, changed or renewed; so what one subscription grants is derived here from the product
features of its items, read through the catalog cache (one list call per product the first
time, none after that until the catalog expires or a webhook forgets it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import stripe

from widget_server.billing.domain import Feature, Subscription
from widget_server.billing.errors import is_missing, stripe_errors
from widget_server.billing.gateway import StripeGateway

# The statuses in which Stripe gives a subscription's features as active entitlements.
ENTITLING_STATUSES = frozenset({"active", "trialing", "past_due"})
PAGE_SIZE = 100

FeaturesByProduct = Mapping[str, tuple[Feature, ...]]


@dataclass(frozen=True)
class Comparison:
    """A plan change seen by its features: what the subscription would gain and lose."""

    gain: tuple[Feature, ...]
    lose: tuple[Feature, ...]


def _features_of(client: stripe.StripeClient, product_id: str) -> tuple[Feature, ...]:
    try:
        page = client.v1.products.features.list(product_id, {"limit": PAGE_SIZE})
    except stripe.InvalidRequestError as exc:
        if is_missing(exc):
            return ()  # a deleted product grants nothing
        raise
    found = [Feature(id=row.entitlement_feature.id,
                     lookup_key=row.entitlement_feature.lookup_key,
                     name=row.entitlement_feature.name)
             for row in page.auto_paging_iter() if row.entitlement_feature.active]
    return tuple(reversed(found))  # Stripe lists the newest first: shown as attached


def fetch_product_features(gateway: StripeGateway,
                           product_ids: list[str]) -> dict[str, tuple[Feature, ...]]:
    """One list call per product, concurrently on the gateway's pool."""
    with stripe_errors():
        futures = {pid: gateway.submit(_features_of, gateway.client, pid) for pid in product_ids}
        return {pid: gateway.wait(future) for pid, future in futures.items()}


def union(groups: Iterable[tuple[Feature, ...]]) -> tuple[Feature, ...]:
    """Every feature once, in the order first met."""
    seen: dict[str, Feature] = {}
    for group in groups:
        for feature in group:
            seen.setdefault(feature.id, feature)
    return tuple(seen.values())


def grants(sub: Subscription, features: FeaturesByProduct) -> tuple[Feature, ...]:
    """What the subscription gives now: the features of its items' products, while its status
    gives entitlements at all (a canceled or unpaid subscription grants nothing)."""
    if sub.status not in ENTITLING_STATUSES:
        return ()
    return union(features.get(item.price.product.id, ()) for item in sub.items)


def after_change(sub: Subscription, item_id: str, product_id: str,
                 features: FeaturesByProduct) -> tuple[Feature, ...]:
    """What the subscription would give with one item's product replaced by `product_id`."""
    return union(features.get(product_id if item.id == item_id else item.price.product.id, ())
                 for item in sub.items)


def compare(before: tuple[Feature, ...], after: tuple[Feature, ...]) -> Comparison:
    had = {f.id for f in before}
    will = {f.id for f in after}
    return Comparison(gain=tuple(f for f in after if f.id not in had),
                      lose=tuple(f for f in before if f.id not in will))
