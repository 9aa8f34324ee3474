"""Demo entitlement features on the demo products (called once by ``seed.seed_store``).

Each plan grants what the one below it grants and more, so a plan change in the demo shows
both what is gained and what is lost; the add-on grants one feature of its own.
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.resources import entitlements
from widget_server.sandbox.routing import ApiRequest
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
# lookup key, name
_FEATURES = [
    ("projects", "Unlimited projects"),
    ("api_access", "API access"),
    ("analytics", "Advanced analytics"),
    ("sso", "Single sign-on (SSO)"),
    ("audit_log", "Audit log"),
    ("priority_support", "Priority support within 4 hours"),
]
_PRODUCT_FEATURES = {
    "prod_starter": ("projects",),
    "prod_pro": ("projects", "api_access", "analytics"),
    "prod_team": ("projects", "api_access", "analytics", "sso", "audit_log"),
    "prod_support": ("priority_support",),
}


def seed_entitlements(store: Store) -> None:
    ids: dict[str, str] = {}
    for lookup_key, name in _FEATURES:
        store.reserved_ids.setdefault("feat_", []).append(f"feat_demo_{lookup_key}")
        feature = entitlements.create_feature(ApiRequest(store, {"lookup_key": lookup_key,
                                                                 "name": name}))
        ids[lookup_key] = feature["id"]
    for product_id, keys in _PRODUCT_FEATURES.items():
        for key in keys:
            short = product_id.removeprefix("prod_")
            store.reserved_ids.setdefault("prodft_", []).append(f"prodft_demo_{short}_{key}")
            entitlements.attach_feature(ApiRequest(store, {"entitlement_feature": ids[key]}),
                                        product_id)
