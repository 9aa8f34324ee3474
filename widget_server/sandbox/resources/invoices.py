"""Invoices: retrieve, list, pay, and previews via `POST /v1/invoices/create_preview`."""

from __future__ import annotations

import copy
from typing import Any

from widget_server.sandbox import billing, currencies
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.invoicing import (
    charge,
    finalize,
    make_line,
    new_invoice,
    payment_method_for,
)
from widget_server.sandbox.money import add_interval
from widget_server.sandbox.params import opt_bool, opt_dict, opt_int, opt_str
from widget_server.sandbox.render import list_response, render, subscription_items
from widget_server.sandbox.resources.coupons import build_discounts
from widget_server.sandbox.resources.customers import get_customer
from widget_server.sandbox.resources.meters import usage_lines
from widget_server.sandbox.resources.subscriptions import (
    PRORATION,
    anchor_resets,
    apply_item_changes,
    item_changes,
)
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable

JSON = dict[str, Any]
routes = RouteTable()


def invoice_subscription_id(invoice: JSON) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


@routes.get("/invoices/<invoice_id>")
def retrieve_invoice(req: ApiRequest, invoice_id: str) -> JSON:
    return render(req.store, "invoice", req.store.require("invoice", invoice_id))


@routes.get("/invoices/<invoice_id>/lines", *PAGING)
def list_invoice_lines(req: ApiRequest, invoice_id: str) -> JSON:
    """Every line of an invoice or of a recent preview (`upcoming_in_…`), paged."""
    invoice = req.store.previews.get(invoice_id) or req.store.require("invoice", invoice_id,
                                                                      "invoice")
    return list_response(req.store, "line_item", list(invoice["lines"]), req.params,
                         f"/v1/invoices/{invoice_id}/lines")


@routes.get("/invoices", "customer", "subscription", "status", *PAGING)
def list_invoices(req: ApiRequest) -> JSON:
    params = req.params
    customer, sub = opt_str(params, "customer"), opt_str(params, "subscription")
    status = opt_str(params, "status")
    rows = [
        i for i in req.store.newest_first("invoice")
        if (customer is None or i["customer"] == customer)
        and (sub is None or invoice_subscription_id(i) == sub)
        and (status is None or i["status"] == status)
    ]
    return list_response(req.store, "invoice", rows, params, "/v1/invoices")


@routes.post("/invoices/<invoice_id>/pay", "payment_method", "paid_out_of_band", "off_session")
def pay_invoice(req: ApiRequest, invoice_id: str) -> JSON:
    store = req.store
    invoice = store.require("invoice", invoice_id)
    if invoice["status"] == "paid":
        raise bad_request("Invoice is already paid", code="invoice_already_paid")
    if invoice["status"] == "draft":
        finalize(store, invoice)
    if invoice["status"] == "uncollectible":  # Stripe still lets these be paid
        invoice["status"] = "open"
    if invoice["status"] != "open":
        raise bad_request(f"You can only pay an invoice that is open. This invoice is "
                          f"{invoice['status']}.", code="invoice_not_open")
    if opt_bool(req.params, "paid_out_of_band"):
        from widget_server.sandbox.invoicing import mark_paid

        mark_paid(store, invoice)
    else:
        pm_id = opt_str(req.params, "payment_method")
        if pm_id:
            pm = store.require("payment_method", pm_id, "payment_method")
            if pm["customer"] not in (None, invoice["customer"]):
                raise bad_request(f"No such PaymentMethod: '{pm_id}'", param="payment_method",
                                  code="resource_missing")
            pm["customer"] = invoice["customer"]
        off_session = opt_bool(req.params, "off_session")
        error = charge(store, invoice, pm_id or payment_method_for(store, invoice),
                       off_session=True if off_session is None else off_session)
        if error is not None:
            error.persist = True
            raise error
    billing.invoice_paid(store, invoice)
    return render(store, "invoice", invoice)


@routes.post("/invoices/create_preview", "customer", "subscription", "currency",
              "subscription_details[items][][id]", "subscription_details[items][][price]",
              "subscription_details[items][][quantity]", "subscription_details[items][][deleted]",
              "subscription_details[proration_behavior]", "subscription_details[proration_date]",
              "subscription_details[cancel_at_period_end]",
              "subscription_details[billing_cycle_anchor][type]", "discounts[][coupon]",
              "discounts[][promotion_code]", "discounts[][discount]")
def create_preview(req: ApiRequest) -> JSON:
    """Preview without writing: the changes run against the store, then it is restored."""
    saved = copy.deepcopy(req.store.tables)
    try:
        return _preview(req)
    finally:
        req.store.tables = saved


def _preview(req: ApiRequest) -> JSON:
    store, params = req.store, req.params
    details = opt_dict(params, "subscription_details") or {}
    sub_id = opt_str(params, "subscription")
    if sub_id is None:
        customer = get_customer(store, str(params.get("customer") or ""), "customer")
        return _preview_new(req, customer, details)
    sub = store.require("subscription", sub_id, "subscription")
    customer = get_customer(store, sub["customer"], "customer")
    if params.get("customer") and params["customer"] != customer["id"]:
        raise bad_request("The subscription does not belong to this customer.",
                          param="subscription")
    if params.get("currency") and currencies.check_currency(
            params["currency"], "currency") != sub["currency"]:
        raise bad_request(f"The currency must be the subscription's currency "
                          f"({sub['currency']}).", param="currency")
    if sub["status"] in ("canceled", "incomplete_expired"):
        ended = "a canceled" if sub["status"] == "canceled" else "an incomplete expired"
        raise bad_request(f"No upcoming invoices for {ended} subscription.",
                          code="invoice_upcoming_none")
    if "discounts" in params:
        sub["discounts"] = build_discounts(store, params["discounts"], customer, sub["id"],
                                           billing.items_subtotal(store, sub))
    behavior = details.get("proration_behavior") or "create_prorations"
    if behavior not in PRORATION:
        raise bad_request("Invalid proration_behavior.",
                          param="subscription_details[proration_behavior]")
    at = opt_int(details, "proration_date") or req.now
    start, end = billing.period_of(store, sub)
    pending = list(sub.get("_pending_lines", []))
    if details.get("items"):
        changes = item_changes(store, sub, details["items"])
        reset = anchor_resets(store, sub, changes, details,
                              "subscription_details[billing_cycle_anchor]")
        prorations = billing.proration_lines(store, sub, changes, at) if behavior != "none" \
            else []
        apply_item_changes(store, sub, changes)
        if reset:
            price = store.require("price", subscription_items(store, sub["id"])[0]["price"])
            new_end = add_interval(req.now, price["recurring"]["interval"],
                                   price["recurring"]["interval_count"])
            lines = pending + [p for p in prorations if p["amount"] < 0] + \
                billing.period_lines(store, sub, (req.now, new_end))
            return _render(req, customer, sub, lines, (req.now, new_end), req.now)
        if behavior == "always_invoice":
            return _render(req, customer, sub, pending + prorations, (at, end), req.now)
        pending += prorations
    cancels = opt_bool(details, "cancel_at_period_end")
    if cancels is None:
        cancels = sub["cancel_at"] is not None and sub["cancel_at"] <= end
    if cancels:
        return _render(req, customer, sub, pending + usage_lines(store, sub, (start, end)),
                       (start, end), end)
    billing.drop_used_discounts(store, sub, end)
    price = store.require("price", subscription_items(store, sub["id"])[0]["price"])
    next_end = billing.next_period_end(price, end)
    lines = pending + usage_lines(store, sub, (start, end)) + billing.period_lines(
        store, sub, (end, next_end))
    return _render(req, customer, sub, lines, (start, end), end)


def _preview_new(req: ApiRequest, customer: JSON, details: JSON) -> JSON:
    store = req.store
    from widget_server.sandbox.resources.subscriptions import _check_items

    currency = currencies.check_currency(req.params["currency"], "currency") \
        if req.params.get("currency") else customer.get("currency")
    items = _check_items(store, list(details.get("items") or []), currency)
    currencies.check_customer(store, customer, items[0][0]["currency"])
    period = (req.now, billing.next_period_end(items[0][0], req.now))
    lines = [make_line(store, price=p, quantity=q, period=period,
                               subscription_id=None, item_id=None) for p, q in items]
    discount_ids = build_discounts(store, req.params.get("discounts"), customer, None,
                                   sum(line["amount"] for line in lines))
    invoice = new_invoice(store, customer, lines=lines, subscription=None,
                          billing_reason="subscription_create", period=period,
                          discount_ids=discount_ids, preview=True)
    invoice["next_payment_attempt"] = req.now
    store.keep_preview(copy.deepcopy(invoice))
    return render(store, "invoice", invoice)


def _render(req: ApiRequest, customer: JSON, sub: JSON, lines: list[JSON],
            period: tuple[int, int], attempt_at: int) -> JSON:
    invoice = new_invoice(req.store, customer, lines=lines, subscription=sub,
                          billing_reason="upcoming", period=period,
                          discount_ids=list(sub["discounts"]), preview=True)
    invoice["next_payment_attempt"] = attempt_at
    details = invoice["parent"]["subscription_details"]
    proration_date = opt_int(opt_dict(req.params, "subscription_details") or {},
                             "proration_date")
    if proration_date:
        details["subscription_proration_date"] = proration_date
    req.store.keep_preview(copy.deepcopy(invoice))
    return render(req.store, "invoice", invoice)
