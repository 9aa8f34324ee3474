"""Turning stored objects into wire JSON: computed fields, `expand[]`, list pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import has_request_context, request

from widget_server.sandbox.clocks import clock_id_of
from widget_server.sandbox.currencies import rendered_options
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.params import opt_int
from widget_server.sandbox.store import Store, kind_of, strip_internal

JSON = dict[str, Any]
MAX_EXPAND_DEPTH = 4
INVOICE_LINES_EMBEDDED = 10
INCLUDED_LIST_SIZE = 10

# fields whose ids are not prefixed (owner-chosen coupon ids) or are always expandable
_FIELD_KINDS = {"coupon": "coupon"}
_EXPANDABLE = {
    "customer", "default_payment_method", "latest_invoice", "product", "price", "discounts",
    "payment_method", "subscription", "coupon", "promotion_code", "invoice", "schedule",
    "released_subscription", "default_price", "pending_setup_intent", "subscription_item",
    "feature", "test_clock",
}


def base_url() -> str:
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1"


# Only classic billing is emulated (flexible billing mode changes proration rules).
CLASSIC_BILLING = {"flexible": None, "type": "classic", "updated_at": None}


def _render_subscription(store: Store, sub: JSON) -> JSON:
    out: JSON = strip_internal(sub)
    out.setdefault("billing_mode", dict(CLASSIC_BILLING))
    out.setdefault("billing_schedules", [])
    items = [render(store, "subscription_item", i) for i in subscription_items(store, sub["id"])]
    out["items"] = {
        "object": "list",
        "data": items,
        "has_more": False,
        "url": f"/v1/subscription_items?subscription={sub['id']}",
    }
    return out


def _render_item(store: Store, item: JSON) -> JSON:
    out: JSON = strip_internal(item)
    price = store.require("price", item["price"])
    out["price"] = render(store, "price", price)
    out["plan"] = plan_of(price)
    return out


def plan_of(price: JSON) -> JSON:
    """The legacy `plan` Stripe still returns beside a recurring item's price."""
    recurring = price.get("recurring") or {}
    return {
        "id": price["id"], "object": "plan", "active": price["active"],
        "amount": price.get("unit_amount"),
        "amount_decimal": price.get("unit_amount_decimal"),
        "billing_scheme": price.get("billing_scheme", "per_unit"),
        "created": price["created"], "currency": price["currency"],
        "interval": recurring.get("interval", "month"),
        "interval_count": recurring.get("interval_count", 1), "livemode": False,
        "metadata": dict(price.get("metadata") or {}), "meter": None,
        "nickname": price.get("nickname"), "product": price["product"],
        "tiers_mode": price.get("tiers_mode"), "transform_usage": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def _render_invoice(store: Store, invoice: JSON) -> JSON:
    out: JSON = strip_internal(invoice)
    lines = out.pop("lines", [])
    # Stripe embeds the first 10 lines; the rest are paged at /v1/invoices/{id}/lines
    out["lines"] = {
        "object": "list",
        "data": lines[:INVOICE_LINES_EMBEDDED],
        "has_more": len(lines) > INVOICE_LINES_EMBEDDED,
        "url": f"/v1/invoices/{invoice['id']}/lines",
    }
    out.setdefault("default_tax_rates", [])
    out.setdefault("issuer", {"account": None, "type": "self"})
    out.setdefault("payment_settings", {"default_mandate": None,
                                        "payment_method_options": None,
                                        "payment_method_types": None})
    out.setdefault("post_payment_credit_notes_amount", 0)
    out.setdefault("pre_payment_credit_notes_amount", 0)
    out["payments"] = {
        "object": "list",
        "data": [dict(p) for p in invoice.get("_payments", [])],
        "has_more": False,
        "url": f"/v1/invoice_payments?invoice={invoice['id']}",
    }
    if invoice.get("status") != "draft" and not invoice["id"].startswith("upcoming_"):
        out["hosted_invoice_url"] = f"{base_url()}/invoices/{invoice['id']}"
        out["invoice_pdf"] = f"{base_url()}/invoices/{invoice['id']}/pdf"
    return out


def _render_customer(store: Store, customer: JSON) -> JSON:
    """A customer with its includable lists (removed again unless `expand[]` names them)."""
    out: JSON = strip_internal(customer)
    if customer.get("deleted"):
        return out
    tax_ids = [t for t in store.newest_first("tax_id") if t["customer"] == customer["id"]]
    subscriptions = [s for s in store.newest_first("subscription")
                     if s["customer"] == customer["id"]
                     and s["status"] not in ("canceled", "incomplete_expired")]
    out["tax_ids"] = _included(store, "tax_id", tax_ids,
                               f"/v1/customers/{customer['id']}/tax_ids")
    out["subscriptions"] = _included(store, "subscription", subscriptions,
                                     f"/v1/customers/{customer['id']}/subscriptions")
    out["sources"] = _included(store, "source", [],
                               f"/v1/customers/{customer['id']}/sources")
    return out


def _included(store: Store, kind: str, rows: list[JSON], url: str) -> JSON:
    return {"object": "list", "data": [render(store, kind, r) for r in rows[:INCLUDED_LIST_SIZE]],
            "has_more": len(rows) > INCLUDED_LIST_SIZE, "url": url}


def _render_price(store: Store, price: JSON) -> JSON:
    out: JSON = strip_internal(price)
    out.setdefault("tiers", None)  # includable: kept only when expand[] names it
    out["currency_options"] = rendered_options(price)  # includable too
    return out


def _render_schedule(store: Store, schedule: JSON) -> JSON:
    out: JSON = strip_internal(schedule)
    out.setdefault("billing_mode", dict(CLASSIC_BILLING))
    out.setdefault("pause_schedules", [])
    settings = out.get("default_settings")
    if isinstance(settings, dict) and settings.get("invoice_settings") is None:
        settings["invoice_settings"] = {"account_tax_ids": None, "days_until_due": None,
                                        "issuer": {"account": None, "type": "self"}}
    return out


_RENDERERS: dict[str, Callable[[Store, JSON], JSON]] = {
    "customer": _render_customer,
    "subscription_schedule": _render_schedule,
    "price": _render_price,
    "subscription": _render_subscription,
    "subscription_item": _render_item,
    "invoice": _render_invoice,
}


# objects that belong to their customer's test clock (clocks.py)
_CLOCKED = frozenset({"subscription", "subscription_schedule", "invoice"})


def render(store: Store, kind: str, obj: JSON) -> JSON:
    renderer = _RENDERERS.get(kind)
    out = renderer(store, obj) if renderer else strip_internal(obj)
    if kind in _CLOCKED and not obj.get("deleted"):
        out["test_clock"] = clock_id_of(store, obj.get("customer"))
    return out


def subscription_items(store: Store, subscription_id: str) -> list[JSON]:
    rows = [i for i in store.table("subscription_item").values()
            if i["subscription"] == subscription_id]
    rows.sort(key=lambda i: i["_seq"])
    return rows


def expand(store: Store, data: JSON, paths: list[str]) -> JSON:
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise bad_request(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. "
                f"Property: {path}",
                param="expand",
            )
        _expand_node(store, data, parts, path)
    return data


def _expand_node(store: Store, node: Any, parts: list[str], path: str) -> None:
    if not parts or node is None:
        return
    if isinstance(node, list):
        for entry in node:
            _expand_node(store, entry, parts, path)
        return
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if node.get("object") in ("list", "search_result") and head == "data":
        for entry in node["data"]:
            _expand_node(store, entry, rest, path)
        return
    if head not in node:
        raise bad_request(f"This property cannot be expanded ({head}).", param="expand")
    value = node[head]
    if isinstance(value, str):
        node[head] = _resolve(store, head, value, path)
    elif isinstance(value, list):
        node[head] = [_resolve(store, head, v, path) if isinstance(v, str) else v for v in value]
    elif value is not None and not isinstance(value, dict):
        raise bad_request(f"This property cannot be expanded ({head}).", param="expand")
    _expand_node(store, node[head], rest, path)


def _resolve(store: Store, field: str, object_id: str, path: str) -> Any:
    if field not in _EXPANDABLE:
        raise bad_request(f"This property cannot be expanded ({field}).", param="expand")
    kind = _FIELD_KINDS.get(field) or kind_of(object_id)
    obj = store.get(kind, object_id) if kind else None
    return render(store, kind, obj) if kind and obj else object_id


def list_response(store: Store, kind: str, rows: list[JSON], params: JSON, url: str) -> JSON:
    """Paginate `rows` (already newest first) like Stripe: limit, starting_after, ending_before."""
    limit = opt_int(params, "limit", minimum=1)
    if limit is None:
        limit = 10
    if limit > 100:
        raise bad_request("This value must be less than or equal to 100.", param="limit")
    ids = [r["id"] for r in rows]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise bad_request("You may only specify one of these parameters: ending_before, "
                          "starting_after.", param="starting_after")
    if after:
        if after not in ids:
            raise bad_request(f"No such object: '{after}'", param="starting_after",
                              code="resource_missing")
        start = ids.index(after) + 1
        page, more = rows[start:start + limit], len(rows) > start + limit
    elif before:
        if before not in ids:
            raise bad_request(f"No such object: '{before}'", param="ending_before",
                              code="resource_missing")
        end = ids.index(before)
        page, more = rows[max(0, end - limit):end], end - limit > 0
    else:
        page, more = rows[:limit], len(rows) > limit
    return {
        "object": "list",
        "data": [render(store, kind, r) for r in page],
        "has_more": more,
        "url": url,
    }
