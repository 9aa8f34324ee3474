"""Invoices: building lines, applying discounts and balances, finalizing and charging."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import cards, payments
from widget_server.sandbox.errors import StripeAPIError, bad_request
from widget_server.sandbox.money import coupon_discount, price_amount
from widget_server.sandbox.resources.credit import grant_credits, record_balance_change
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
RETRY_SECONDS = 3 * 86400


def make_line(
    store: Store,
    *,
    price: JSON,
    quantity: int | None,
    period: tuple[int, int],
    subscription_id: str | None,
    item_id: str | None,
    amount: int | None = None,
    proration: bool = False,
    description: str | None = None,
) -> JSON:
    """One invoice line for a price (the full amount unless a prorated `amount` is given)."""
    product = store.get("product", price["product"]) or {"name": price["product"]}
    value = price_amount(price, quantity) if amount is None else amount
    return {
        "id": store.new_id("il_"),
        "object": "line_item",
        "amount": value,
        "currency": price["currency"],
        "description": description or f"{quantity} \u00d7 {product['name']}",
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription_id,
                "subscription_item": item_id,
            },
        },
        "period": {"start": period[0], "end": period[1]},
        "pretax_credit_amounts": [],
        "pricing": {
            "type": "price_details",
            "price_details": {"price": price["id"], "product": price["product"]},
            "unit_amount_decimal": str(price.get("unit_amount") or 0),
        },
        "quantity": quantity,
        "subscription": subscription_id,
        "subtotal": value,
        "taxes": [],
    }


def usable_discounts(store: Store, discount_ids: list[str], now: int) -> list[JSON]:
    found = [store.get("discount", d) for d in discount_ids]
    return [d for d in found if d and (d["end"] is None or d["end"] > now)]


def new_invoice(
    store: Store,
    customer: JSON,
    *,
    lines: list[JSON],
    subscription: JSON | None,
    billing_reason: str,
    period: tuple[int, int],
    discount_ids: list[str],
    preview: bool = False,
) -> JSON:
    """An invoice with totals computed; a draft until `finalize` (previews are never stored)."""
    now = store.now()
    invoice_id = store.new_id("upcoming_in_" if preview else "in_")
    currency = lines[0]["currency"] if lines else "usd"
    subtotal = sum(line["amount"] for line in lines)
    discount_amounts = []
    remaining = subtotal
    for discount in usable_discounts(store, discount_ids, now):
        coupon = store.get("coupon", discount["source"]["coupon"]) or {}
        products = (coupon.get("applies_to") or {}).get("products")
        base = sum(line["amount"] for line in lines
                   if not products or line["pricing"]["price_details"]["product"] in products)
        off = min(coupon_discount(coupon, base, currency), max(remaining, 0))
        remaining -= off
        if not preview and off:
            discount["_used"] = True
        discount_amounts.append({"amount": off, "discount": discount["id"]})
    for line in lines:
        line["invoice"] = invoice_id
    total = subtotal - sum(d["amount"] for d in discount_amounts)
    credits = grant_credits(store, customer["id"], lines, max(total, 0), currency,
                            consume=not preview)  # billing credits: metered lines only
    total -= sum(c["amount"] for c in credits)
    invoice: JSON = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Widget Server Sandbox",
        "amount_due": max(total, 0),
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": max(total, 0),
        "amount_shipping": 0,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": not preview,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None,
                          "status": None, "disabled_reason": None},
        "confirmation_secret": None,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "customer": customer["id"],
        "customer_email": customer.get("email"),
        "customer_name": customer.get("name"),
        "default_payment_method": None,
        "description": None,
        "discounts": [d["discount"] for d in discount_amounts],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "lines": lines,
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "parent": None,
        "period_end": period[1],
        "period_start": period[0],
        "starting_balance": 0,
        "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None,
                               "paid_at": None, "voided_at": None},
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal,
        "total": total,
        "total_discount_amounts": discount_amounts,
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": credits,
        "total_taxes": [],
    }
    if subscription is not None:
        invoice["parent"] = {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": dict(subscription.get("metadata") or {}),
                                     "subscription": subscription["id"]},
        }
    balance = int(customer.get("balance") or 0)
    invoice["starting_balance"] = balance
    invoice["amount_due"] = invoice["amount_remaining"] = max(total + balance, 0)
    invoice["ending_balance"] = min(total + balance, 0) if not preview else None
    if not preview:
        store.insert("invoice", invoice)
    return invoice


def finalize(store: Store, invoice: JSON) -> None:
    """Give the invoice its number, move the customer's credit balance, and open it."""
    customer = store.require("customer", invoice["customer"])
    seq = int(customer.get("next_invoice_sequence") or 1)
    invoice["number"] = f"{customer['invoice_prefix']}-{seq:04d}"
    customer["next_invoice_sequence"] = seq + 1
    record_balance_change(store, customer,
                          invoice["ending_balance"] - int(customer.get("balance") or 0),
                          "applied_to_invoice", currency=invoice["currency"],
                          invoice=invoice["id"])
    now = store.now()
    invoice["status"] = "open"
    invoice["effective_at"] = now
    invoice["status_transitions"]["finalized_at"] = now
    if invoice["amount_due"] == 0:
        mark_paid(store, invoice)
    else:
        payments.new_intent(store, invoice)


def mark_paid(store: Store, invoice: JSON) -> None:
    invoice["status"] = "paid"
    invoice["amount_paid"] = invoice["amount_due"]
    invoice["amount_remaining"] = 0
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["paid_at"] = store.now()


def payment_method_for(store: Store, invoice: JSON) -> str | None:
    """The subscription's default payment method, else the customer's."""
    parent = invoice.get("parent") or {}
    sub_id = (parent.get("subscription_details") or {}).get("subscription")
    sub = store.get("subscription", sub_id) if sub_id else None
    if sub and sub.get("default_payment_method"):
        return str(sub["default_payment_method"])
    customer = store.get("customer", invoice["customer"]) or {}
    pm = (customer.get("invoice_settings") or {}).get("default_payment_method")
    return str(pm) if pm else None


def charge(store: Store, invoice: JSON, pm_id: str | None, *,
           off_session: bool = True) -> StripeAPIError | None:
    """Try to collect an open invoice through its PaymentIntent; returns the card error (or
    the `invoice_payment_intent_requires_action` error of a 3-D Secure card) instead of
    raising it. `off_session`: the customer is not there (renewals, retries)."""
    if invoice["status"] != "open":
        return None
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    if pm_id is None:
        invoice["next_payment_attempt"] = None
        return bad_request(
            "This customer has no attached payment source or default payment method.",
            param="payment_method", code="invoice_no_payment_method_types",
        )
    pm = store.get("payment_method", pm_id)
    if pm is None or pm.get("customer") != invoice["customer"]:
        return bad_request(f"No such PaymentMethod: '{pm_id}'", param="payment_method",
                           code="resource_missing")
    intent = payments.intent_of(store, invoice)
    decline_code = pm["_test_card"].get("charge_decline")
    if decline_code:
        invoice["next_payment_attempt"] = store.now() + RETRY_SECONDS
        error = cards.decline(decline_code, {"payment_method": {"id": pm_id}})
        payments.fail(store, intent, error, pm_id)
        return error
    if payments.needs_authentication(pm, off_session):
        invoice["next_payment_attempt"] = (store.now() + RETRY_SECONDS) if off_session \
            else None
        return payments.require_action(store, intent, pm_id)
    payments.succeed(store, intent, pm_id)
    mark_paid(store, invoice)
    return None


def finalize_and_charge(store: Store, invoice: JSON, *,
                        off_session: bool = True) -> StripeAPIError | None:
    finalize(store, invoice)
    return charge(store, invoice, payment_method_for(store, invoice), off_session=off_session)
