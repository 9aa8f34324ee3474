"""A customer's credit: balance transactions, billing credit grants and their balance summary.

Balance: `customer.balance` (negative is credit) moves through customer balance transactions
(an owner's `adjustment`, or `applied_to_invoice` when an invoice uses or creates credit, see
`record_balance_change`). Credit grants are billing credits scoped to metered prices: an
invoice applies them, before the balance, to its metered lines (`grant_credits`).
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import currencies
from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.params import (
    apply_metadata,
    opt_dict,
    opt_enum,
    opt_int,
    opt_str,
    req_str,
)
from widget_server.sandbox.render import list_response
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store, strip_internal

JSON = dict[str, Any]
routes = RouteTable()
TXN = "customer_balance_transaction"
GRANT = "billing.credit_grant"
DEFAULT_PRIORITY = 50
MAX_NAME = 100


def _customer(store: Store, customer_id: str, param: str = "customer") -> JSON:
    customer = store.require("customer", customer_id, param)
    if customer.get("deleted"):
        raise bad_request(f"No such customer: '{customer_id}'", param=param,
                          code="resource_missing")
    return customer


def record_balance_change(store: Store, customer: JSON, amount: int, kind: str, *,
                          currency: str, invoice: str | None = None,
                          description: str | None = None) -> JSON | None:
    """Move the customer's balance by `amount` and keep the transaction that did it."""
    if amount == 0:
        return None
    customer["balance"] = int(customer.get("balance") or 0) + amount
    customer["currency"] = customer.get("currency") or currency
    return store.insert(TXN, {
        "id": store.new_id("cbtxn_", 24), "object": TXN, "amount": amount,
        "checkout_session": None, "created": store.now(), "credit_note": None,
        "currency": currency, "customer": customer["id"], "customer_account": None,
        "description": description, "ending_balance": customer["balance"],
        "invoice": invoice, "livemode": False, "metadata": {}, "type": kind,
    })


@routes.post("/customers/<customer_id>/balance_transactions", "amount", "currency",
             "description", "metadata")
def create_balance_transaction(req: ApiRequest, customer_id: str) -> JSON:
    customer = _customer(req.store, customer_id, "customer")
    amount = opt_int(req.params, "amount")
    if amount is None:
        raise bad_request("Missing required param: amount.", param="amount")
    currency = currencies.check_currency(req_str(req.params, "currency"), "currency")
    currencies.whole_units(amount, currency, "amount")
    if customer.get("currency") and customer["currency"] != currency:
        raise bad_request(f"The currency {currency} does not match the customer's currency "
                          f"{customer['currency']}.", param="currency")
    description = opt_str(req.params, "description")
    if description is not None and len(description) > 350:
        raise bad_request("Invalid description: at most 350 characters.", param="description")
    txn = record_balance_change(req.store, customer, amount, "adjustment", currency=currency,
                                description=description)
    if txn is None:
        raise bad_request("The amount must not be zero.", param="amount")
    apply_metadata(txn, req.params.get("metadata"))
    out: JSON = strip_internal(txn)
    return out


@routes.get("/customers/<customer_id>/balance_transactions", "invoice", *PAGING)
def list_balance_transactions(req: ApiRequest, customer_id: str) -> JSON:
    _customer(req.store, customer_id, "customer")
    invoice = opt_str(req.params, "invoice")
    rows = [t for t in req.store.newest_first(TXN) if t["customer"] == customer_id
            and invoice in (None, t["invoice"])]
    return list_response(req.store, TXN, rows, req.params,
                         f"/v1/customers/{customer_id}/balance_transactions")


@routes.get("/customers/<customer_id>/balance_transactions/<txn_id>")
def retrieve_balance_transaction(req: ApiRequest, customer_id: str, txn_id: str) -> JSON:
    txn = req.store.get(TXN, txn_id)
    if txn is None or txn["customer"] != customer_id:
        raise bad_request(f"No such customer balance transaction: '{txn_id}'", param="id",
                          code="resource_missing")
    out: JSON = strip_internal(txn)
    return out


# --- billing credit grants ----------------------------------------------------------------

def _render_grant(grant: JSON) -> JSON:
    out: JSON = strip_internal(grant)
    return out


@routes.post("/billing/credit_grants", "amount[type]", "amount[monetary][currency]",
             "amount[monetary][value]", "applicability_config[scope][price_type]", "category",
             "customer", "effective_at", "expires_at", "metadata", "name", "priority")
def create_credit_grant(req: ApiRequest) -> JSON:
    params, store, now = req.params, req.store, req.now
    customer = _customer(store, req_str(params, "customer"))
    amount = opt_dict(params, "amount") or {}
    if opt_enum({"amount[type]": amount.get("type")}, "amount[type]", ("monetary",)) is None:
        raise bad_request("Missing required param: amount[type].", param="amount[type]")
    monetary = opt_dict(amount, "monetary")
    if monetary is None:
        raise bad_request("Missing required param: amount[monetary].",
                          param="amount[monetary]")
    currency = currencies.check_currency(
        req_str({"amount[monetary][currency]": monetary.get("currency")},
                "amount[monetary][currency]"), "amount[monetary][currency]")
    value = opt_int({"amount[monetary][value]": monetary.get("value")},
                    "amount[monetary][value]")
    if value is None:
        raise bad_request("Missing required param: amount[monetary][value].",
                          param="amount[monetary][value]")
    if value <= 0:
        raise bad_request("This value must be greater than 0.",
                          param="amount[monetary][value]")
    currencies.whole_units(value, currency, "amount[monetary][value]")
    scope = opt_dict(opt_dict(params, "applicability_config") or {}, "scope") or {}
    price_type = "applicability_config[scope][price_type]"
    if opt_enum({price_type: scope.get("price_type")}, price_type, ("metered",)) is None:
        raise bad_request("Missing required param: applicability_config[scope][price_type].",
                          param="applicability_config[scope][price_type]")
    effective_at, expires_at = opt_int(params, "effective_at"), opt_int(params, "expires_at")
    if expires_at is not None and expires_at <= max(now, effective_at or now):
        raise bad_request("expires_at must be in the future and after effective_at.",
                          param="expires_at")
    priority = opt_int(params, "priority", minimum=0)
    if priority is not None and priority > 100:
        raise bad_request("This value must be less than or equal to 100.", param="priority")
    name = opt_str(params, "name")
    if name is not None and len(name) > MAX_NAME:
        raise bad_request(f"Invalid name: at most {MAX_NAME} characters.", param="name")
    grant = {
        "id": store.new_id("credgr_", 24), "object": GRANT,
        "amount": {"monetary": {"currency": currency, "value": value}, "type": "monetary"},
        "applicability_config": {"scope": {"price_type": "metered", "prices": None}},
        "category": opt_enum(params, "category", ("paid", "promotional")) or "paid",
        "created": now, "customer": customer["id"], "customer_account": None,
        "effective_at": effective_at if effective_at is not None else now,
        "expires_at": expires_at, "livemode": False, "metadata": {}, "name": name,
        "priority": DEFAULT_PRIORITY if priority is None else priority,
        "test_clock": None, "updated": now, "voided_at": None, "_remaining": value,
    }
    apply_metadata(grant, params.get("metadata"))
    return _render_grant(store.insert(GRANT, grant))


@routes.get("/billing/credit_grants/<grant_id>")
def retrieve_credit_grant(req: ApiRequest, grant_id: str) -> JSON:
    return _render_grant(req.store.require(GRANT, grant_id))


@routes.get("/billing/credit_grants", "customer", *PAGING)
def list_credit_grants(req: ApiRequest) -> JSON:
    customer = opt_str(req.params, "customer")
    if customer is not None:
        _customer(req.store, customer)
    rows = [g for g in req.store.newest_first(GRANT) if customer in (None, g["customer"])]
    return list_response(req.store, GRANT, rows, req.params, "/v1/billing/credit_grants")


def _usable(grant: JSON, now: int) -> bool:
    return (grant["voided_at"] is None and grant["effective_at"] <= now
            and (grant["expires_at"] is None or grant["expires_at"] > now))


@routes.get("/billing/credit_balance_summary", "customer", "filter[type]",
            "filter[applicability_scope][price_type]", "filter[credit_grant]")
def credit_balance_summary(req: ApiRequest) -> JSON:
    params, store = req.params, req.store
    customer = _customer(store, req_str(params, "customer"))
    where = opt_dict(params, "filter")
    if where is None:
        raise bad_request("Missing required param: filter.", param="filter")
    kind = opt_enum({"filter[type]": where.get("type")}, "filter[type]",
                    ("applicability_scope", "credit_grant"))
    grants = [g for g in store.newest_first(GRANT) if g["customer"] == customer["id"]]
    if kind == "credit_grant":
        grant_id = req_str({"filter[credit_grant]": where.get("credit_grant")},
                           "filter[credit_grant]")
        grants = [g for g in grants if g["id"] == grant_id]
        if not grants:
            raise bad_request(f"No such billing credit grant: '{grant_id}'",
                              param="filter[credit_grant]", code="resource_missing")
    elif kind == "applicability_scope":
        scope = opt_dict(where, "applicability_scope") or {}
        scoped = "filter[applicability_scope][price_type]"
        if opt_enum({scoped: scope.get("price_type")}, scoped, ("metered",)) is None:
            raise bad_request("Missing required param: "
                              "filter[applicability_scope][price_type].",
                              param="filter[applicability_scope][price_type]")
    else:
        raise bad_request("Missing required param: filter[type].", param="filter[type]")
    totals: dict[str, int] = {}
    for grant in grants:
        if _usable(grant, req.now):
            currency = grant["amount"]["monetary"]["currency"]
            totals[currency] = totals.get(currency, 0) + int(grant["_remaining"])
    balances = [{"available_balance": {"monetary": {"currency": c, "value": v},
                                       "type": "monetary"},
                 "ledger_balance": {"monetary": {"currency": c, "value": v},
                                    "type": "monetary"}}
                for c, v in sorted(totals.items())]
    return {"object": "billing.credit_balance_summary", "balances": balances,
            "customer": customer["id"], "customer_account": None, "livemode": False}


def grant_credits(store: Store, customer_id: str, lines: list[JSON], limit: int,
                  currency: str, *, consume: bool) -> list[JSON]:
    """Apply the customer's usable grants to the metered lines (at most `limit` in all):
    lowest priority number first, then the soonest to expire, then the oldest. Each line gets
    its `pretax_credit_amounts`; returns them all. `consume`: a real invoice uses them up."""
    now = store.now()
    grants = sorted((g for g in store.table(GRANT).values()
                     if g["customer"] == customer_id and _usable(g, now)
                     and g["amount"]["monetary"]["currency"] == currency),
                    key=lambda g: (g["priority"], g["expires_at"] or 2**62, g["_seq"]))
    left = {g["id"]: int(g["_remaining"]) for g in grants}
    applied: list[JSON] = []
    for line in lines:
        if not line.get("_metered") or line["amount"] <= 0:
            continue
        due = line["amount"]
        for grant in grants:
            take = min(due, left[grant["id"]], limit)
            if take <= 0:
                continue
            entry = {"amount": take, "credit_balance_transaction": store.new_id("cbtxn_", 24),
                     "discount": None, "type": "credit_balance_transaction"}
            line["pretax_credit_amounts"].append(entry)
            applied.append(dict(entry))
            left[grant["id"]] -= take
            due -= take
            limit -= take
    if consume:
        for grant in grants:
            grant["_remaining"] = left[grant["id"]]
    return applied
