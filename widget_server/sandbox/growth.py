"""Customers with a long history, for tests and benchmarks of cost against history size.

`add_subscriptions` subscribes through the API handler (every subscription is real: items,
first invoice, payment); `add_invoices` adds paid invoices by copying the customer's newest
one with earlier creation dates (a year of monthly renewals without running the clock).
"""

from __future__ import annotations

import copy
from typing import Any

from widget_server.sandbox.resources import customers, payment_methods
from widget_server.sandbox.resources import subscription_updates as updates
from widget_server.sandbox.resources import subscriptions as subs
from widget_server.sandbox.routing import ApiRequest
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
DAY = 86400


def _call(store: Store, handler: Any, params: JSON, *args: str) -> JSON:
    result: JSON = handler(ApiRequest(store, params), *args)
    return result


def add_customer(store: Store, customer_id: str, email: str | None = None) -> None:
    """A customer with a Visa card as its default payment method."""
    with store.lock:
        store.insert("customer", customers.new_customer(store, customer_id))
        _call(store, customers.update_customer,
              {"email": email or f"{customer_id}@example.com", "name": customer_id}, customer_id)
        pm = _call(store, payment_methods.create_payment_method,
                   {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                             "exp_year": 2030}})
        _call(store, payment_methods.attach_payment_method, {"customer": customer_id}, pm["id"])
        _call(store, customers.update_customer,
              {"invoice_settings": {"default_payment_method": pm["id"]}}, customer_id)


def add_subscriptions(store: Store, customer_id: str, count: int, *, canceled: bool = False,
                      price: str = "price_pro_monthly") -> list[str]:
    """`count` subscriptions (canceled right away when asked); their ids, oldest first."""
    created: list[str] = []
    with store.lock:
        for _ in range(count):
            sub = _call(store, subs.create_subscription,
                        {"customer": customer_id, "items": [{"price": price}]})
            if canceled:
                _call(store, updates.cancel_subscription, {}, sub["id"])
            created.append(sub["id"])
    return created


def add_invoices(store: Store, customer_id: str, count: int) -> list[str]:
    """`count` more paid invoices, copies of the customer's newest, a month apart going back."""
    with store.lock:
        template = max((i for i in store.table("invoice").values()
                        if i["customer"] == customer_id), key=lambda i: i["_seq"])
        added: list[str] = []
        for n in range(count):
            invoice = copy.deepcopy(template)
            invoice.update(id=store.new_id("in_"), created=template["created"] - (n + 1) * 30 * DAY,
                           number=f"{template.get('number') or 'BENCH'}-{n + 1}")
            store.insert("invoice", invoice)
            added.append(str(invoice["id"]))
    return added
