"""The sandbox's in-memory state: Stripe objects, clock, idempotency cache, request log, faults."""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from widget_server.sandbox.errors import missing

JSON = dict[str, Any]

# kind -> the label Stripe uses in "No such <label>: 'id'" messages
LABELS: dict[str, str] = {
    "customer": "customer",
    "product": "product",
    "price": "price",
    "subscription": "subscription",
    "subscription_item": "subscription_item",
    "invoice": "invoice",
    "coupon": "coupon",
    "promotion_code": "promotion code",
    "discount": "discount",
    "payment_method": "PaymentMethod",
    "setup_intent": "setupintent",
    "payment_intent": "payment_intent",
    "tax_id": "tax_id",
    "subscription_schedule": "subscription schedule",
    "webhook_endpoint": "webhook endpoint",
    "event": "event",
    "feature": "feature",
    "billing.meter": "billing meter",
    "billing.credit_grant": "billing credit grant",
    "customer_balance_transaction": "customer balance transaction",
    "test_clock": "test_clock",
}

# id prefix -> kind, longest prefix first so `sub_sched_` wins over `sub_`
PREFIXES: list[tuple[str, str]] = [
    ("sub_sched_", "subscription_schedule"),
    ("sub_", "subscription"),
    ("si_", "subscription_item"),
    ("seti_", "setup_intent"),
    ("pi_", "payment_intent"),
    ("cus_", "customer"),
    ("prod_", "product"),
    ("price_", "price"),
    ("in_", "invoice"),
    ("promo_", "promotion_code"),
    ("di_", "discount"),
    ("pm_", "payment_method"),
    ("txi_", "tax_id"),
    ("we_", "webhook_endpoint"),
    ("evt_", "event"),
    ("feat_", "feature"),
    ("mtr_", "billing.meter"),
    ("credgr_", "billing.credit_grant"),
    ("cbtxn_", "customer_balance_transaction"),
    ("clock_", "test_clock"),
]

_ALPHABET = string.ascii_letters + string.digits
MAX_PREVIEWS = 200


@dataclass
class Faults:
    """Injected latency and failures for /v1 requests (see control.py)."""

    latency_ms: int = 0
    error_status: int = 500
    rate: float = 0.0
    next: int = 0
    path: str | None = None
    drop_connection: bool = False
    # The request is carried out, then the connection is dropped: the caller never learns
    # that its write happened (a "lost response").
    lose_response: bool = False
    method: str | None = None  # only requests with this method (e.g. "POST")

    def as_dict(self) -> JSON:
        return {
            "latency_ms": self.latency_ms,
            "error_status": self.error_status,
            "rate": self.rate,
            "next": self.next,
            "path": self.path,
            "drop_connection": self.drop_connection,
            "lose_response": self.lose_response,
            "method": self.method,
        }


@dataclass
class IdempotentResult:
    fingerprint: str
    status: int
    body: bytes


@dataclass
class Store:
    """All sandbox state. Every read or write of `tables` happens under `lock`."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    tables: dict[str, dict[str, JSON]] = field(default_factory=dict)
    clock_offset: int = 0
    idempotency: dict[str, IdempotentResult] = field(default_factory=dict)
    requests: list[JSON] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    reserved_ids: dict[str, list[str]] = field(default_factory=dict)
    # recent invoice previews (never stored as invoices), so their lines can be paged
    previews: dict[str, JSON] = field(default_factory=dict)
    # events (newest last) and the webhook delivery log; kept out of `tables` so a write's
    # rollback snapshot stays small
    events: dict[str, JSON] = field(default_factory=dict)
    webhook_log: list[JSON] = field(default_factory=list)
    # rk_test_ key -> {resource: "read"|"write"} (see permissions.py)
    restricted_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    # keys rolled with POST /_sandbox/expired_keys: refused like Stripe refuses a rolled key
    expired_keys: set[str] = field(default_factory=set)
    _seq: int = 0
    # the moment an event being replayed happens (lifecycle.run_due): "now" for everything it
    # creates, so a second ticking by while it runs cannot date its invoice a second late
    pinned_now: int | None = None

    def now(self) -> int:
        if self.pinned_now is not None:
            return self.pinned_now
        return int(time.time()) + self.clock_offset

    def new_id(self, prefix: str, length: int = 14) -> str:
        """A random Stripe-like id, or the next one reserved for this prefix (seeding)."""
        queue = self.reserved_ids.get(prefix)
        if queue:
            return queue.pop(0)
        return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))

    def table(self, kind: str) -> dict[str, JSON]:
        return self.tables.setdefault(kind, {})

    def insert(self, kind: str, obj: JSON) -> JSON:
        self._seq += 1
        obj["_seq"] = self._seq
        self.table(kind)[obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: str) -> JSON | None:
        return self.table(kind).get(object_id)

    def require(self, kind: str, object_id: str, param: str = "id") -> JSON:
        obj = self.get(kind, object_id) if isinstance(object_id, str) else None
        if obj is None:
            raise missing(LABELS.get(kind, kind), str(object_id), param)
        return obj

    def newest_first(self, kind: str) -> list[JSON]:
        rows = list(self.table(kind).values())
        rows.sort(key=lambda o: (o.get("created", 0), o["_seq"]), reverse=True)
        return rows

    def keep_preview(self, invoice: JSON) -> None:
        self.previews[invoice["id"]] = invoice
        while len(self.previews) > MAX_PREVIEWS:
            self.previews.pop(next(iter(self.previews)))

    def wipe(self) -> None:
        self.restricted_keys.clear()
        self.expired_keys.clear()
        self.events.clear()
        self.webhook_log.clear()
        self.previews.clear()
        self.tables.clear()
        self.idempotency.clear()
        self.clock_offset = 0
        self.pinned_now = None

    def snapshot(self) -> JSON:
        """A deep copy of every table, internal fields stripped (for tests and debugging)."""
        return {
            kind: {oid: strip_internal(obj) for oid, obj in rows.items()}
            for kind, rows in self.tables.items()
        }


def kind_of(object_id: str) -> str | None:
    for prefix, kind in PREFIXES:
        if object_id.startswith(prefix):
            return kind
    return None


def strip_internal(obj: Any) -> Any:
    """Deep-copy an object without the `_`-prefixed bookkeeping keys."""
    if isinstance(obj, dict):
        return {k: strip_internal(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [strip_internal(v) for v in obj]
    if obj is None or isinstance(obj, str | int | float):  # immutable: nothing to copy
        return obj
    return copy.copy(obj)
