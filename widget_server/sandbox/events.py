"""Events for every object a request (or the clock) changed, and signed webhook delivery.

After a write succeeds, the store's tables before and after are compared: each object that
appeared, changed or went away becomes a Stripe event (`customer.subscription.updated` with
`previous_attributes`, `invoice.paid`, `payment_method.attached`, …), listed newest first at
`/v1/events`. Each event is POSTed to every enabled webhook endpoint that wants its type, by a
background thread, with a `Stripe-Signature: t=…,v1=…` header (HMAC-SHA256 of `t.payload`
with the endpoint's `whsec_` secret), exactly what `stripe.Webhook.construct_event` verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
import stripe

from widget_server.sandbox.render import render
from widget_server.sandbox.store import Store
from widget_server.sandbox.validation import API_VERSION
from widget_server.stripe_schema.objects import declared_fields

JSON = dict[str, Any]
DELIVERY_TIMEOUT_SECONDS = 5
MAX_EVENTS = 10_000
# stored kind -> event type prefix (objects the portal changes, and the catalog)
PREFIX = {
    "customer": "customer", "subscription": "customer.subscription",
    "tax_id": "customer.tax_id", "invoice": "invoice", "payment_method": "payment_method",
    "setup_intent": "setup_intent", "subscription_schedule": "subscription_schedule",
    "product": "product", "price": "price", "coupon": "coupon",
    "promotion_code": "promotion_code", "test_clock": "test_helpers.test_clock",
}
EVENT_TYPES = frozenset(typing.get_args(declared_fields(stripe.Event)["type"]))


# the state a new object starts from, for the transitions it made while being created
_INITIAL: dict[str, JSON] = {
    "invoice": {"status": "draft", "attempt_count": 0},
    "setup_intent": {"status": "requires_payment_method", "last_setup_error": None},
    "payment_method": {"customer": None},
}


def _transition_types(kind: str, before: JSON | None, after: JSON | None) -> list[str]:
    """The specific event types of a change, besides .created/.updated/.deleted."""
    if before is None or after is None:
        return []
    old, new = before.get("status"), after.get("status")
    found: list[str] = []
    if kind == "invoice":
        if old == "draft" and new in ("open", "paid", "uncollectible", "void"):
            found.append("invoice.finalized")
        if new == "paid" and old != "paid":
            found += ["invoice.paid", "invoice.payment_succeeded"]
        if new == "void" and old != "void":
            found.append("invoice.voided")
        if new == "uncollectible" and old != "uncollectible":
            found.append("invoice.marked_uncollectible")
        if after.get("attempt_count", 0) > before.get("attempt_count", 0) and new != "paid":
            found.append("invoice.payment_failed")
    elif kind == "setup_intent" and old != new:
        found += {"succeeded": ["setup_intent.succeeded"],
                  "requires_action": ["setup_intent.requires_action"]}.get(str(new), [])
        if after.get("last_setup_error") and not before.get("last_setup_error"):
            found.append("setup_intent.setup_failed")
    elif kind == "payment_method" and before.get("customer") != after.get("customer"):
        found.append("payment_method.attached" if after.get("customer")
                     else "payment_method.detached")
    elif kind == "subscription_schedule" and old != new and new in (
            "released", "canceled", "completed"):
        found.append(f"subscription_schedule.{new}")
    elif kind == "test_clock" and before.get("frozen_time") != after.get("frozen_time"):
        found += ["test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"]
    elif kind == "subscription" and new == "canceled" and old != "canceled":
        found.append("customer.subscription.deleted")
    return found


def _changed(before: JSON, after: JSON) -> JSON:
    return {key: value for key, value in before.items()
            if key not in after or after[key] != value}


def record(store: Store, before: dict[str, dict[str, JSON]], request: JSON | None) -> None:
    """Make the events for every difference between `before` and the store's tables now."""
    old_view = Store(tables=before, clock_offset=store.clock_offset)
    changed_subs = _subscriptions_with_changed_items(before, store.tables)
    for kind, prefix in PREFIX.items():
        old_rows, new_rows = before.get(kind, {}), store.tables.get(kind, {})
        for object_id in sorted(set(old_rows) | set(new_rows)):
            old, new = old_rows.get(object_id), new_rows.get(object_id)
            if old == new and not (kind == "subscription" and object_id in changed_subs):
                continue
            _emit_change(store, old_view, kind, prefix, old, new, request)


def _emit_change(store: Store, old_view: Store, kind: str, prefix: str, old: JSON | None,
                 new: JSON | None, request: JSON | None) -> None:
    gone = new is None or new.get("deleted") is True
    if gone and old is not None and not old.get("deleted"):
        _emit(store, f"{prefix}.deleted", render(old_view, kind, old), None, request)
        return
    if new is None or gone:
        return
    current = render(store, kind, new)
    if old is None:
        _emit(store, f"{prefix}.created", current, None, request)
        # an object created and moved on in one request (an invoice created, finalized and
        # paid) also gets the events of those steps
        for event_type in _transition_types(kind, _INITIAL.get(kind, {}), new):
            _emit(store, event_type, current, None, request)
        return
    previous = _changed(render(old_view, kind, old), current)
    specific = _transition_types(kind, old, new)
    if "customer.subscription.deleted" in specific:
        _emit(store, "customer.subscription.deleted", current, previous, request)
        return
    if previous:
        _emit(store, f"{prefix}.updated", current, previous, request)
    for event_type in specific:
        _emit(store, event_type, current, None, request)


def _subscriptions_with_changed_items(before: dict[str, dict[str, JSON]],
                                      after: dict[str, dict[str, JSON]]) -> set[str]:
    old, new = before.get("subscription_item", {}), after.get("subscription_item", {})
    return {row["subscription"] for key in set(old) | set(new)
            for row in (old.get(key), new.get(key)) if row is not None
            and old.get(key) != new.get(key)}


def _emit(store: Store, event_type: str, obj: JSON, previous: JSON | None,
          request: JSON | None) -> None:
    if event_type not in EVENT_TYPES:  # only what the pinned API version can send
        return
    endpoints = [e for e in store.table("webhook_endpoint").values()
                 if e["status"] == "enabled"
                 and ("*" in e["enabled_events"] or event_type in e["enabled_events"])]
    data: JSON = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    event_id = store.new_id("evt_", 24)
    event: JSON = {
        "id": event_id, "object": "event", "account": None,
        "api_version": API_VERSION, "context": None, "created": store.now(),
        "data": data, "livemode": False, "pending_webhooks": len(endpoints),
        "request": request or {"id": None, "idempotency_key": None}, "type": event_type,
    }
    store.events[event_id] = event
    while len(store.events) > MAX_EVENTS:  # a long demo run keeps the newest only
        store.events.pop(next(iter(store.events)))
    payload = json.dumps(event, indent=2)
    for endpoint in endpoints:
        deliveries(store).put(Delivery(event_id, endpoint["id"], endpoint["url"],
                                       endpoint["secret"], payload))


@contextmanager
def tracked(store: Store, request: JSON | None = None) -> Iterator[None]:
    """Record the events of whatever the block changes (the clock, control calls)."""
    import copy

    before = copy.deepcopy(store.tables)
    yield
    record(store, before, request)


# --- delivery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    event_id: str
    endpoint_id: str
    url: str
    secret: str
    payload: str


def sign(payload: str, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value for a payload."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


_QUEUES: dict[int, queue.Queue[Delivery]] = {}
_QUEUES_LOCK = threading.Lock()


def deliveries(store: Store) -> queue.Queue[Delivery]:
    """The store's delivery queue, served by one daemon thread (started on first use)."""
    with _QUEUES_LOCK:
        found = _QUEUES.get(id(store))
        if found is None:
            found = _QUEUES[id(store)] = queue.Queue()
            threading.Thread(target=_deliver_forever, args=(store, found), daemon=True,
                             name="sandbox-webhooks").start()
        return found


def _deliver_forever(store: Store, work: queue.Queue[Delivery]) -> None:
    while True:
        item = work.get()
        status, error = 0, None
        try:
            response = requests.post(item.url, data=item.payload.encode(), timeout=(
                DELIVERY_TIMEOUT_SECONDS), headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign(item.payload, item.secret, int(time.time())),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
            status = response.status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        with store.lock:
            event = store.events.get(item.event_id)
            if event is not None and event["pending_webhooks"] > 0 and 200 <= status < 300:
                event["pending_webhooks"] -= 1
            store.webhook_log.append({"event": item.event_id, "endpoint": item.endpoint_id,
                                      "url": item.url, "status": status, "error": error})
        work.task_done()
