"""Test clocks as per-customer time: which clock, if any, a request or a subscription lives on.

Stripe's test clocks (``/v1/test_helpers/test_clocks``, resources/test_clocks.py) freeze time
for the customers created on them: everything such a customer's subscriptions, invoices and
previews do happens at the clock's ``frozen_time``, whatever the real time is. The sandbox's
own clock (``Store.clock_offset``, moved by ``/_sandbox/clock``) stays the time of everyone
else: a global move never renews a clock's subscriptions, and advancing a test clock moves
only its own customers.

A /v1 request is carried out at the frozen time of the clock of the customer it concerns (the
customer named by its path or its ``customer``/``subscription``/``invoice`` parameter, or the
``test_clock`` a new customer is created on) by pinning ``Store.pinned_now`` while it runs.
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.store import Store, kind_of

JSON = dict[str, Any]
# objects whose customer field says whose time they live in
_OWNED = ("subscription", "invoice", "subscription_schedule", "payment_method",
          "setup_intent", "payment_intent", "tax_id", "billing.credit_grant")
# request parameters that name such an object
_PARAMS = ("customer", "subscription", "subscription_item", "invoice", "payment_method")


def clock_id_of(store: Store, customer_id: Any) -> str | None:
    customer = store.get("customer", customer_id) if isinstance(customer_id, str) else None
    clock = customer.get("test_clock") if customer is not None else None
    return clock if isinstance(clock, str) else None


def clock_of(store: Store, customer_id: Any) -> JSON | None:
    clock_id = clock_id_of(store, customer_id)
    return store.get("test_clock", clock_id) if clock_id else None


def customer_of(store: Store, object_id: Any) -> str | None:
    """The customer an object id belongs to (itself for a customer id)."""
    if not isinstance(object_id, str):
        return None
    kind = kind_of(object_id)
    if kind == "customer":
        return object_id
    if kind == "subscription_item":
        item = store.get("subscription_item", object_id)
        return customer_of(store, item["subscription"]) if item else None
    if kind in _OWNED:
        found = store.get(kind, object_id)
        owner = found.get("customer") if found else None
        return owner if isinstance(owner, str) else None
    return None


def request_time(store: Store, params: JSON, path_args: dict[str, str]) -> int | None:
    """The frozen time a request runs at, or None for the sandbox's own clock."""
    new_on = params.get("test_clock")
    if isinstance(new_on, str) and store.get("test_clock", new_on) is not None:
        return int(store.table("test_clock")[new_on]["frozen_time"])
    names = [*path_args.values(), *(params.get(p) for p in _PARAMS)]
    for name in names:
        customer = customer_of(store, name)
        if customer is not None:
            clock = clock_of(store, customer)
            return int(clock["frozen_time"]) if clock is not None else None
    return None


def subscription_now(store: Store, sub: JSON) -> int:
    """'Now' for a subscription: its customer's clock, else the sandbox's."""
    clock = clock_of(store, sub.get("customer"))
    return int(clock["frozen_time"]) if clock is not None else store.now()


def clock_customers(store: Store, clock_id: str) -> list[JSON]:
    return [c for c in store.table("customer").values()
            if c.get("test_clock") == clock_id and not c.get("deleted")]
