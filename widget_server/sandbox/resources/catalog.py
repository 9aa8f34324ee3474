"""Products and prices (per_unit and tiered, one-time and recurring)."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import currencies
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.params import (
    apply_metadata,
    opt_bool,
    opt_dict,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
    req_str,
)
from widget_server.sandbox.render import list_response, render
from widget_server.sandbox.resources.meters import price_meter
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()
_PRODUCT_FIELDS = ("id", "name", "description", "unit_label", "metadata", "active", "images")
_PRICE_FIELDS = ("product", "unit_amount", "currency", "recurring[interval]",
                 "recurring[interval_count]", "recurring[trial_period_days]",
                 "recurring[usage_type]", "recurring[meter]", "nickname", "lookup_key",
                 "active", "metadata",
                 "billing_scheme", "tiers[][up_to]", "tiers[][unit_amount]",
                 "tiers[][flat_amount]", "tiers_mode", "currency_options")


def new_product(store: Store, name: str, product_id: str | None = None) -> JSON:
    now = store.now()
    return {
        "id": product_id or store.new_id("prod_"),
        "object": "product",
        "active": True,
        "created": now,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": now,
        "url": None,
    }


def _apply_product(req: ApiRequest, product: JSON) -> None:
    for name in ("name", "description", "unit_label"):
        if name in req.params:
            product[name] = opt_str(req.params, name) or None
    if not product["name"]:
        raise bad_request("Missing required param: name.", param="name")
    active = opt_bool(req.params, "active")
    if active is not None:
        product["active"] = active
    images = opt_list(req.params, "images")
    if images is not None:
        product["images"] = [str(i) for i in images]
    apply_metadata(product, req.params.get("metadata"))
    product["updated"] = req.now


@routes.post("/products", *_PRODUCT_FIELDS)
def create_product(req: ApiRequest) -> JSON:
    product_id = opt_str(req.params, "id")
    if product_id and req.store.get("product", product_id):
        raise bad_request("Product already exists.", param="id", code="resource_already_exists")
    product = new_product(req.store, req_str(req.params, "name"), product_id)
    _apply_product(req, product)
    return render(req.store, "product", req.store.insert("product", product))


@routes.post("/products/<product_id>", *_PRODUCT_FIELDS[1:])
def update_product(req: ApiRequest, product_id: str) -> JSON:
    product = req.store.require("product", product_id)
    _apply_product(req, product)
    return render(req.store, "product", product)


@routes.get("/products/<product_id>")
def retrieve_product(req: ApiRequest, product_id: str) -> JSON:
    return render(req.store, "product", req.store.require("product", product_id))


@routes.get("/products", "active", "ids", *PAGING)
def list_products(req: ApiRequest) -> JSON:
    active = opt_bool(req.params, "active")
    ids = opt_list(req.params, "ids")
    rows = [p for p in req.store.newest_first("product")
            if (active is None or p["active"] == active) and (not ids or p["id"] in ids)]
    return list_response(req.store, "product", rows, req.params, "/v1/products")


def _tiers(value: list[Any] | None) -> list[JSON] | None:
    if not value:
        return None
    tiers = []
    for i, tier in enumerate(value):
        if not isinstance(tier, dict):
            raise bad_request(f"Invalid hash: tiers[{i}]", param=f"tiers[{i}]")
        up_to = tier.get("up_to")
        tiers.append({
            "up_to": None if up_to in (None, "inf") else opt_int(tier, "up_to", 1),
            "unit_amount": opt_int(tier, "unit_amount", 0),
            "unit_amount_decimal": tier.get("unit_amount"),
            "flat_amount": opt_int(tier, "flat_amount", 0),
            "flat_amount_decimal": tier.get("flat_amount"),
        })
        if tiers[-1]["up_to"] is None and i != len(value) - 1:
            raise bad_request("Only the last tier may have up_to=inf.", param="tiers")
    return tiers


@routes.post("/prices", *_PRICE_FIELDS)
def create_price(req: ApiRequest) -> JSON:
    params = req.params
    product = req.store.require("product", req_str(params, "product"), "product")
    scheme = opt_enum(params, "billing_scheme", ("per_unit", "tiered")) or "per_unit"
    unit_amount = opt_int(params, "unit_amount", minimum=0)
    if scheme == "per_unit" and unit_amount is None:
        raise bad_request("Missing required param: unit_amount.", param="unit_amount")
    recurring = opt_dict(params, "recurring")
    if recurring is not None:
        interval = opt_enum(recurring, "interval", ("day", "week", "month", "year"))
        if interval is None:
            raise bad_request("Missing required param: recurring[interval].",
                              param="recurring[interval]")
        usage_type = opt_enum(recurring, "usage_type", ("licensed", "metered")) or "licensed"
        recurring = {
            "interval": interval,
            "interval_count": opt_int(recurring, "interval_count", 1) or 1,
            "meter": price_meter(req.store, recurring, usage_type),
            "trial_period_days": opt_int(recurring, "trial_period_days", 0),
            "usage_type": usage_type,
        }
    price = {
        "id": req.store.new_id("price_"),
        "object": "price",
        "active": opt_bool(params, "active") is not False,
        "billing_scheme": scheme,
        "created": req.now,
        "currency": currencies.check_currency(req_str(params, "currency"), "currency"),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": opt_str(params, "lookup_key"),
        "metadata": {},
        "nickname": opt_str(params, "nickname"),
        "product": product["id"],
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "tiers_mode": opt_enum(params, "tiers_mode", ("graduated", "volume")),
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(unit_amount),
    }
    if scheme == "tiered":
        price["tiers"] = _tiers(opt_list(params, "tiers"))
        if not price["tiers"] or not price["tiers_mode"]:
            raise bad_request("Tiered prices need tiers and tiers_mode.", param="tiers")
    currencies.whole_units(unit_amount, price["currency"], "unit_amount")
    options = currencies.parse_options(params.get("currency_options"), price["currency"],
                                       scheme, _tiers)
    if options:
        price["currency_options"] = options
    apply_metadata(price, params.get("metadata"))
    return render(req.store, "price", req.store.insert("price", price))


@routes.post("/prices/<price_id>", "active", "nickname", "lookup_key", "metadata",
             "currency_options")
def update_price(req: ApiRequest, price_id: str) -> JSON:
    price = req.store.require("price", price_id)
    if req.params.get("currency_options") == "":
        price.pop("currency_options", None)
    added = currencies.parse_options(req.params.get("currency_options") or None,
                                     price["currency"], price["billing_scheme"], _tiers)
    if added:  # new currencies are added; a given one replaces its option
        price["currency_options"] = {**price.get("currency_options", {}), **added}
    active = opt_bool(req.params, "active")
    if active is not None:
        price["active"] = active
    for name in ("nickname", "lookup_key"):
        if name in req.params:
            price[name] = opt_str(req.params, name) or None
    apply_metadata(price, req.params.get("metadata"))
    return render(req.store, "price", price)


@routes.get("/prices/<price_id>")
def retrieve_price(req: ApiRequest, price_id: str) -> JSON:
    return render(req.store, "price", req.store.require("price", price_id))


@routes.get("/prices", "active", "product", "type", "currency", "lookup_keys", *PAGING)
def list_prices(req: ApiRequest) -> JSON:
    params = req.params
    active = opt_bool(params, "active")
    product = opt_str(params, "product")
    kind = opt_enum(params, "type", ("one_time", "recurring"))
    currency = opt_str(params, "currency")
    lookup_keys = opt_list(params, "lookup_keys")
    rows = [
        p for p in req.store.newest_first("price")
        if (active is None or p["active"] == active)
        and (product is None or p["product"] == product)
        and (kind is None or p["type"] == kind)
        and (currency is None or p["currency"] == currency)
        and (not lookup_keys or p["lookup_key"] in lookup_keys)
    ]
    return list_response(req.store, "price", rows, params, "/v1/prices")
