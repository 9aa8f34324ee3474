"""Usage and credit, each on its own lazy request (like the invoices): the portal view never
pays for them, and an account that does not show them refuses them (403).

`GET /v1/portal/usage` (setting `show_usage`): per metered subscription item its meter, the
usage this period so far and what it adds to the next invoice, the next invoice's estimate
(Stripe's own preview, so it is what Stripe will charge) and a daily history for the chart.
`GET /v1/portal/credit` (setting `show_credit`): the customer's credit balance (shown as a
positive credit, applied to the next invoice) with its latest movements, and billing credit
grants with what is left of them and when they expire.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask import Response

from widget_server.billing.usage import (
    BalanceTransaction,
    CreditGrant,
    CustomerCredit,
    MeteredItem,
    UsageEstimate,
)
from widget_server.billing_web import billing_for
from widget_server.i18n import N_, _, current_locale, format_date, format_money, translate
from widget_server.i18n.signed_money import format_signed_money
from widget_server.portal import bp
from widget_server.portal.actions import require_feature
from widget_server.portal.auth import portal_context
from widget_server.portal.json_body import private_json

JSON = dict[str, Any]
# Stripe's balance transaction types, in words (any other type: "Balance change")
TRANSACTION_TYPES = {
    "adjustment": N_("Adjustment"),
    "applied_to_invoice": N_("Applied to an invoice"),
    "credit_note": N_("Credit note"),
    "initial": N_("Starting balance"),
    "invoice_overpaid": N_("Overpayment of an invoice"),
    "unapplied_from_invoice": N_("Returned from an invoice"),
}


def _number(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale.replace("-", "_"))


def _day(timestamp: int, locale: str) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return format_skeleton("MMMd", moment, locale=locale.replace("-", "_"))


def item_json(item: MeteredItem, locale: str) -> JSON:
    peak = max((d.value for d in item.history), default=0.0)
    return {
        "subscription_id": item.subscription_id,
        "item_id": item.item_id,
        "meter_name": item.meter_name,
        "currency": item.currency,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "period_display": _("%(start)s \u2013 %(end)s",
                            start=format_date(item.period_start, locale),
                            end=format_date(item.period_end, locale)),
        "usage": item.usage,
        "usage_display": _number(item.usage, locale),
        "amount": item.amount,
        "amount_display": format_money(item.amount, item.currency, locale),
        "unit_amount_display": (format_money(item.unit_amount, item.currency, locale)
                                if item.unit_amount is not None else None),
        "history_max": peak,
        "history": [{"start": d.start, "date_display": _day(d.start, locale),
                     "value": d.value, "value_display": _number(d.value, locale)}
                    for d in item.history],
    }


def estimate_rows(estimate: UsageEstimate, locale: str) -> list[JSON]:
    """The estimate's rows as the card shows them, each with its signed effect on the total
    (the sign written by the locale, never by the browser): the subtotal, then what is taken
    off or added; a row only when it is not zero. They add up to ``amount_due``."""
    effects = [("discount", -estimate.discount), ("tax", estimate.tax),
               ("credits", -estimate.credits), ("balance_applied", -estimate.balance_applied),
               ("balance_added", estimate.balance_added)]
    rows = [{"kind": "subtotal", "amount": estimate.subtotal,
             "amount_display": format_money(estimate.subtotal, estimate.currency, locale)}]
    rows += [{"kind": kind, "amount": amount,
              "amount_display": format_signed_money(amount, estimate.currency, locale)}
             for kind, amount in effects if amount]
    return rows


def estimate_json(estimate: UsageEstimate, locale: str) -> JSON:
    def money(amount: int) -> str:
        return format_money(amount, estimate.currency, locale)

    return {
        "subscription_id": estimate.subscription_id,
        "currency": estimate.currency,
        "subtotal": estimate.subtotal, "subtotal_display": money(estimate.subtotal),
        "credits": estimate.credits, "credits_display": money(estimate.credits),
        "total": estimate.total, "total_display": money(estimate.total),
        "balance_applied": estimate.balance_applied,
        "balance_applied_display": money(estimate.balance_applied),
        "discount": estimate.discount, "discount_display": money(estimate.discount),
        "tax": estimate.tax, "tax_display": money(estimate.tax),
        "balance_added": estimate.balance_added,
        "balance_added_display": money(estimate.balance_added),
        "amount_due": estimate.amount_due, "amount_due_display": money(estimate.amount_due),
        "date": estimate.date,
        "date_display": format_date(estimate.date, locale) if estimate.date else None,
        "rows": estimate_rows(estimate, locale),
    }


def _transaction_json(txn: BalanceTransaction, locale: str) -> JSON:
    label = TRANSACTION_TYPES.get(txn.type, N_("Balance change"))
    if txn.type == "applied_to_invoice" and txn.amount < 0:  # an invoice below zero credited it
        label = N_("Credit from an invoice")
    return {
        "id": txn.id, "type": txn.type, "type_display": translate(label, locale),
        # Stripe writes credit as negative; the customer reads it as a positive credit
        "credit": -txn.amount, "currency": txn.currency,
        # signed like the estimate's rows: "+$5.00" credit added, "-$5.00" credit used
        "credit_display": format_signed_money(-txn.amount, txn.currency, locale),
        "description": txn.description, "created": txn.created,
        "created_display": format_date(txn.created, locale),
    }


def _grant_json(grant: CreditGrant, locale: str) -> JSON:
    return {
        "id": grant.id, "name": grant.name, "currency": grant.currency,
        "amount": grant.amount,
        "amount_display": format_money(grant.amount, grant.currency, locale),
        "remaining": grant.remaining,
        "remaining_display": format_money(grant.remaining, grant.currency, locale),
        "expires_at": grant.expires_at,
        "expires_display": format_date(grant.expires_at, locale) if grant.expires_at else None,
        "applies_display": (
            _("Applies to the usage of some metered prices on your next invoices.")
            if grant.price_ids else _("Applies to metered usage on your next invoices.")
            if grant.metered_only else _("Applies to your next invoices.")),
    }


def credit_json(credit: CustomerCredit, locale: str) -> JSON:
    currency = credit.currency or next((t.currency for t in credit.transactions), "usd")
    owed = credit.balance > 0
    return {
        "customer_id": credit.customer_id,
        "credit": -credit.balance, "currency": currency,
        "credit_display": format_money(abs(credit.balance), currency, locale),
        "applies_display": (
            None if credit.balance == 0 else
            _("Added to your next invoice.") if owed else _("Applied to your next invoice.")),
        "transactions": [_transaction_json(t, locale) for t in credit.transactions],
        "grants": [_grant_json(g, locale) for g in credit.grants],
    }


@bp.get("/v1/portal/usage")
def usage_view() -> Response:
    """Metered usage this period, the next invoice's estimate and the daily history."""
    context = portal_context()
    require_feature(context, "show_usage")
    overview = billing_for(context.stripe_key).usage(context.customer_ids)
    locale = current_locale()
    return private_json({"items": [item_json(i, locale) for i in overview.items],
                         "estimates": [estimate_json(e, locale) for e in overview.estimates]})


@bp.get("/v1/portal/credit")
def credit_view() -> Response:
    """The customers' credit balances and billing credit grants."""
    context = portal_context()
    require_feature(context, "show_credit")
    found = billing_for(context.stripe_key).credit(context.customer_ids)
    locale = current_locale()
    return private_json({"customers": [credit_json(c, locale) for c in found]})
