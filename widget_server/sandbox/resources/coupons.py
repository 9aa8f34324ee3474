"""Coupons, promotion codes, and turning a `discounts` param into discount objects."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.money import add_interval
from widget_server.sandbox.params import (
    apply_metadata,
    opt_bool,
    opt_dict,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
)
from widget_server.sandbox.render import list_response, render
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()


def coupon_valid(coupon: JSON, now: int) -> bool:
    if coupon.get("redeem_by") and coupon["redeem_by"] <= now:
        return False
    limit = coupon.get("max_redemptions")
    return not (limit is not None and coupon["times_redeemed"] >= limit)


def _percent_off(params: JSON) -> float | None:
    value = params.get("percent_off")
    if value is None or value == "":
        return None
    try:
        percent = float(value)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid decimal: {value}", param="percent_off") from None
    if not 0 < percent <= 100:
        raise bad_request("percent_off must be greater than 0 and at most 100.",
                          param="percent_off")
    return percent


@routes.post("/coupons", "id", "name", "percent_off", "amount_off", "currency", "duration",
              "duration_in_months", "applies_to[products]", "max_redemptions", "redeem_by",
              "metadata")
def create_coupon(req: ApiRequest) -> JSON:
    params = req.params
    coupon_id = opt_str(params, "id") or req.store.new_id("", 8)
    if req.store.get("coupon", coupon_id):
        raise bad_request("Coupon already exists.", param="id", code="resource_already_exists")
    percent = _percent_off(params)
    amount_off = opt_int(params, "amount_off", 1)
    if (percent is None) == (amount_off is None):
        raise bad_request("Coupons need exactly one of percent_off or amount_off.",
                          param="percent_off")
    currency = opt_str(params, "currency")
    if amount_off is not None and not currency:
        raise bad_request("Missing required param: currency.", param="currency")
    duration = opt_enum(params, "duration", ("forever", "once", "repeating")) or "once"
    months = opt_int(params, "duration_in_months", 1)
    if duration == "repeating" and months is None:
        raise bad_request("Missing required param: duration_in_months.",
                          param="duration_in_months")
    applies_to = opt_dict(params, "applies_to")
    coupon = {
        "id": coupon_id,
        "object": "coupon",
        "amount_off": amount_off,
        "applies_to": {"products": list(applies_to.get("products") or [])}
        if applies_to else None,
        "created": req.now,
        "currency": currency.lower() if currency else None,
        "duration": duration,
        "duration_in_months": months if duration == "repeating" else None,
        "livemode": False,
        "max_redemptions": opt_int(params, "max_redemptions", 1),
        "metadata": {},
        "name": opt_str(params, "name"),
        "percent_off": percent,
        "redeem_by": opt_int(params, "redeem_by"),
        "times_redeemed": 0,
        "valid": True,
    }
    apply_metadata(coupon, params.get("metadata"))
    return render_coupon(req.store, req.store.insert("coupon", coupon))


def render_coupon(store: Store, coupon: JSON) -> JSON:
    out = render(store, "coupon", coupon)
    out["valid"] = coupon_valid(coupon, store.now())
    return out


@routes.get("/coupons/<coupon_id>")
def retrieve_coupon(req: ApiRequest, coupon_id: str) -> JSON:
    return render_coupon(req.store, req.store.require("coupon", coupon_id))


@routes.delete("/coupons/<coupon_id>")
def delete_coupon(req: ApiRequest, coupon_id: str) -> JSON:
    req.store.require("coupon", coupon_id)
    del req.store.table("coupon")[coupon_id]
    return {"id": coupon_id, "object": "coupon", "deleted": True}


@routes.get("/coupons", *PAGING)
def list_coupons(req: ApiRequest) -> JSON:
    page = list_response(req.store, "coupon", req.store.newest_first("coupon"), req.params,
                         "/v1/coupons")
    for row in page["data"]:
        row["valid"] = coupon_valid(req.store.require("coupon", row["id"]), req.now)
    return page


@routes.post("/promotion_codes", "active", "code", "customer", "expires_at",
              "max_redemptions", "metadata", "promotion", "restrictions[first_time_transaction]",
              "restrictions[minimum_amount]", "restrictions[minimum_amount_currency]")
def create_promotion_code(req: ApiRequest) -> JSON:
    params = req.params
    promotion = opt_dict(params, "promotion") or {}
    if promotion.get("type") != "coupon" or not promotion.get("coupon"):
        raise bad_request("Missing required param: promotion[coupon].",
                          param="promotion[coupon]")
    coupon = req.store.require("coupon", promotion["coupon"], "promotion[coupon]")
    code = opt_str(params, "code") or req.store.new_id("", 8).upper()
    if any(p["code"].casefold() == code.casefold() and p["active"]
           for p in req.store.table("promotion_code").values()):
        raise bad_request("An active promotion code with this code already exists.",
                          param="code")
    customer = opt_str(params, "customer")
    if customer:
        req.store.require("customer", customer, "customer")
    restrictions = opt_dict(params, "restrictions") or {}
    promo = {
        "id": req.store.new_id("promo_"),
        "object": "promotion_code",
        "active": opt_bool(params, "active") is not False,
        "code": code,
        "created": req.now,
        "customer": customer,
        "expires_at": opt_int(params, "expires_at"),
        "livemode": False,
        "max_redemptions": opt_int(params, "max_redemptions", 1),
        "metadata": {},
        "promotion": {"coupon": coupon["id"], "type": "coupon"},
        "restrictions": {
            "currency_options": {},
            "first_time_transaction": opt_bool(restrictions, "first_time_transaction") is True,
            "minimum_amount": opt_int(restrictions, "minimum_amount", 0),
            "minimum_amount_currency": opt_str(restrictions, "minimum_amount_currency"),
        },
        "times_redeemed": 0,
    }
    apply_metadata(promo, params.get("metadata"))
    return render(req.store, "promotion_code", req.store.insert("promotion_code", promo))


@routes.post("/promotion_codes/<promo_id>", "active", "metadata")
def update_promotion_code(req: ApiRequest, promo_id: str) -> JSON:
    promo = req.store.require("promotion_code", promo_id)
    active = opt_bool(req.params, "active")
    if active is not None:
        promo["active"] = active
    apply_metadata(promo, req.params.get("metadata"))
    return render(req.store, "promotion_code", promo)


@routes.get("/promotion_codes/<promo_id>")
def retrieve_promotion_code(req: ApiRequest, promo_id: str) -> JSON:
    return render(req.store, "promotion_code", req.store.require("promotion_code", promo_id))


@routes.get("/promotion_codes", "code", "active", "coupon", "customer", *PAGING)
def list_promotion_codes(req: ApiRequest) -> JSON:
    params = req.params
    code, active = opt_str(params, "code"), opt_bool(params, "active")
    coupon, customer = opt_str(params, "coupon"), opt_str(params, "customer")
    rows = [
        p for p in req.store.newest_first("promotion_code")
        if (code is None or p["code"].casefold() == code.casefold())
        and (active is None or p["active"] == active)
        and (coupon is None or p["promotion"]["coupon"] == coupon)
        and (customer is None or p["customer"] == customer)
    ]
    return list_response(req.store, "promotion_code", rows, params, "/v1/promotion_codes")


def _check_promotion_code(store: Store, promo: JSON, customer: JSON, amount: int,
                          param: str) -> None:
    now = store.now()
    if not promo["active"]:
        raise bad_request(f"This promotion code is inactive: '{promo['code']}'.", param=param)
    if promo["expires_at"] is not None and promo["expires_at"] <= now:
        raise bad_request(f"This promotion code has expired: '{promo['code']}'.", param=param)
    limit = promo["max_redemptions"]
    if limit is not None and promo["times_redeemed"] >= limit:
        raise bad_request("This promotion code has been redeemed the maximum number of "
                          "times.", param=param)
    if promo["customer"] and promo["customer"] != customer["id"]:
        raise bad_request("This promotion code cannot be redeemed by this customer.",
                          param=param)
    restrictions = promo["restrictions"]
    if restrictions["first_time_transaction"] and any(
        i["customer"] == customer["id"] and i["status"] == "paid" and i["amount_paid"] > 0
        for i in store.table("invoice").values()
    ):
        raise bad_request("This promotion code can only be used on a customer's first "
                          "transaction.", param=param)
    minimum = restrictions["minimum_amount"]
    if minimum is not None and amount < minimum:
        raise bad_request(f"This promotion code requires a minimum amount of {minimum}.",
                          param=param)


def build_discounts(store: Store, value: Any, customer: JSON, subscription_id: str | None,
                    amount: int, param: str = "discounts") -> list[str]:
    """Validate a `discounts` param and create the discount objects; returns their ids."""
    entries = opt_list({param: value}, param) or []
    ids: list[str] = []
    for i, entry in enumerate(entries):
        where = f"{param}[{i}]"
        if not isinstance(entry, dict):
            raise bad_request(f"Invalid hash: {where}", param=where)
        if entry.get("discount"):
            store.require("discount", entry["discount"], f"{where}[discount]")
            ids.append(entry["discount"])
            continue
        promo = None
        if entry.get("promotion_code"):
            promo = store.require("promotion_code", entry["promotion_code"],
                                  f"{where}[promotion_code]")
            _check_promotion_code(store, promo, customer, amount, f"{where}[promotion_code]")
            coupon = store.require("coupon", promo["promotion"]["coupon"])
        elif entry.get("coupon"):
            coupon = store.require("coupon", entry["coupon"], f"{where}[coupon]")
        else:
            raise bad_request(f"Missing required param: {where}[coupon].", param=where)
        if not coupon_valid(coupon, store.now()):
            raise bad_request(f"Coupon expired: {coupon['id']}", param=f"{where}[coupon]")
        ids.append(create_discount(store, coupon, customer["id"], subscription_id, promo)["id"])
    return ids


def create_discount(store: Store, coupon: JSON, customer_id: str, subscription_id: str | None,
                    promo: JSON | None) -> JSON:
    now = store.now()
    end = None
    if coupon["duration"] == "repeating":
        end = add_interval(now, "month", int(coupon["duration_in_months"]))
    coupon["times_redeemed"] += 1
    if promo is not None:
        promo["times_redeemed"] += 1
    discount = {
        "id": store.new_id("di_"),
        "object": "discount",
        "checkout_session": None,
        "customer": customer_id,
        "end": end,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": promo["id"] if promo else None,
        "source": {"coupon": coupon["id"], "type": "coupon"},
        "start": now,
        "subscription": subscription_id,
        "subscription_item": None,
    }
    return store.insert("discount", discount)
