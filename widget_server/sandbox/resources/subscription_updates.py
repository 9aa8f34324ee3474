"""Subscription updates (items, prorations, cancel fields, discounts, pause), cancellation,
and the subscription_items resource."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import billing, pending_updates
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.money import add_interval
from widget_server.sandbox.params import (
    apply_metadata,
    opt_bool,
    opt_dict,
    opt_enum,
    opt_int,
    req_str,
)
from widget_server.sandbox.render import list_response, render, subscription_items
from widget_server.sandbox.resources.coupons import build_discounts
from widget_server.sandbox.resources.subscriptions import (
    _UPDATE,
    PAYMENT_BEHAVIOR,
    PRORATION,
    _apply_cancel_fields,
    _cancellation_details,
    _payment_method,
    anchor_resets,
    apply_item_changes,
    item_changes,
)
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable

JSON = dict[str, Any]
routes = RouteTable()
CANCELED_MESSAGE = ("A canceled subscription can only update its cancellation_details and "
                    "metadata.")


@routes.post("/subscriptions/<sub_id>", *_UPDATE)
def update_subscription(req: ApiRequest, sub_id: str) -> JSON:
    store, params = req.store, req.params
    sub = store.require("subscription", sub_id)
    if sub["status"] in ("canceled", "incomplete_expired") and set(params) - {
            "cancellation_details", "metadata", "expand"}:
        raise bad_request(CANCELED_MESSAGE)
    if sub.get("schedule") and {"cancel_at_period_end", "cancel_at"} & set(params):
        raise bad_request(
            f"The subscription is managed by the subscription schedule `{sub['schedule']}`, "
            "and updating any cancelation behavior directly is not allowed. Please update "
            "the schedule instead.", param="cancel_at_period_end" if "cancel_at_period_end"
            in params else "cancel_at")
    customer = store.require("customer", sub["customer"])
    _cancellation_details(sub, params.get("cancellation_details"))
    apply_metadata(sub, params.get("metadata"))
    if sub["status"] in ("canceled", "incomplete_expired"):
        return render(store, "subscription", sub)
    if "default_payment_method" in params:
        sub["default_payment_method"] = _payment_method(store, customer,
                                                        params["default_payment_method"])
    if "description" in params:
        sub["description"] = params["description"] or None
    if "pause_collection" in params:
        sub["pause_collection"] = _pause(params)
    if "discounts" in params:
        sub["discounts"] = build_discounts(store, params["discounts"], customer, sub["id"],
                                           billing.items_subtotal(store, sub))
    if "items" in params:
        _change_items(req, sub)
    if "trial_end" in params and params["trial_end"] != "now":
        raise bad_request("The sandbox does not emulate moving a trial's end to a date; "
                          "only trial_end=now is emulated.", param="trial_end",
                          code="parameter_not_emulated")
    if params.get("trial_end") == "now" and sub["status"] == "trialing":
        sub["trial_end"] = req.now
        billing.renew(store, sub, req.now)
    _apply_cancel_fields(req, sub)
    return render(store, "subscription", sub)


def _pause(params: JSON) -> JSON | None:
    value = params["pause_collection"]
    if value in ("", None):
        return None
    pause = opt_dict(params, "pause_collection") or {}
    behavior = opt_enum(pause, "behavior", ("keep_as_draft", "mark_uncollectible", "void"))
    if behavior is None:
        raise bad_request("Missing required param: pause_collection[behavior].",
                          param="pause_collection[behavior]")
    return {"behavior": behavior, "resumes_at": opt_int(pause, "resumes_at")}


def _change_items(req: ApiRequest, sub: JSON) -> None:
    store, params = req.store, req.params
    behavior = opt_enum(params, "proration_behavior", PRORATION) or "create_prorations"
    payment_behavior = opt_enum(params, "payment_behavior", PAYMENT_BEHAVIOR)
    at = opt_int(params, "proration_date") or req.now
    changes = item_changes(store, sub, params["items"])
    pending_updates.clear(store, sub)
    before = pending_updates.snapshot(store, sub)
    off_session = bool(opt_bool(params, "off_session"))
    reset = anchor_resets(store, sub, changes, params)
    lines = billing.proration_lines(store, sub, changes, at) if behavior != "none" else []
    apply_item_changes(store, sub, changes)
    if reset:
        items = subscription_items(store, sub["id"])
        recurring = store.require("price", items[0]["price"])["recurring"]
        end = add_interval(req.now, recurring["interval"], recurring["interval_count"])
        for item in items:
            item["current_period_start"], item["current_period_end"] = req.now, end
        sub["billing_cycle_anchor"] = req.now
        lines = [line for line in lines if line["amount"] < 0]
        lines = list(sub.pop("_pending_lines", [])) + lines + billing.period_lines(
            store, sub, (req.now, end))
        _invoice_now(store, sub, lines, payment_behavior, before, off_session)
    elif behavior == "always_invoice" and lines:
        lines = list(sub.pop("_pending_lines", [])) + lines
        _invoice_now(store, sub, lines, payment_behavior, before, off_session)
    elif lines:
        sub.setdefault("_pending_lines", []).extend(lines)


def _invoice_now(store: Any, sub: JSON, lines: list[JSON], payment_behavior: str | None,
                 before: JSON, off_session: bool) -> None:
    invoice, error = billing.invoice_subscription(store, sub, lines, "subscription_update",
                                                  billing.period_of(store, sub),
                                                  off_session=off_session)
    if error is not None and payment_behavior == "error_if_incomplete":
        raise error
    if invoice["status"] == "open" and payment_behavior == "pending_if_incomplete":
        pending_updates.hold(store, sub, before, invoice)
        return
    if invoice["status"] == "open" and sub["status"] == "active":
        sub["status"] = "past_due"


@routes.delete("/subscriptions/<sub_id>", "cancellation_details[feedback]",
                "cancellation_details[comment]", "invoice_now", "prorate")
def cancel_subscription(req: ApiRequest, sub_id: str) -> JSON:
    sub = req.store.require("subscription", sub_id)
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise bad_request(f"This subscription has already been canceled: '{sub_id}'.")
    _cancellation_details(sub, req.params.get("cancellation_details"))
    billing.cancel_now(req.store, sub, req.now, prorate_credit=bool(opt_bool(req.params,
                       "prorate")), invoice_now=bool(opt_bool(req.params, "invoice_now")))
    return render(req.store, "subscription", sub)


@routes.get("/subscription_items", "subscription", *PAGING)
def list_subscription_items(req: ApiRequest) -> JSON:
    sub_id = req_str(req.params, "subscription")
    req.store.require("subscription", sub_id, "subscription")
    rows = list(reversed(subscription_items(req.store, sub_id)))
    return list_response(req.store, "subscription_item", rows, req.params,
                         "/v1/subscription_items")


@routes.get("/subscription_items/<item_id>")
def retrieve_subscription_item(req: ApiRequest, item_id: str) -> JSON:
    item = req.store.require("subscription_item", item_id)
    return render(req.store, "subscription_item", item)


@routes.post("/subscription_items/<item_id>", "price", "quantity", "proration_behavior",
              "proration_date", "payment_behavior", "metadata")
def update_subscription_item(req: ApiRequest, item_id: str) -> JSON:
    item = req.store.require("subscription_item", item_id)
    sub = req.store.require("subscription", item["subscription"])
    if sub["status"] == "canceled":
        raise bad_request(CANCELED_MESSAGE)
    entry: JSON = {"id": item_id}
    entry.update({k: req.params[k] for k in ("price", "quantity") if k in req.params})
    inner = ApiRequest(req.store, {**{k: v for k, v in req.params.items()
                                      if k not in ("price", "quantity", "metadata")},
                                   "items": [entry]})
    _change_items(inner, sub)
    apply_metadata(item, req.params.get("metadata"))
    return render(req.store, "subscription_item", item)
