"""Test clocks (``/v1/test_helpers/test_clocks``): create, retrieve, list, advance, delete.

Shapes from the pinned SDK (``stripe.test_helpers.TestClock``, ``stripe.params.test_helpers``):
``created``, ``deletes_after`` (seven days after creation, as in Stripe's example object),
``frozen_time``, ``name`` (300 characters at most), ``status`` and ``status_details``.

Advancing runs, at once, everything due for the clock's customers up to the new time
(lifecycle.run_due, each event at its own moment); the answer is what Stripe answers while it
works (``status: advancing``, the old ``frozen_time``, ``status_details.advancing``), and the
clock reads ``ready`` from the next request on. Refused like Stripe: a time not after the
current one, a time more than two intervals of the clock's shortest subscription ahead (two
years without one), a fourth customer on a clock (customers.py), a new customer's clock that
does not exist. A customer's clock is never changed (customer update declares no
``test_clock``). Deleting a clock deletes its customers, which cancels their subscriptions.
The creation parameter ``customer`` (attach an existing customer) is not emulated and is
refused by name.
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import lifecycle
from widget_server.sandbox.clocks import clock_customers
from widget_server.sandbox.errors import StripeAPIError, bad_request
from widget_server.sandbox.money import add_interval
from widget_server.sandbox.params import opt_int, opt_str
from widget_server.sandbox.render import list_response, render, subscription_items
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()
KIND = "test_clock"
OBJECT = "test_helpers.test_clock"
DELETES_AFTER = 7 * 86400
NAME_MAX = 300
MAX_CUSTOMERS = 3
MAX_SUBSCRIPTIONS = 3  # per customer on a clock, scheduled ones included
_ENDED = ("canceled", "incomplete_expired")


def _frozen_time(params: JSON) -> int:
    value = opt_int(params, "frozen_time")
    if value is None:
        raise bad_request("Missing required param: frozen_time.", param="frozen_time")
    return value


def _get(store: Store, clock_id: str) -> JSON:
    return store.require(KIND, clock_id, "test_clock")


@routes.post("/test_helpers/test_clocks", "frozen_time", "name")
def create_clock(req: ApiRequest) -> JSON:
    frozen = _frozen_time(req.params)
    name = opt_str(req.params, "name")
    if name is not None and len(name) > NAME_MAX:
        raise bad_request(f"Invalid string: {name[:20]}...; must be at most {NAME_MAX} "
                          "characters", param="name")
    created = req.store.now()  # the clock itself lives in real (sandbox) time
    clock: JSON = {
        "id": req.store.new_id("clock_", 24), "object": OBJECT, "created": created,
        "deletes_after": created + DELETES_AFTER, "frozen_time": frozen, "livemode": False,
        "name": name, "status": "ready", "status_details": {"advancing": None},
    }
    return render(req.store, KIND, req.store.insert(KIND, clock))


@routes.get("/test_helpers/test_clocks/<test_clock>")
def retrieve_clock(req: ApiRequest, test_clock: str) -> JSON:
    return render(req.store, KIND, _get(req.store, test_clock))


@routes.get("/test_helpers/test_clocks", *PAGING)
def list_clocks(req: ApiRequest) -> JSON:
    return list_response(req.store, KIND, req.store.newest_first(KIND), req.params,
                         "/v1/test_helpers/test_clocks")


def advance_limit(store: Store, clock: JSON) -> int:
    """Two intervals of the clock's shortest live subscription past its frozen time; two
    years when it has none."""
    frozen = int(clock["frozen_time"])
    customers = {c["id"] for c in clock_customers(store, clock["id"])}
    ends = []
    for sub in store.table("subscription").values():
        if sub["customer"] not in customers or sub["status"] in _ENDED:
            continue
        for item in subscription_items(store, sub["id"]):
            recurring = store.require("price", item["price"])["recurring"] or {}
            ends.append(add_interval(frozen, recurring.get("interval", "month"),
                                     2 * int(recurring.get("interval_count") or 1)))
    return min(ends) if ends else add_interval(frozen, "year", 2)


@routes.post("/test_helpers/test_clocks/<test_clock>/advance", "frozen_time")
def advance_clock(req: ApiRequest, test_clock: str) -> JSON:
    store = req.store
    clock = _get(store, test_clock)
    target = _frozen_time(req.params)
    if target <= clock["frozen_time"]:
        raise bad_request("The frozen_time must be after the test clock's current frozen_time "
                          f"({clock['frozen_time']}).", param="frozen_time")
    limit = advance_limit(store, clock)
    if target > limit:
        raise bad_request("Cannot advance the test clock more than two intervals of its "
                          "shortest subscription (or two years without one) at a time: "
                          f"frozen_time must be at most {limit}.", param="frozen_time")
    answer = render(store, KIND, clock)
    answer.update(status="advancing",
                  status_details={"advancing": {"target_frozen_time": target}})
    clock["frozen_time"] = target
    lifecycle.run_due(store)  # the clock's subscriptions are due by its new time
    return answer


@routes.delete("/test_helpers/test_clocks/<test_clock>")
def delete_clock(req: ApiRequest, test_clock: str) -> JSON:
    from widget_server.sandbox.resources.customers import remove_customer

    store = req.store
    clock = _get(store, test_clock)
    for customer in clock_customers(store, test_clock):
        remove_customer(store, customer["id"], int(clock["frozen_time"]))
    del store.table(KIND)[test_clock]
    return {"id": test_clock, "object": OBJECT, "deleted": True}


def check_new_customer(store: Store, clock_id: str) -> None:
    """A customer created on a clock: the clock exists and has room."""
    _get(store, clock_id)
    if len(clock_customers(store, clock_id)) >= MAX_CUSTOMERS:
        raise StripeAPIError(400, f"This test clock already has the maximum number of "
                                  f"customers ({MAX_CUSTOMERS}).", param="test_clock")


def check_new_subscription(store: Store, customer: JSON) -> None:
    """A customer on a clock has at most three subscriptions that have not ended."""
    if not customer.get("test_clock"):
        return
    live = [s for s in store.table("subscription").values()
            if s["customer"] == customer["id"] and s["status"] not in _ENDED]
    if len(live) >= MAX_SUBSCRIPTIONS:
        raise bad_request(f"A customer on a test clock can have at most {MAX_SUBSCRIPTIONS} "
                          "subscriptions.", param="customer")
