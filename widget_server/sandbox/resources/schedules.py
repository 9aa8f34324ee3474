"""Subscription schedules, enough for "downgrade at period end": phases of items."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import billing
from widget_server.sandbox.currencies import require_in
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.money import add_interval
from widget_server.sandbox.params import (
    apply_metadata,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
)
from widget_server.sandbox.render import list_response, render, subscription_items
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()


def _phase(items: list[JSON], start: int, end: int | None, proration: str,
           currency: str) -> JSON:
    return {
        "add_invoice_items": [], "application_fee_percent": None, "automatic_tax": None,
        "billing_cycle_anchor": None, "billing_thresholds": None, "collection_method": None,
        "currency": currency, "default_payment_method": None, "default_tax_rates": [],
        "description": None, "discounts": [], "end_date": end, "invoice_settings": None,
        "items": items, "metadata": {}, "on_behalf_of": None,
        "proration_behavior": proration, "start_date": start, "transfer_data": None,
        "trial_end": None,
    }


def _phase_item(price: str, quantity: int) -> JSON:
    return {"billing_thresholds": None, "discounts": [], "metadata": {}, "plan": price,
            "price": price, "quantity": quantity, "tax_rates": []}


@routes.post("/subscription_schedules", "from_subscription", "metadata", "end_behavior")
def create_schedule(req: ApiRequest) -> JSON:
    store = req.store
    sub_id = opt_str(req.params, "from_subscription")
    if not sub_id:
        raise bad_request("Missing required param: from_subscription.",
                          param="from_subscription")
    sub = store.require("subscription", sub_id, "from_subscription")
    if sub["status"] == "canceled":
        raise bad_request("You cannot create a schedule for a canceled subscription.",
                          param="from_subscription")
    if sub.get("schedule"):
        raise bad_request(f"You cannot migrate a subscription that is already attached to a "
                          f"schedule: `{sub['schedule']}`.", param="from_subscription")
    start, end = billing.period_of(store, sub)
    items = [_phase_item(i["price"], i["quantity"]) for i in subscription_items(store, sub_id)]
    schedule = {
        "id": store.new_id("sub_sched_"),
        "object": "subscription_schedule",
        "application": None,
        "canceled_at": None,
        "completed_at": None,
        "created": req.now,
        "current_phase": {"start_date": start, "end_date": end},
        "customer": sub["customer"],
        "default_settings": {
            "application_fee_percent": None, "automatic_tax": None,
            "billing_cycle_anchor": "automatic", "billing_thresholds": None,
            "collection_method": "charge_automatically",
            "default_payment_method": sub["default_payment_method"], "description": None,
            "invoice_settings": None, "on_behalf_of": None, "transfer_data": None},
        "end_behavior": opt_enum(req.params, "end_behavior", ("release", "cancel"))
        or "release",
        "livemode": False,
        "metadata": {},
        "phases": [_phase(items, start, end, "create_prorations", sub["currency"])],
        "released_at": None,
        "released_subscription": None,
        "status": "active",
        "subscription": sub_id,
        "test_clock": None,
    }
    apply_metadata(schedule, req.params.get("metadata"))
    sub["schedule"] = schedule["id"]
    return render(store, "subscription_schedule", store.insert("subscription_schedule",
                                                               schedule))


@routes.get("/subscription_schedules/<sched_id>")
def retrieve_schedule(req: ApiRequest, sched_id: str) -> JSON:
    return render(req.store, "subscription_schedule",
                  req.store.require("subscription_schedule", sched_id))


@routes.get("/subscription_schedules", "customer", *PAGING)
def list_schedules(req: ApiRequest) -> JSON:
    customer = opt_str(req.params, "customer")
    rows = [s for s in req.store.newest_first("subscription_schedule")
            if customer is None or s["customer"] == customer]
    return list_response(req.store, "subscription_schedule", rows, req.params,
                         "/v1/subscription_schedules")


def _active(store: Store, sched_id: str) -> JSON:
    schedule = store.require("subscription_schedule", sched_id)
    if schedule["status"] not in ("active", "not_started"):
        raise bad_request(f"You cannot update a subscription schedule that is currently in "
                          f"the `{schedule['status']}` status.")
    return schedule


@routes.post("/subscription_schedules/<sched_id>", "phases[][items][][price]",
              "phases[][items][][quantity]", "phases[][start_date]", "phases[][end_date]",
              "phases[][duration]", "phases[][proration_behavior]", "end_behavior", "metadata",
              "proration_behavior")
def update_schedule(req: ApiRequest, sched_id: str) -> JSON:
    store = req.store
    schedule = _active(store, sched_id)
    behavior = opt_enum(req.params, "end_behavior", ("release", "cancel"))
    if behavior:
        schedule["end_behavior"] = behavior
    phases_in = opt_list(req.params, "phases")
    if phases_in is not None:
        schedule["phases"] = _phases(store, schedule, phases_in)
        first = schedule["phases"][0]
        schedule["current_phase"] = {"start_date": first["start_date"],
                                     "end_date": first["end_date"]}
    apply_metadata(schedule, req.params.get("metadata"))
    return render(store, "subscription_schedule", schedule)


def _phases(store: Store, schedule: JSON, phases_in: list[Any]) -> list[JSON]:
    if not phases_in:
        raise bad_request("Missing required param: phases.", param="phases")
    phases: list[JSON] = []
    start = int(schedule["phases"][0]["start_date"])
    currency = str(schedule["phases"][0]["currency"])
    for n, raw in enumerate(phases_in):
        if not isinstance(raw, dict) or not raw.get("items"):
            raise bad_request(f"Missing required param: phases[{n}][items].",
                              param=f"phases[{n}][items]")
        items = []
        for k, item in enumerate(opt_list(raw, "items") or []):
            if not isinstance(item, dict):
                raise bad_request(f"Invalid hash: phases[{n}][items][{k}]",
                                  param=f"phases[{n}][items][{k}]")
            price = require_in(billing.recurring_price(
                store, item.get("price"), f"phases[{n}][items][{k}][price]"), currency,
                f"phases[{n}][items][{k}][price]")  # the subscription's currency (Stripe's)
            items.append(_phase_item(price["id"], opt_int(item, "quantity", 0) or 1))
        phase_start = None if raw.get("start_date") == "now" else opt_int(raw, "start_date")
        begin = start if phase_start is None else phase_start
        end = opt_int(raw, "end_date")
        duration = raw.get("duration")
        if end is not None and duration:
            raise bad_request("You may only specify one of these parameters: duration, "
                              "end_date.", param=f"phases[{n}][duration]")
        if isinstance(duration, dict):
            end = add_interval(begin, str(duration["interval"]),
                               int(duration.get("interval_count") or 1))
        elif end is None and n < len(phases_in) - 1:
            price = store.require("price", items[0]["price"])
            end = billing.next_period_end(price, begin)
        if end is not None and end <= begin:
            raise bad_request("Phase end_date must be after its start_date.",
                              param=f"phases[{n}][end_date]")
        phases.append(_phase(items, begin, end, opt_str(raw, "proration_behavior")
                             or "create_prorations", currency))
        start = end if end is not None else begin
    return phases


@routes.post("/subscription_schedules/<sched_id>/release")
def release_schedule(req: ApiRequest, sched_id: str) -> JSON:
    schedule = _active(req.store, sched_id)
    release(req.store, schedule, req.now)
    return render(req.store, "subscription_schedule", schedule)


def release(store: Store, schedule: JSON, at: int) -> None:
    sub = store.get("subscription", schedule["subscription"])
    if sub is not None:
        sub["schedule"] = None
    schedule.update(status="released", released_at=at, current_phase=None,
                    released_subscription=schedule["subscription"], subscription=None)


@routes.post("/subscription_schedules/<sched_id>/cancel")
def cancel_schedule(req: ApiRequest, sched_id: str) -> JSON:
    schedule = _active(req.store, sched_id)
    sub = req.store.get("subscription", schedule["subscription"])
    if sub is not None and sub["status"] != "canceled":
        billing.cancel_now(req.store, sub, req.now)
    schedule.update(status="canceled", canceled_at=req.now, current_phase=None)
    return render(req.store, "subscription_schedule", schedule)
