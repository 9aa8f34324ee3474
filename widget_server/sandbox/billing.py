"""Subscription billing shared by the endpoints, previews and the clock: items, prorations,
renewals and cancellation."""

from __future__ import annotations

import time
from typing import Any

from widget_server.sandbox.currencies import require_in
from widget_server.sandbox.errors import StripeAPIError, bad_request
from widget_server.sandbox.invoicing import finalize, finalize_and_charge, make_line, new_invoice
from widget_server.sandbox.money import add_interval, price_amount, prorate
from widget_server.sandbox.render import subscription_items
from widget_server.sandbox.resources.meters import is_metered, usage_lines
from widget_server.sandbox.store import Store

JSON = dict[str, Any]


def period_of(store: Store, sub: JSON) -> tuple[int, int]:
    items = subscription_items(store, sub["id"])
    if not items:
        return sub["billing_cycle_anchor"], sub["billing_cycle_anchor"]
    return items[0]["current_period_start"], items[0]["current_period_end"]


def next_period_end(price: JSON, start: int) -> int:
    recurring = price["recurring"]
    return add_interval(start, recurring["interval"], recurring["interval_count"])


def recurring_price(store: Store, price_id: Any, param: str) -> JSON:
    price = store.require("price", price_id, param)
    if price["type"] != "recurring":
        raise bad_request("The price specified is set to `type=one_time` but this field only "
                          "accepts prices with `type=recurring`.", param=param)
    if not price["active"]:
        raise bad_request("The price specified is inactive. This field only accepts active "
                          "prices.", param=param)
    return price


def item_price(store: Store, sub: JSON, price_id: str, param: str = "items") -> JSON:
    """A subscription's price as billed in the subscription's currency."""
    return require_in(store.require("price", price_id), sub["currency"], param)


def new_item(store: Store, sub_id: str, price: JSON, quantity: int | None,
             period: tuple[int, int]) -> JSON:
    return store.insert("subscription_item", {
        "id": store.new_id("si_"),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": store.now(),
        "current_period_end": period[1],
        "current_period_start": period[0],
        "discounts": [],
        "metadata": {},
        "price": price["id"],
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
    })


def items_subtotal(store: Store, sub: JSON) -> int:
    """One full period of the subscription's items, before discounts."""
    prices = [(item_price(store, sub, i["price"]), i) for i in subscription_items(store, sub["id"])]
    return sum(price_amount(p, i["quantity"]) for p, i in prices if not is_metered(p))


def _date(ts: int) -> str:
    return time.strftime("%d %b %Y", time.gmtime(ts))


def proration_lines(store: Store, sub: JSON, changes: list[JSON], at: int) -> list[JSON]:
    """Credit for unused time on the old price and charge for the rest on the new one.

    Each change is `{"item", "old_price", "old_quantity", "new_price", "new_quantity"}`
    (prices may be None for added or removed items).
    """
    if sub["status"] == "trialing" and (sub.get("trial_end") or 0) > at:
        return []  # trial time is free: there is no paid time to credit or charge
    start, end = period_of(store, sub)
    remaining, length = end - at, end - start
    lines: list[JSON] = []
    for change in changes:
        old, new = change["old_price"], change["new_price"]
        if any(p is not None and is_metered(p) for p in (old, new)):
            continue  # usage is billed in arrears, never prorated
        if old is not None and new is not None and old["id"] == new["id"] and (
                change["old_quantity"] == change["new_quantity"]):
            continue  # nothing changed, nothing to prorate
        if old is not None and change["old_quantity"]:
            amount = prorate(price_amount(old, change["old_quantity"]), remaining, length)
            name = (store.get("product", old["product"]) or {}).get("name", old["product"])
            lines.append(make_line(
                store, price=old, quantity=change["old_quantity"], period=(at, end),
                subscription_id=sub["id"], item_id=change["item"], amount=-amount,
                proration=True,
                description=f"Unused time on {change['old_quantity']} \u00d7 {name} after "
                            f"{_date(at)}"))
        if new is not None and change["new_quantity"]:
            amount = prorate(price_amount(new, change["new_quantity"]), remaining, length)
            name = (store.get("product", new["product"]) or {}).get("name", new["product"])
            lines.append(make_line(
                store, price=new, quantity=change["new_quantity"], period=(at, end),
                subscription_id=sub["id"], item_id=change["item"], amount=amount,
                proration=True,
                description=f"Remaining time on {change['new_quantity']} \u00d7 {name} after "
                            f"{_date(at)}"))
    return lines


def period_lines(store: Store, sub: JSON, period: tuple[int, int],
                 items: list[JSON] | None = None) -> list[JSON]:
    """Full-price lines for one billing period of the subscription's licensed items
    (metered items bill their usage at the period's end: `usage_lines`)."""
    rows = items if items is not None else subscription_items(store, sub["id"])
    prices = [(item_price(store, sub, i["price"]), i) for i in rows]
    return [
        make_line(store, price=p, quantity=i["quantity"], period=period,
                  subscription_id=sub["id"], item_id=i["id"])
        for p, i in prices if not is_metered(p)
    ]


def invoice_paid(store: Store, invoice: JSON) -> None:
    """What paying a subscription's invoice does to it: a pending update applies, and an
    incomplete, past due or unpaid subscription whose latest invoice it is becomes active."""
    from widget_server.sandbox import pending_updates

    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    sub = store.get("subscription", details.get("subscription") or "")
    if sub is None:
        return
    pending_updates.apply_if_paid(store, sub, invoice)
    if sub["latest_invoice"] == invoice["id"] and sub["status"] in (
            "past_due", "incomplete", "unpaid"):
        sub["status"] = "active"


def invoice_subscription(store: Store, sub: JSON, lines: list[JSON], reason: str,
                         period: tuple[int, int], *, off_session: bool = True,
                         ) -> tuple[JSON, StripeAPIError | None]:
    """Create, finalize and try to charge a subscription invoice; updates latest_invoice.
    Returns the invoice and the card error of a failed charge. `off_session`: renewals are;
    an update the customer makes is not (Stripe's default for subscription writes)."""
    customer = store.require("customer", sub["customer"])
    invoice = new_invoice(store, customer, lines=lines, subscription=sub, billing_reason=reason,
                          period=period, discount_ids=list(sub["discounts"]))
    sub["latest_invoice"] = invoice["id"]
    pause = sub.get("pause_collection")
    if pause and reason == "subscription_cycle":
        if pause["behavior"] == "keep_as_draft":
            return invoice, None
        finalize(store, invoice)
        if invoice["status"] == "open":
            invoice["status"] = "void" if pause["behavior"] == "void" else "uncollectible"
            if invoice["status"] == "void":
                invoice["amount_remaining"] = 0
        return invoice, None
    return invoice, finalize_and_charge(store, invoice, off_session=off_session)


def drop_used_discounts(store: Store, sub: JSON, now: int) -> None:
    """`once` discounts end after their first invoice; `repeating` ones at their end."""
    keep = []
    for discount_id in sub["discounts"]:
        discount = store.get("discount", discount_id)
        if discount is None:
            continue
        coupon = store.get("coupon", discount["source"]["coupon"]) or {}
        used_once = coupon.get("duration") == "once" and discount.get("_used")
        if used_once or (discount["end"] and discount["end"] <= now):
            discount["end"] = discount["end"] or now
            continue
        keep.append(discount_id)
    sub["discounts"] = keep


def renew(store: Store, sub: JSON, at: int) -> None:
    """Roll every item into its next period at `at` and invoice the new period."""
    drop_used_discounts(store, sub, at)
    used = usage_lines(store, sub, period_of(store, sub))  # the ending period, in arrears
    items = subscription_items(store, sub["id"])
    end = next_period_end(store.require("price", items[0]["price"]), at)
    for item in items:
        item["current_period_start"], item["current_period_end"] = at, end
    lines = list(sub.pop("_pending_lines", [])) + used + period_lines(store, sub, (at, end))
    reason = "subscription_cycle"
    if sub["status"] == "trialing":
        sub["status"] = "active"
    invoice, _ = invoice_subscription(store, sub, lines, reason, (at, end))
    if invoice["status"] == "paid":
        sub["status"] = "active"
    elif invoice["status"] == "open":
        sub["status"] = "past_due"


def cancel_now(store: Store, sub: JSON, at: int, reason: str = "cancellation_requested",
               prorate_credit: bool = False, invoice_now: bool = False,
               bill_usage: bool = False) -> None:
    """`bill_usage`: a final invoice for the usage so far (a cancel at period end does)."""
    if invoice_now or bill_usage:
        lines = list(sub.pop("_pending_lines", [])) if invoice_now else []
        lines += usage_lines(store, sub, (period_of(store, sub)[0], at))
        if prorate_credit:
            lines += proration_lines(store, sub, [
                {"item": i["id"], "old_price": item_price(store, sub, i["price"]),
                 "old_quantity": i["quantity"], "new_price": None, "new_quantity": 0}
                for i in subscription_items(store, sub["id"])], at)
        if lines:
            invoice_subscription(store, sub, lines, "subscription_update",
                                 period_of(store, sub))
    sub["status"] = "canceled"
    sub["canceled_at"] = sub["canceled_at"] or at
    sub["ended_at"] = at
    sub["cancellation_details"]["reason"] = reason
    schedule = store.get("subscription_schedule", sub.get("schedule") or "")
    if schedule and schedule["status"] in ("active", "not_started"):
        schedule.update(status="canceled", canceled_at=at, current_phase=None)
