"""`payment_behavior=pending_if_incomplete`: an item change that invoices at once applies only
when its invoice is paid (Stripe's pending updates).

When the payment fails or needs 3-D Secure, the subscription keeps its items and its
``pending_update`` says what will change (``subscription_items``, ``expires_at`` 23 hours
later); paying the invoice (``invoices.pay``, or Stripe.js confirming its PaymentIntent)
applies the change. An expired pending update is dropped and its invoice voided.
"""

from __future__ import annotations

import copy
from typing import Any

from widget_server.sandbox.render import render, subscription_items
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
LIFETIME = 23 * 3600


def snapshot(store: Store, sub: JSON) -> JSON:
    return {"items": [copy.deepcopy(i) for i in subscription_items(store, sub["id"])],
            "billing_cycle_anchor": sub["billing_cycle_anchor"]}


def _restore(store: Store, sub: JSON, state: JSON) -> None:
    table = store.table("subscription_item")
    for item in subscription_items(store, sub["id"]):
        del table[item["id"]]
    for item in state["items"]:
        table[item["id"]] = copy.deepcopy(item)
    sub["billing_cycle_anchor"] = state["billing_cycle_anchor"]


def hold(store: Store, sub: JSON, before: JSON, invoice: JSON) -> None:
    """Keep the change on the side until `invoice` is paid; the subscription stays as it was."""
    after = snapshot(store, sub)
    _restore(store, sub, before)
    sub["_pending"] = {"after": after, "invoice": invoice["id"]}
    sub["pending_update"] = {
        "billing_cycle_anchor": after["billing_cycle_anchor"]
        if after["billing_cycle_anchor"] != before["billing_cycle_anchor"] else None,
        "expires_at": store.now() + LIFETIME,
        "subscription_items": [render(store, "subscription_item", i) for i in after["items"]],
        "trial_end": None,
        "trial_from_plan": None,
    }


def apply_if_paid(store: Store, sub: JSON, invoice: JSON) -> bool:
    """Apply the pending change `invoice` paid for; True when there was one."""
    pending = sub.get("_pending")
    if not pending or pending["invoice"] != invoice["id"]:
        return False
    _restore(store, sub, pending["after"])
    sub.pop("_pending", None)
    sub["pending_update"] = None
    return True


def expire(store: Store, sub: JSON) -> None:
    """Drop a pending update whose time is up, voiding its unpaid invoice (Stripe does)."""
    pending = sub.get("_pending")
    update = sub.get("pending_update")
    if not pending or not update or update["expires_at"] > store.now():
        return
    invoice = store.get("invoice", pending["invoice"])
    if invoice is not None and invoice["status"] == "open":
        invoice.update(status="void", amount_remaining=0, next_payment_attempt=None)
        invoice["status_transitions"]["voided_at"] = store.now()
    sub.pop("_pending", None)
    sub["pending_update"] = None


def clear(store: Store, sub: JSON) -> None:
    """A new item change replaces a pending one (and voids its invoice), as on Stripe."""
    if sub.get("_pending"):
        sub["pending_update"] = {**sub["pending_update"], "expires_at": store.now()}
        expire(store, sub)
