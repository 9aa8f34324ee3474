"""The sandbox clock: moving time forward runs renewals, trial ends, scheduled cancels,
schedule phase changes and pause resumptions in time order.

A subscription whose customer is on a test clock (clocks.py) is due by that clock's frozen
time, not by the sandbox's own clock: only advancing its test clock moves it."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import billing, pending_updates
from widget_server.sandbox.clocks import clock_of, subscription_now
from widget_server.sandbox.render import subscription_items
from widget_server.sandbox.resources.schedules import release
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
INCOMPLETE_EXPIRES_AFTER = 23 * 3600
# on a tie the earlier entry runs first: a cancel at period end beats the renewal
_ORDER = ("expire", "pending", "cancel", "resume", "phase", "renew")


def advance(store: Store, seconds: int) -> int:
    """Move the clock forward and run everything that became due; returns the new time."""
    store.clock_offset += max(0, seconds)
    run_due(store)
    return store.now()


def anything_due(store: Store) -> bool:
    return any((event := next_event(store, sub)) is not None
               and event[0] <= subscription_now(store, sub)
               for sub in store.table("subscription").values())


def run_due(store: Store) -> None:
    """Run every due event at its own moment, so the invoices and charges it creates carry
    that time (a renewal a month ago is dated a month ago), then restore the clock."""
    target_offset, pinned = store.clock_offset, store.pinned_now
    global_now = store.now()
    try:
        for sub in list(store.table("subscription").values()):
            clock = clock_of(store, sub.get("customer"))
            now = global_now if clock is None else int(clock["frozen_time"])
            for _ in range(10_000):  # a bound, in case a bad period never moves forward
                event = next_event(store, sub)
                if event is None or event[0] > now:
                    break
                # a test clock's time never moves the sandbox's own
                store.clock_offset = target_offset - (now - event[0] if clock is None else 0)
                store.pinned_now = event[0]
                _handle(store, sub, *event)
    finally:
        store.clock_offset, store.pinned_now = target_offset, pinned


def next_event(store: Store, sub: JSON) -> tuple[int, str] | None:
    if sub["status"] in ("canceled", "incomplete_expired"):
        return None
    if sub["status"] == "incomplete":
        return sub["created"] + INCOMPLETE_EXPIRES_AFTER, "expire"
    events: list[tuple[int, str]] = []
    _, end = billing.period_of(store, sub)
    events.append((end, "renew"))
    if sub["cancel_at"] is not None:
        events.append((sub["cancel_at"], "cancel"))
    if sub.get("pending_update"):
        events.append((sub["pending_update"]["expires_at"], "pending"))
    pause = sub.get("pause_collection")
    if pause and pause.get("resumes_at"):
        events.append((pause["resumes_at"], "resume"))
    schedule = store.get("subscription_schedule", sub.get("schedule") or "")
    if schedule and schedule["status"] == "active" and schedule["current_phase"]:
        phase_end = schedule["current_phase"]["end_date"]
        if phase_end is not None:
            events.append((phase_end, "phase"))
    return min(events, key=lambda e: (e[0], _ORDER.index(e[1])))


def _handle(store: Store, sub: JSON, at: int, kind: str) -> None:
    if kind == "expire":
        # terminal: Stripe voids the first invoice that was never paid
        sub.update(status="incomplete_expired", ended_at=at)
        invoice = store.get("invoice", sub["latest_invoice"] or "")
        if invoice is not None and invoice["status"] == "open":
            invoice.update(status="void", amount_remaining=0, next_payment_attempt=None)
            invoice["status_transitions"]["voided_at"] = at
    elif kind == "pending":
        pending_updates.expire(store, sub)
    elif kind == "cancel":
        billing.cancel_now(store, sub, at, bill_usage=True)
    elif kind == "resume":
        sub["pause_collection"] = None
    elif kind == "phase":
        _next_phase(store, sub, at)
    else:
        billing.renew(store, sub, at)


def _next_phase(store: Store, sub: JSON, at: int) -> None:
    schedule = store.require("subscription_schedule", sub["schedule"])
    phases = schedule["phases"]
    index = next((i for i, p in enumerate(phases) if p["end_date"] == at), len(phases) - 1)
    if index + 1 >= len(phases):
        if schedule["end_behavior"] == "cancel":
            billing.cancel_now(store, sub, at)
            schedule.update(status="completed", completed_at=at, current_phase=None)
        else:
            release(store, schedule, at)
        return
    phase = phases[index + 1]
    period = billing.period_of(store, sub)
    for item in subscription_items(store, sub["id"]):
        del store.table("subscription_item")[item["id"]]
    for entry in phase["items"]:
        billing.new_item(store, sub["id"], store.require("price", entry["price"]),
                         entry["quantity"], period)
    schedule["current_phase"] = {"start_date": phase["start_date"],
                                 "end_date": phase["end_date"]}
