"""Customers, customer search, tax ids and a customer's payment methods."""

from __future__ import annotations

import re
from typing import Any

from widget_server.sandbox.errors import bad_request, missing
from widget_server.sandbox.params import (
    apply_metadata,
    opt_dict,
    opt_int,
    opt_list,
    opt_str,
    req_str,
)
from widget_server.sandbox.render import list_response, render
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.search import search
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
_CUSTOMER_FIELDS = ("email", "name", "phone", "description", "address", "metadata",
                    "invoice_settings[default_payment_method]", "preferred_locales")
TAX_ID_FORMATS = {
    "eu_vat": re.compile(r"^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|"
                         r"PL|PT|RO|SE|SI|SK|XI)[0-9A-Z]{8,12}$"),
    "gb_vat": re.compile(r"^GB(\d{9}|\d{12})$"),
    "us_ein": re.compile(r"^\d{2}-?\d{7}$"),
    "au_abn": re.compile(r"^\d{11}$"),
}
# the fields Stripe's customer search supports (metadata['key'] is always allowed)
SEARCH_FIELDS = {"created": "number", "email": "text", "name": "text", "phone": "text"}


def address(value: Any, param: str = "address") -> JSON | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dict):
        raise bad_request("Invalid address: must be a hash.", param=param)
    for key in value:
        if key not in ADDRESS_FIELDS:
            raise bad_request(f"Received unknown parameter: {param}[{key}]", param=param)
    return {k: value.get(k) for k in ADDRESS_FIELDS}


def get_customer(store: Store, customer_id: str, param: str = "id") -> JSON:
    customer = store.require("customer", customer_id, param)
    if customer.get("deleted"):
        raise missing("customer", customer_id, param)
    return customer


def _apply(req: ApiRequest, customer: JSON) -> None:
    params = req.params
    for name in ("email", "name", "phone", "description"):
        if name in params:
            customer[name] = opt_str(params, name) or None
    if "address" in params:
        customer["address"] = address(params["address"])
    settings = opt_dict(params, "invoice_settings")
    if settings and "default_payment_method" in settings:
        pm_id = settings["default_payment_method"] or None
        if pm_id:
            pm = req.store.require("payment_method", pm_id,
                                   "invoice_settings[default_payment_method]")
            if pm.get("customer") != customer["id"]:
                raise bad_request(
                    f"The customer does not have a payment method with the ID {pm_id}. The "
                    "payment method must be attached to the customer.",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"]["default_payment_method"] = pm_id
    if "preferred_locales" in params:
        customer["preferred_locales"] = [str(v) for v in opt_list(params,
                                                                  "preferred_locales") or []]
    apply_metadata(customer, params.get("metadata"))


def new_customer(store: Store, customer_id: str | None = None) -> JSON:
    return {
        "id": customer_id or store.new_id("cus_"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": store.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": store.new_id("", 8).upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


@routes.post("/customers", *_CUSTOMER_FIELDS, "payment_method", "tax_id_data", "test_clock")
def create_customer(req: ApiRequest) -> JSON:
    clock_id = opt_str(req.params, "test_clock")
    if clock_id:  # created at the clock's frozen time (clocks.request_time), for good
        from widget_server.sandbox.resources.test_clocks import check_new_customer

        check_new_customer(req.store, clock_id)
    customer = req.store.insert("customer", new_customer(req.store))
    customer["test_clock"] = clock_id or None
    pm_id = opt_str(req.params, "payment_method")
    if pm_id:
        from widget_server.sandbox.resources.payment_methods import attach

        attach(req.store, req.store.require("payment_method", pm_id, "payment_method"),
               customer)
    _apply(req, customer)
    for index, entry in enumerate(opt_list(req.params, "tax_id_data") or []):
        add_tax_id(req.store, customer, str(entry["type"]), str(entry["value"]),
                   f"tax_id_data[{index}]")
    return render(req.store, "customer", customer)


@routes.get("/customers/<customer_id>")
def retrieve_customer(req: ApiRequest, customer_id: str) -> JSON:
    return render(req.store, "customer", req.store.require("customer", customer_id))


@routes.post("/customers/<customer_id>", *_CUSTOMER_FIELDS)
def update_customer(req: ApiRequest, customer_id: str) -> JSON:
    customer = get_customer(req.store, customer_id)
    _apply(req, customer)
    return render(req.store, "customer", customer)


@routes.delete("/customers/<customer_id>")
def delete_customer(req: ApiRequest, customer_id: str) -> JSON:
    get_customer(req.store, customer_id)
    return remove_customer(req.store, customer_id, req.now)


def remove_customer(store: Store, customer_id: str, now: int) -> JSON:
    """Delete a customer: its live subscriptions end now."""
    for sub in store.table("subscription").values():
        if sub["customer"] == customer_id and sub["status"] != "canceled":
            sub.update(status="canceled", canceled_at=now, ended_at=now)
    deleted = {"id": customer_id, "object": "customer", "deleted": True}
    store.table("customer")[customer_id] = {**deleted, "_seq": 0}
    return deleted


@routes.get("/customers", "email", *PAGING)
def list_customers(req: ApiRequest) -> JSON:
    email = opt_str(req.params, "email")
    rows = [c for c in req.store.newest_first("customer") if not c.get("deleted")]
    if email is not None:
        rows = [c for c in rows if c.get("email") == email]  # case-sensitive, like Stripe
    return list_response(req.store, "customer", rows, req.params, "/v1/customers")


@routes.get("/customers/search", "query", "limit", "page")
def search_customers(req: ApiRequest) -> JSON:
    query = req_str(req.params, "query")
    rows = search([c for c in req.store.newest_first("customer") if not c.get("deleted")],
                  query, SEARCH_FIELDS)
    limit = opt_int(req.params, "limit", 1) or 10
    if limit > 100:
        raise bad_request("This value must be less than or equal to 100.", param="limit")
    offset = opt_int(req.params, "page", 0) or 0
    page = rows[offset:offset + limit]
    more = len(rows) > offset + limit
    return {
        "object": "search_result",
        "data": [render(req.store, "customer", c) for c in page],
        "has_more": more,
        "next_page": str(offset + limit) if more else None,
        "url": "/v1/customers/search",
    }


def _tax_country(kind: str, value: str) -> str:
    if kind == "eu_vat":
        return "GR" if value.startswith("EL") else value[:2]
    return {"gb_vat": "GB", "us_ein": "US", "au_abn": "AU"}[kind]


@routes.post("/customers/<customer_id>/tax_ids", "type", "value")
def create_tax_id(req: ApiRequest, customer_id: str) -> JSON:
    customer = get_customer(req.store, customer_id)
    kind, value = req_str(req.params, "type"), req_str(req.params, "value")
    return render(req.store, "tax_id", add_tax_id(req.store, customer, kind, value))


def add_tax_id(store: Store, customer: JSON, kind: str, value: str, param: str = "") -> JSON:
    """Check a tax id's type and format and store it (`param`: where it came from)."""
    if kind not in TAX_ID_FORMATS:
        raise bad_request(f"Invalid type: must be one of {', '.join(TAX_ID_FORMATS)}",
                          param=f"{param}[type]" if param else "type")
    normalised = re.sub(r"[\s.]", "", value).upper()
    if not TAX_ID_FORMATS[kind].match(normalised):
        raise bad_request(f"Invalid value for {kind}.", param="value" if not param else
                          f"{param}[value]", code="tax_id_invalid")
    now = store.now()
    tax_id = {
        "id": store.new_id("txi_"),
        "object": "tax_id",
        "country": _tax_country(kind, normalised),
        "created": now,
        "customer": customer["id"],
        "livemode": False,
        "owner": {"type": "customer", "customer": customer["id"], "account": None,
                  "application": None},
        "type": kind,
        "value": value,
        "verification": {"status": "pending" if kind in ("eu_vat", "gb_vat") else
                         "unavailable", "verified_address": None, "verified_name": None},
    }
    return store.insert("tax_id", tax_id)


def _tax_id(store: Store, customer_id: str, tax_id: str) -> JSON:
    found = store.get("tax_id", tax_id)
    if found is None or found["customer"] != customer_id:
        raise missing("tax_id", tax_id)
    return found


@routes.get("/customers/<customer_id>/tax_ids", *PAGING)
def list_tax_ids(req: ApiRequest, customer_id: str) -> JSON:
    get_customer(req.store, customer_id)
    rows = [t for t in req.store.newest_first("tax_id") if t["customer"] == customer_id]
    return list_response(req.store, "tax_id", rows, req.params,
                         f"/v1/customers/{customer_id}/tax_ids")


@routes.get("/customers/<customer_id>/tax_ids/<tax_id>")
def retrieve_tax_id(req: ApiRequest, customer_id: str, tax_id: str) -> JSON:
    return render(req.store, "tax_id", _tax_id(req.store, customer_id, tax_id))


@routes.delete("/customers/<customer_id>/tax_ids/<tax_id>")
def delete_tax_id(req: ApiRequest, customer_id: str, tax_id: str) -> JSON:
    _tax_id(req.store, customer_id, tax_id)
    del req.store.table("tax_id")[tax_id]
    return {"id": tax_id, "object": "tax_id", "deleted": True}


@routes.get("/customers/<customer_id>/payment_methods", "type", *PAGING)
def list_customer_payment_methods(req: ApiRequest, customer_id: str) -> JSON:
    get_customer(req.store, customer_id)
    kind = opt_str(req.params, "type")
    rows = [p for p in req.store.newest_first("payment_method")
            if p.get("customer") == customer_id and (kind is None or p["type"] == kind)]
    return list_response(req.store, "payment_method", rows, req.params,
                         f"/v1/customers/{customer_id}/payment_methods")
