"""Entitlements: features, the features attached to a product, a customer's active entitlements.

Shapes from the pinned SDK (`stripe.entitlements.Feature`, `stripe.ProductFeature`,
`stripe.entitlements.ActiveEntitlement`); the rules Stripe documents: a lookup key (at most 80
characters, like the name) is unique among active features and cannot be changed; an archived
feature (`active: false`) is left out of the features list unless `archived=true` is asked,
cannot be edited again and cannot be attached to a product; a feature is attached to a product
once. A customer's active entitlements are the features of the products of its subscriptions
in a status that gives access (active, trialing, past_due), one per active feature.

Not emulated: Stripe applies a feature attached to (or removed from) a product to existing
subscriptions only at their next billing period; here it counts at once. No
`entitlements.active_entitlement_summary.updated` event is sent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from widget_server.sandbox.errors import bad_request, missing
from widget_server.sandbox.params import apply_metadata, opt_bool, opt_str, req_str
from widget_server.sandbox.render import list_response, render, subscription_items
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()
MAX_TEXT = 80
ENTITLED_STATUSES = ("active", "trialing", "past_due")


def _text(params: JSON, name: str, required: bool) -> str | None:
    value = req_str(params, name) if required else opt_str(params, name)
    if value is not None and len(value) > MAX_TEXT:
        raise bad_request(f"Invalid {name}: must be at most {MAX_TEXT} characters", param=name)
    if value is not None and not value.strip():
        raise bad_request(f"Missing required param: {name}.", param=name)
    return value


def _active_with_key(store: Store, lookup_key: str) -> JSON | None:
    return next((f for f in store.table("feature").values()
                 if f["active"] and f["lookup_key"] == lookup_key), None)


@routes.post("/entitlements/features", "lookup_key", "name", "metadata")
def create_feature(req: ApiRequest) -> JSON:
    lookup_key = str(_text(req.params, "lookup_key", True))
    name = str(_text(req.params, "name", True))
    if _active_with_key(req.store, lookup_key) is not None:
        raise bad_request(f"A feature with lookup_key '{lookup_key}' already exists.",
                          param="lookup_key", code="resource_already_exists")
    feature: JSON = {"id": req.store.new_id("feat_"), "object": "entitlements.feature",
                     "active": True, "livemode": False, "lookup_key": lookup_key,
                     "metadata": {}, "name": name}
    apply_metadata(feature, req.params.get("metadata"))
    return render(req.store, "feature", req.store.insert("feature", feature))


@routes.get("/entitlements/features/<feature_id>")
def retrieve_feature(req: ApiRequest, feature_id: str) -> JSON:
    return render(req.store, "feature", req.store.require("feature", feature_id))


@routes.post("/entitlements/features/<feature_id>", "active", "name", "metadata")
def update_feature(req: ApiRequest, feature_id: str) -> JSON:
    feature = req.store.require("feature", feature_id)
    if not feature["active"]:
        raise bad_request("This feature is archived: an archived feature cannot be updated.",
                          param="active" if "active" in req.params else None)
    name = _text(req.params, "name", False)
    if name is not None:
        feature["name"] = name
    active = opt_bool(req.params, "active")
    if active is not None:
        feature["active"] = active
    apply_metadata(feature, req.params.get("metadata"))
    return render(req.store, "feature", feature)


@routes.get("/entitlements/features", "archived", "lookup_key", *PAGING)
def list_features(req: ApiRequest) -> JSON:
    archived = bool(opt_bool(req.params, "archived"))
    lookup_key = opt_str(req.params, "lookup_key")
    rows = [f for f in req.store.newest_first("feature")
            if f["active"] is not archived
            and (lookup_key is None or f["lookup_key"] == lookup_key)]
    return list_response(req.store, "feature", rows, req.params, "/v1/entitlements/features")


# --- product features ----------------------------------------------------------------------


def _product_feature_json(store: Store, row: JSON) -> JSON:
    feature = store.require("feature", row["_feature"])
    return {"id": row["id"], "object": "product_feature", "livemode": False,
            "entitlement_feature": render(store, "feature", feature)}


def features_of_product(store: Store, product_id: str) -> list[JSON]:
    """The product's attachments, newest first (as Stripe lists them)."""
    return [r for r in store.newest_first("product_feature") if r["_product"] == product_id]


@routes.post("/products/<product_id>/features", "entitlement_feature")
def attach_feature(req: ApiRequest, product_id: str) -> JSON:
    product = req.store.require("product", product_id)
    feature = req.store.require("feature", req_str(req.params, "entitlement_feature"),
                                "entitlement_feature")
    if not feature["active"]:
        raise bad_request("An archived feature cannot be attached to a product.",
                          param="entitlement_feature")
    if any(r["_feature"] == feature["id"] for r in features_of_product(req.store, product["id"])):
        raise bad_request(f"The feature '{feature['id']}' is already attached to this product.",
                          param="entitlement_feature", code="resource_already_exists")
    row = req.store.insert("product_feature", {
        "id": req.store.new_id("prodft_"), "_product": product["id"],
        "_feature": feature["id"]})
    return _product_feature_json(req.store, row)


def _attachment(req: ApiRequest, product_id: str, attachment_id: str) -> JSON:
    req.store.require("product", product_id)
    row = req.store.get("product_feature", attachment_id)
    if row is None or row["_product"] != product_id:
        raise missing("product_feature", attachment_id)
    return row


@routes.get("/products/<product_id>/features/<attachment_id>")
def retrieve_product_feature(req: ApiRequest, product_id: str, attachment_id: str) -> JSON:
    return _product_feature_json(req.store, _attachment(req, product_id, attachment_id))


@routes.delete("/products/<product_id>/features/<attachment_id>")
def detach_feature(req: ApiRequest, product_id: str, attachment_id: str) -> JSON:
    row = _attachment(req, product_id, attachment_id)
    del req.store.table("product_feature")[row["id"]]
    return {"id": row["id"], "object": "product_feature", "deleted": True}


@routes.get("/products/<product_id>/features", *PAGING)
def list_product_features(req: ApiRequest, product_id: str) -> JSON:
    req.store.require("product", product_id)
    rows = features_of_product(req.store, product_id)
    page = list_response(req.store, "product_feature", rows, req.params,
                         f"/v1/products/{product_id}/features")
    by_id = {r["id"]: r for r in rows}
    page["data"] = [_product_feature_json(req.store, by_id[r["id"]]) for r in page["data"]]
    return page


# --- active entitlements -------------------------------------------------------------------


def _entitlement_id(customer_id: str, feature_id: str) -> str:
    digest = hashlib.sha256(f"{customer_id}/{feature_id}".encode()).hexdigest()[:24]
    return "ent_" + digest


def active_entitlements(store: Store, customer_id: str) -> list[JSON]:
    """One entitlement per feature of the products of the customer's entitling subscriptions."""
    products: list[str] = []
    subs = [s for s in store.newest_first("subscription")
            if s["customer"] == customer_id and s["status"] in ENTITLED_STATUSES]
    for sub in subs:
        for item in subscription_items(store, sub["id"]):
            product = store.require("price", item["price"])["product"]
            if product not in products:
                products.append(product)
    found: dict[str, JSON] = {}
    for product in products:
        for row in reversed(features_of_product(store, product)):
            feature = store.get("feature", row["_feature"])
            if feature is None or not feature["active"] or feature["id"] in found:
                continue
            found[feature["id"]] = {"id": _entitlement_id(customer_id, feature["id"]),
                                    "object": "entitlements.active_entitlement",
                                    "feature": feature["id"], "livemode": False,
                                    "lookup_key": feature["lookup_key"]}
    return list(found.values())


@routes.get("/entitlements/active_entitlements", "customer", *PAGING)
def list_active_entitlements(req: ApiRequest) -> JSON:
    customer = req.store.require("customer", req_str(req.params, "customer"), "customer")
    rows = active_entitlements(req.store, customer["id"])
    return list_response(req.store, "active_entitlement", rows, req.params,
                         "/v1/entitlements/active_entitlements")


@routes.get("/entitlements/active_entitlements/<entitlement_id>")
def retrieve_active_entitlement(req: ApiRequest, entitlement_id: str) -> JSON:
    for customer_id in list(req.store.table("customer")):
        for row in active_entitlements(req.store, customer_id):
            if row["id"] == entitlement_id:
                return row
    raise missing("active_entitlement", entitlement_id)
