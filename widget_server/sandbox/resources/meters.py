"""Billing meters, meter events and meter event summaries (usage-based billing).

A meter aggregates the events named by its `event_name` per customer (`payload` key
`stripe_customer_id` unless the meter maps another key) with its `default_aggregation`
formula: `sum` and `last` of the value key (`value` by default), or `count`. Metered prices
(`recurring[usage_type]=metered` with `recurring[meter]`) bill that aggregate for each period
in arrears (see `usage_quantity`, used by the invoicing of subscriptions).
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.params import opt_dict, opt_enum, opt_int, req_str
from widget_server.sandbox.render import list_response
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store, strip_internal

JSON = dict[str, Any]
routes = RouteTable()
METER = "billing.meter"
EVENT = "billing.meter_event"
FORMULAS = ("count", "last", "sum")
WINDOWS = {"day": 86400, "hour": 3600}
# Stripe accepts events up to 35 days old and at most 5 minutes in the future
EVENT_MAX_AGE = 35 * 86400
EVENT_MAX_FUTURE = 300


def is_metered(price: JSON) -> bool:
    return bool((price.get("recurring") or {}).get("usage_type") == "metered")


def price_meter(store: Store, recurring: JSON, usage_type: str) -> str | None:
    """The `recurring[meter]` of a new price: required for a metered price, refused else."""
    meter_id = recurring.get("meter")
    if usage_type != "metered":
        if meter_id:
            raise bad_request("A meter can only be set on a price with "
                              "`recurring[usage_type]=metered`.", param="recurring[meter]")
        return None
    if not meter_id or not isinstance(meter_id, str):
        raise bad_request("Missing required param: recurring[meter].",
                          param="recurring[meter]")
    meter = store.require(METER, meter_id, "recurring[meter]")
    if meter["status"] != "active":
        raise bad_request("You can't attach a deactivated meter to a price.",
                          param="recurring[meter]")
    return meter_id


def _render(meter: JSON) -> JSON:
    out: JSON = strip_internal(meter)
    return out


@routes.post("/billing/meters", "display_name", "event_name", "default_aggregation[formula]",
             "customer_mapping[event_payload_key]", "customer_mapping[type]",
             "value_settings[event_payload_key]")
def create_meter(req: ApiRequest) -> JSON:
    params, store = req.params, req.store
    display_name = req_str(params, "display_name")
    event_name = req_str(params, "event_name")
    aggregation = opt_dict(params, "default_aggregation")
    if aggregation is None:
        raise bad_request("Missing required param: default_aggregation.",
                          param="default_aggregation")
    formula = opt_enum({"default_aggregation[formula]": aggregation.get("formula")},
                       "default_aggregation[formula]", FORMULAS)
    if formula is None:
        raise bad_request("Missing required param: default_aggregation[formula].",
                          param="default_aggregation[formula]")
    if any(m["event_name"] == event_name and m["status"] == "active"
           for m in store.table(METER).values()):
        raise bad_request(f"An active meter with the event name `{event_name}` already "
                          "exists.", param="event_name")
    mapping = opt_dict(params, "customer_mapping") or {}
    key = mapping.get("event_payload_key", "stripe_customer_id")
    if mapping and (mapping.get("type") != "by_id" or not key):
        raise bad_request("Invalid customer_mapping: type must be by_id and "
                          "event_payload_key is required.", param="customer_mapping")
    value_key = (opt_dict(params, "value_settings") or {}).get("event_payload_key", "value")
    if not value_key:
        raise bad_request("Missing required param: value_settings[event_payload_key].",
                          param="value_settings[event_payload_key]")
    meter = {
        "id": store.new_id("mtr_", 24),
        "object": METER,
        "created": req.now,
        "customer_mapping": {"event_payload_key": key, "type": "by_id"},
        "default_aggregation": {"formula": formula},
        "display_name": display_name,
        "event_name": event_name,
        "event_time_window": None,
        "livemode": False,
        "status": "active",
        "status_transitions": {"deactivated_at": None},
        "updated": req.now,
        "value_settings": {"event_payload_key": value_key},
    }
    return _render(store.insert(METER, meter))


@routes.get("/billing/meters/<meter_id>")
def retrieve_meter(req: ApiRequest, meter_id: str) -> JSON:
    return _render(req.store.require(METER, meter_id))


@routes.get("/billing/meters", "status", *PAGING)
def list_meters(req: ApiRequest) -> JSON:
    status = opt_enum(req.params, "status", ("active", "inactive"))
    rows = [m for m in req.store.newest_first(METER) if status in (None, m["status"])]
    return list_response(req.store, METER, rows, req.params, "/v1/billing/meters")


def _set_status(req: ApiRequest, meter_id: str, status: str) -> JSON:
    meter = req.store.require(METER, meter_id)
    if meter["status"] == status:
        raise bad_request(f"This meter is already {status}.", param="id")
    meter["status"], meter["updated"] = status, req.now
    meter["status_transitions"]["deactivated_at"] = req.now if status == "inactive" else None
    return _render(meter)


@routes.post("/billing/meters/<meter_id>/deactivate")
def deactivate_meter(req: ApiRequest, meter_id: str) -> JSON:
    return _set_status(req, meter_id, "inactive")


@routes.post("/billing/meters/<meter_id>/reactivate")
def reactivate_meter(req: ApiRequest, meter_id: str) -> JSON:
    return _set_status(req, meter_id, "active")


def _event_value(meter: JSON, payload: JSON) -> int:
    key = meter["value_settings"]["event_payload_key"]
    raw = payload.get(key)
    if raw is None:
        if meter["default_aggregation"]["formula"] == "count":
            return 1
        raise bad_request(f"Missing required param: payload[{key}].", param=f"payload[{key}]")
    try:
        return int(str(raw))
    except ValueError:
        raise bad_request(f"The value of payload[{key}] must be a whole number.",
                          param=f"payload[{key}]") from None


@routes.post("/billing/meter_events", "event_name", "payload", "timestamp", "identifier")
def create_meter_event(req: ApiRequest) -> JSON:
    params, store = req.params, req.store
    event_name = req_str(params, "event_name")
    payload = opt_dict(params, "payload")
    if payload is None:
        raise bad_request("Missing required param: payload.", param="payload")
    meter = next((m for m in store.newest_first(METER)
                  if m["event_name"] == event_name and m["status"] == "active"), None)
    if meter is None:
        raise bad_request(f"No active meter was found for the event name `{event_name}`.",
                          param="event_name")
    customer_key = meter["customer_mapping"]["event_payload_key"]
    customer_id = payload.get(customer_key)
    if not customer_id:
        raise bad_request(f"Missing required param: payload[{customer_key}].",
                          param=f"payload[{customer_key}]")
    store.require("customer", str(customer_id), f"payload[{customer_key}]")
    value = _event_value(meter, payload)
    timestamp = opt_int(params, "timestamp")
    timestamp = req.now if timestamp is None else timestamp
    if timestamp < req.now - EVENT_MAX_AGE or timestamp > req.now + EVENT_MAX_FUTURE:
        raise bad_request("The timestamp must be within the past 35 calendar days and no more "
                          "than 5 minutes in the future.", param="timestamp")
    identifier = params.get("identifier") or store.new_id("", 20)
    if not isinstance(identifier, str) or len(identifier) > 100:
        raise bad_request("Invalid identifier: at most 100 characters.", param="identifier")
    if identifier in store.table(EVENT):
        raise bad_request(f"An event with the identifier `{identifier}` already exists.",
                          param="identifier", code="resource_already_exists")
    event = {
        "id": identifier,
        "object": EVENT,
        "created": req.now,
        "event_name": event_name,
        "identifier": identifier,
        "livemode": False,
        "payload": {str(k): str(v) for k, v in payload.items()},
        "timestamp": timestamp,
        "_meter": meter["id"],
        "_customer": str(customer_id),
        "_value": value,
    }
    out: JSON = strip_internal(store.insert(EVENT, event))
    out.pop("id")  # a meter event has no id: its identifier names it
    return out


def aggregate(store: Store, meter: JSON, customer_id: str, start: int, end: int) -> int:
    """The meter's aggregate of one customer's events with `start <= timestamp < end`."""
    events = sorted((e for e in store.table(EVENT).values()
                     if e["_meter"] == meter["id"] and e["_customer"] == customer_id
                     and start <= e["timestamp"] < end),
                    key=lambda e: (e["timestamp"], e["_seq"]))
    formula = meter["default_aggregation"]["formula"]
    if formula == "count":
        return len(events)
    if formula == "last":
        return int(events[-1]["_value"]) if events else 0
    return sum(int(e["_value"]) for e in events)


def usage_quantity(store: Store, price: JSON, customer_id: str, period: tuple[int, int]) -> int:
    """What a metered price bills for one period: its meter's aggregate of the customer.
    Stripe takes negative event values (to correct usage) and bills a negative period as 0."""
    meter = store.require(METER, price["recurring"]["meter"])
    return max(0, aggregate(store, meter, customer_id, period[0], period[1]))


@routes.get("/billing/meters/<meter_id>/event_summaries", "customer", "start_time",
            "end_time", "value_grouping_window", *PAGING)
def list_event_summaries(req: ApiRequest, meter_id: str) -> JSON:
    params, store = req.params, req.store
    meter = store.require(METER, meter_id)
    customer_id = req_str(params, "customer")
    store.require("customer", customer_id, "customer")
    start, end = opt_int(params, "start_time"), opt_int(params, "end_time")
    for name, value in (("start_time", start), ("end_time", end)):
        if value is None:
            raise bad_request(f"Missing required param: {name}.", param=name)
        if value % 60:
            raise bad_request(f"{name} must be aligned with minute boundaries.", param=name)
    assert start is not None and end is not None
    if end <= start:
        raise bad_request("end_time must be after start_time.", param="end_time")
    window = opt_enum(params, "value_grouping_window", tuple(WINDOWS))
    step = WINDOWS[window] if window else end - start
    if window and (start % step or end % step):
        raise bad_request(f"start_time and end_time must be aligned with {window} boundaries "
                          f"when value_grouping_window is {window}.", param="start_time")
    rows = []
    for at in range(start, end, step):
        until = min(at + step, end)
        rows.append({"id": f"mtrusg_{meter_id[4:]}_{at}", "object": "billing.meter_event_summary",
                     "aggregated_value": float(aggregate(store, meter, customer_id, at, until)),
                     "end_time": until, "livemode": False, "meter": meter_id,
                     "start_time": at})
    rows.reverse()  # newest window first, like every Stripe list
    return list_response(store, "billing.meter_event_summary", rows, params,
                         f"/v1/billing/meters/{meter_id}/event_summaries")


def usage_lines(store: Store, sub: JSON, period: tuple[int, int]) -> list[JSON]:
    """The usage lines of a subscription's metered items for one period (billed in arrears;
    a metered item with no usage still shows, at zero)."""
    from widget_server.sandbox.currencies import require_in
    from widget_server.sandbox.invoicing import make_line
    from widget_server.sandbox.render import subscription_items

    lines = []
    for item in subscription_items(store, sub["id"]):
        price = require_in(store.require("price", item["price"]), sub["currency"], "items")
        if not is_metered(price):
            continue
        usage = usage_quantity(store, price, sub["customer"], period)
        line = make_line(store, price=price, quantity=usage, period=period,
                         subscription_id=sub["id"], item_id=item["id"])
        line["_metered"] = True
        lines.append(line)
    return lines
