"""What the customer's live subscriptions grant and what each plan option would add and remove:
the body of ``GET /v1/portal/entitlements`` and the view's ``entitlements`` member (setting
``show_entitlements``), from the view's snapshot and the features cached with the catalog."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from widget_server.billing.domain import Feature, PortalSnapshot, Price, Subscription
from widget_server.billing.entitlements import (
    ENTITLING_STATUSES,
    FeaturesByProduct,
    after_change,
    compare,
    grants,
)
from widget_server.portal import currency
from widget_server.portal.rules import plan_options
from widget_server.portal.serialize import catalog_for_settings

JSON = dict[str, Any]


def feature_json(feature: Feature) -> JSON:
    return {"id": feature.id, "lookup_key": feature.lookup_key, "name": feature.name}


def _changes(sub: Subscription, catalog: Sequence[Price], settings: Mapping[str, Any],
             others: Sequence[Subscription], features: FeaturesByProduct) -> list[JSON]:
    found = []
    for item in sub.items:
        now = after_change(sub, item.id, item.price.product.id, features)
        for price in plan_options(sub, item, catalog, settings, others):
            diff = compare(now, after_change(sub, item.id, price.product.id, features))
            found.append({"item": item.id, "price": price.id,
                          "gain": [feature_json(f) for f in diff.gain],
                          "lose": [feature_json(f) for f in diff.lose]})
    return found


def entitlements_payload(snapshot: PortalSnapshot, settings: Mapping[str, Any],
                         features_of: Callable[[Collection[str]], FeaturesByProduct]) -> JSON:
    """The body: live subscriptions only (an ended one grants nothing and changes no plan)."""
    catalog = catalog_for_settings(snapshot.catalog, settings)  # localized per subscription
    live = [s for s in snapshot.subscriptions if s.status in ENTITLING_STATUSES]
    wanted = ({i.price.product.id for s in live for i in s.items}
              | {p.product.id for p in catalog})
    features: FeaturesByProduct = features_of(wanted) if wanted else {}
    offered = currency.catalogs_by_currency(settings, catalog)
    return {"subscriptions": [{
        "id": sub.id,
        "grants": [feature_json(f) for f in grants(sub, features)],
        "changes": _changes(sub, offered(sub), settings,
                            snapshot.subscriptions, features),
    } for sub in live]}
