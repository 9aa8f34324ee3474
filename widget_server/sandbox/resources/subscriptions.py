"""Subscriptions and subscription items: create, retrieve, list, update, cancel."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import billing, currencies
from widget_server.sandbox.errors import StripeAPIError, bad_request
from widget_server.sandbox.invoicing import finalize, finalize_and_charge, new_invoice
from widget_server.sandbox.money import price_amount
from widget_server.sandbox.params import (
    apply_metadata,
    opt_bool,
    opt_dict,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
)
from widget_server.sandbox.render import list_response, render, subscription_items
from widget_server.sandbox.resources.coupons import build_discounts
from widget_server.sandbox.resources.customers import get_customer
from widget_server.sandbox.resources.test_clocks import check_new_subscription
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()
FEEDBACK = ("customer_service", "low_quality", "missing_features", "other", "switched_service",
            "too_complex", "too_expensive", "unused")
PRORATION = ("create_prorations", "none", "always_invoice")
PAYMENT_BEHAVIOR = ("allow_incomplete", "default_incomplete", "error_if_incomplete",
                    "pending_if_incomplete")
_DISCOUNT = ("discounts[][coupon]", "discounts[][promotion_code]", "discounts[][discount]")
_CREATE = ("customer", "items[][price]", "items[][quantity]", *_DISCOUNT,
           "default_payment_method", "metadata", "trial_period_days", "trial_end",
           "payment_behavior", "description", "cancel_at_period_end", "cancel_at",
           "off_session", "currency")
_UPDATE = ("items[][id]", "items[][price]", "items[][quantity]", "items[][deleted]",
           "proration_behavior", "proration_date", "cancel_at_period_end", "cancel_at",
           "cancellation_details[feedback]", "cancellation_details[comment]", *_DISCOUNT,
           "pause_collection[behavior]", "pause_collection[resumes_at]",
           "default_payment_method", "metadata", "payment_behavior", "description",
           "trial_end", "off_session", "billing_cycle_anchor[type]")


def _payment_method(store: Store, customer: JSON, value: Any) -> str | None:
    if not value:
        return None
    pm = store.require("payment_method", value, "default_payment_method")
    if pm.get("customer") != customer["id"]:
        raise bad_request(f"The customer does not have a payment method with the ID {value}. "
                          "The payment method must be attached to the customer.",
                          param="default_payment_method")
    return str(pm["id"])


def _cancellation_details(sub: JSON, value: Any) -> None:
    if value is None:
        return
    details = sub["cancellation_details"]
    if value == "":
        details.update(comment=None, feedback=None)
        return
    if not isinstance(value, dict):
        raise bad_request("Invalid cancellation_details.", param="cancellation_details")
    if "feedback" in value:
        feedback = opt_enum(value, "feedback", FEEDBACK)
        details["feedback"] = feedback or None
    if "comment" in value:
        details["comment"] = value["comment"] or None


def _check_items(store: Store, items: list[Any],
                 currency: str | None = None) -> list[tuple[JSON, int | None]]:
    """The items' prices (in `currency` when given: each must support it) and quantities."""
    if not items:
        raise bad_request("Missing required param: items.", param="items")
    checked: list[tuple[JSON, int | None]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("price"):
            raise bad_request(f"Missing required param: items[{i}][price].",
                              param=f"items[{i}][price]")
        price = billing.recurring_price(store, item["price"], f"items[{i}][price]")
        if currency is not None:
            price = currencies.require_in(price, currency, f"items[{i}][price]")
        quantity = opt_int(item, "quantity", 0)
        if (price.get("recurring") or {}).get("usage_type") == "metered":
            if quantity is not None:  # usage decides what a metered item bills
                raise bad_request("Quantity should not be specified where usage_type is "
                                  f"`metered`. Remove quantity from `items[{i}]`.",
                                  param=f"items[{i}][quantity]")
            checked.append((price, None))
            continue
        checked.append((price, 1 if quantity is None else quantity))
    _same_cadence([p for p, _ in checked])
    check_item_limits([p["id"] for p, _ in checked])
    return checked


MAX_ITEMS = 20


def check_item_limits(price_ids: list[str]) -> None:
    """Stripe's limits: at most 20 items, and never two items with the same price."""
    if len(price_ids) > MAX_ITEMS:
        raise bad_request(f"A subscription can have at most {MAX_ITEMS} items.", param="items")
    seen: set[str] = set()
    for price_id in price_ids:
        if price_id in seen:
            raise bad_request(f"Cannot add multiple subscription items with the same price: "
                              f"{price_id}.", param="items")
        seen.add(price_id)


def _same_cadence(prices: list[JSON]) -> None:
    first = prices[0]
    for price in prices[1:]:
        if price["currency"] != first["currency"] or price["recurring"]["interval"] != first[
                "recurring"]["interval"] or price["recurring"]["interval_count"] != first[
                "recurring"]["interval_count"]:
            raise bad_request("Currency and interval fields must match across all plans on "
                              "this subscription.", param="items")


@routes.post("/subscriptions", *_CREATE)
def create_subscription(req: ApiRequest) -> JSON:
    store, params = req.store, req.params
    customer = get_customer(store, str(params.get("customer") or ""), "customer")
    check_new_subscription(store, customer)
    asked = currencies.check_currency(params["currency"], "currency") \
        if params.get("currency") else None
    items = _check_items(store, opt_list(params, "items") or [], asked)
    currencies.check_customer(store, customer, items[0][0]["currency"])
    customer["currency"] = items[0][0]["currency"]
    behavior = opt_enum(params, "payment_behavior", PAYMENT_BEHAVIOR) or "allow_incomplete"
    now = req.now
    trial_days = opt_int(params, "trial_period_days", 0)
    trial_end = now + trial_days * 86400 if trial_days else opt_int(params, "trial_end")
    period_end = trial_end or billing.next_period_end(items[0][0], now)
    sub: JSON = {
        "id": store.new_id("sub_"),
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": period_end if trial_end else now,
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": items[0][0]["currency"],
        "customer": customer["id"],
        "days_until_due": None,
        "default_payment_method": _payment_method(store, customer,
                                                  params.get("default_payment_method")),
        "default_source": None,
        "default_tax_rates": [],
        "description": opt_str(params, "description"),
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "latest_invoice": None,
        "livemode": False,
        "metadata": {},
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": now,
        "status": "incomplete",
        "test_clock": None,
        "transfer_data": None,
        "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": now if trial_end else None,
    }
    apply_metadata(sub, params.get("metadata"))
    store.insert("subscription", sub)
    for price, quantity in items:
        billing.new_item(store, sub["id"], price, quantity, (now, period_end))
    subtotal = sum(price_amount(p, q) for p, q in items)
    sub["discounts"] = build_discounts(store, params.get("discounts"), customer, sub["id"],
                                       subtotal)
    _apply_cancel_fields(req, sub)
    if trial_end:
        lines = billing.period_lines(store, sub, (now, period_end))
        for line in lines:
            line.update(amount=0, subtotal=0, description="Trial period for " +
                        line["description"].split(" \u00d7 ", 1)[-1])
        billing.invoice_subscription(store, sub, lines, "subscription_create", (now, period_end))
        sub["status"] = "trialing"
        return render(store, "subscription", sub)
    lines = billing.period_lines(store, sub, (now, period_end))
    invoice = new_invoice(store, customer, lines=lines, subscription=sub,
                          billing_reason="subscription_create", period=(now, period_end),
                          discount_ids=list(sub["discounts"]))
    sub["latest_invoice"] = invoice["id"]
    error: StripeAPIError | None = None
    if behavior == "default_incomplete":
        finalize(store, invoice)
    else:
        error = finalize_and_charge(store, invoice,
                                    off_session=bool(opt_bool(params, "off_session")))
    if invoice["status"] == "paid":
        sub["status"] = "active"
    elif behavior == "error_if_incomplete" and error is not None:
        raise error
    return render(store, "subscription", sub)


def _apply_cancel_fields(req: ApiRequest, sub: JSON) -> None:
    params = req.params
    at_period_end = opt_bool(params, "cancel_at_period_end")
    _, end = billing.period_of(req.store, sub)
    if at_period_end is not None:
        sub["cancel_at_period_end"] = at_period_end
        sub["cancel_at"] = end if at_period_end else None
        sub["canceled_at"] = req.now if at_period_end else None
    if "cancel_at" in params:
        cancel_at = opt_int(params, "cancel_at")
        if cancel_at is not None and cancel_at <= req.now:
            raise bad_request("cancel_at must be in the future.", param="cancel_at")
        sub["cancel_at"] = cancel_at
        sub["cancel_at_period_end"] = cancel_at is not None and cancel_at == end
        sub["canceled_at"] = req.now if cancel_at is not None else None


@routes.get("/subscriptions/<sub_id>")
def retrieve_subscription(req: ApiRequest, sub_id: str) -> JSON:
    return render(req.store, "subscription", req.store.require("subscription", sub_id))


@routes.get("/subscriptions", "customer", "status", "price", *PAGING)
def list_subscriptions(req: ApiRequest) -> JSON:
    params = req.params
    customer, price = opt_str(params, "customer"), opt_str(params, "price")
    status = opt_str(params, "status")
    rows = req.store.newest_first("subscription")
    if status == "ended":
        rows = [s for s in rows if s["status"] in ("canceled", "incomplete_expired")]
    elif status and status != "all":
        rows = [s for s in rows if s["status"] == status]
    elif status is None:  # Stripe: every subscription not canceled (incomplete_expired too)
        rows = [s for s in rows if s["status"] != "canceled"]
    if customer:
        rows = [s for s in rows if s["customer"] == customer]
    if price:
        rows = [s for s in rows
                if any(i["price"] == price for i in subscription_items(req.store, s["id"]))]
    return list_response(req.store, "subscription", rows, params, "/v1/subscriptions")


def item_changes(store: Store, sub: JSON, value: Any) -> list[JSON]:
    """Parse `items[...]` of an update into change records (nothing is written)."""
    changes = []
    current = {i["id"]: i for i in subscription_items(store, sub["id"])}
    for n, entry in enumerate(opt_list({"items": value}, "items") or []):
        if not isinstance(entry, dict):
            raise bad_request(f"Invalid hash: items[{n}]", param=f"items[{n}]")
        item = current.get(entry.get("id") or "")
        if entry.get("id") and item is None:
            raise bad_request(f"No such subscription item: '{entry['id']}'",
                              param=f"items[{n}][id]", code="resource_missing")
        old_price = billing.item_price(store, sub, item["price"]) if item else None
        if opt_bool(entry, "deleted"):
            if item is None:
                raise bad_request("Deleted items need an id.", param=f"items[{n}][id]")
            changes.append({"item": item["id"], "old_price": old_price,
                            "old_quantity": item["quantity"], "new_price": None,
                            "new_quantity": 0})
            continue
        new_price = (currencies.require_in(
            billing.recurring_price(store, entry["price"], f"items[{n}][price]"),
            sub["currency"], f"items[{n}][price]") if entry.get("price") else old_price)
        if new_price is None:
            raise bad_request(f"Missing required param: items[{n}][price].",
                              param=f"items[{n}][price]")
        quantity = opt_int(entry, "quantity", 0)
        metered = (new_price.get("recurring") or {}).get("usage_type") == "metered"
        if metered and quantity is not None:  # as on create: usage decides the quantity
            raise bad_request("Quantity should not be specified where usage_type is `metered`. "
                              f"Remove quantity from `items[{n}]`.", param=f"items[{n}][quantity]")
        changes.append({
            "item": item["id"] if item else None, "old_price": old_price,
            "old_quantity": item["quantity"] if item else 0, "new_price": new_price,
            "new_quantity": None if metered else quantity if quantity is not None else (
                item["quantity"] if item and item["quantity"] is not None else 1),
        })
    kept = {c["item"] for c in changes}
    remaining = [billing.item_price(store, sub, i["price"]) for i in current.values() if i["id"]
                 not in kept] + [c["new_price"] for c in changes if c["new_price"]]
    if remaining:
        _same_cadence(remaining)
        check_item_limits([p["id"] for p in remaining])
    return changes


def resets_cycle(store: Store, sub: JSON, changes: list[JSON]) -> bool:
    items = subscription_items(store, sub["id"])
    if not items:
        return False
    current = store.require("price", items[0]["price"])["recurring"]
    return any(c["new_price"] and (c["new_price"]["recurring"]["interval"],
               c["new_price"]["recurring"]["interval_count"]) !=
               (current["interval"], current["interval_count"]) for c in changes)


def anchor_resets(store: Store, sub: JSON, changes: list[JSON], details: JSON,
                  param: str = "billing_cycle_anchor") -> bool:
    """Whether an update (or its preview) restarts the billing cycle now (never in a trial).

    The pinned API takes ``billing_cycle_anchor`` as a hash ``{type: now|unchanged}`` for an
    existing subscription; a change of interval always restarts the cycle, so ``unchanged``
    with one is refused rather than silently ignored.
    """
    anchor = opt_dict(details, "billing_cycle_anchor") or {}
    kind = anchor.get("type")
    if kind not in (None, "now", "unchanged"):
        raise bad_request(f"Invalid {param}[type]: for an existing subscription it can only be "
                          "now or unchanged.", param=f"{param}[type]")
    trial_end = sub.get("trial_end") or 0
    if sub["status"] == "trialing" and trial_end > store.now():
        # API 2026-10-28: an anchor earlier than trial_end is refused (update and preview);
        # otherwise the trial's end stays the anchor and the new interval starts there
        if kind == "now":
            raise bad_request(
                f"The billing cycle anchor cannot be earlier than the trial end ({trial_end}). "
                "End the trial first (trial_end=now), or leave the billing cycle anchor "
                "unchanged.", param=f"{param}[type]",
                code="subscription_update_trial_after_billing_cycle_anchor")
        return False
    interval = resets_cycle(store, sub, changes)
    if interval and kind == "unchanged":
        raise bad_request("The billing cycle anchor cannot stay unchanged when the billing "
                          "interval changes.", param=f"{param}[type]")
    return interval or kind == "now"


def apply_item_changes(store: Store, sub: JSON, changes: list[JSON]) -> None:
    period = billing.period_of(store, sub)
    for change in changes:
        if change["new_price"] is None:
            del store.table("subscription_item")[change["item"]]
        elif change["item"] is None:
            change["item"] = billing.new_item(store, sub["id"], change["new_price"],
                                              change["new_quantity"], period)["id"]
        else:
            item = store.require("subscription_item", change["item"])
            item.update(price=change["new_price"]["id"], quantity=change["new_quantity"])
    if not subscription_items(store, sub["id"]):
        raise bad_request("A subscription needs at least one item.", param="items")
