"""The customer, their payment method and their invoices as portal JSON (translated,
Babel-formatted; see docs/portal-json.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from widget_server.billing.domain import Customer, Invoice, PaymentMethod, Product
from widget_server.i18n import N_, _, format_date, format_money

JSON = dict[str, Any]

INVOICE_STATUSES = {
    "draft": N_("Draft"),
    "open": N_("Open"),
    "paid": N_("Paid"),
    "void": N_("Void"),
    "uncollectible": N_("Uncollectible"),
}
CARD_BRANDS = {
    "visa": "Visa", "mastercard": "Mastercard", "amex": "American Express",
    "discover": "Discover", "diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires", "link": "Link",
    "sepa_debit": N_("SEPA Direct Debit"), "us_bank_account": N_("Bank account"),
    "bacs_debit": N_("Bacs Direct Debit"),
}


def payment_method_json(pm: PaymentMethod | None) -> JSON | None:
    if pm is None:
        return None
    brand = CARD_BRANDS.get(pm.brand)
    brand_display = (_(brand) if pm.type != "card" else brand) if brand else pm.brand.title()
    return {
        "id": pm.id,
        "type": pm.type,
        "brand": pm.brand,
        "last4": pm.last4,
        "exp_month": pm.exp_month or None,
        "exp_year": pm.exp_year or None,
        "display": f"{brand_display} •••• {pm.last4}" if pm.last4 else brand_display,
        "expires_display": f"{pm.exp_month:02d}/{pm.exp_year}" if pm.exp_month else None,
    }


def customer_json(customer: Customer) -> JSON:
    return {
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "phone": customer.phone,
        "address": customer.address,
        "tax_ids": [{"id": t.id, "type": t.type, "value": t.value} for t in customer.tax_ids],
    }


def invoice_json(invoice: Invoice, locale: str,
                 products: Mapping[str, Product] | None = None,
                 pending_until: int | None = None) -> JSON:
    """One invoice, naming what it is for: its subscription's products and service period.
    `pending_until`: the invoice is a plan change's, not applied until paid; Stripe voids it
    then (a note says so)."""
    status = INVOICE_STATUSES.get(invoice.status or "")
    names = [products[p].name for p in invoice.product_ids if products and p in products]
    period = (_("%(start)s \u2013 %(end)s", start=format_date(invoice.service_start, locale),
                end=format_date(invoice.service_end, locale))
              if invoice.service_start and invoice.service_end
              and invoice.service_end > invoice.service_start else None)
    return {
        "plans_display": ", ".join(dict.fromkeys(names)) or None,
        "period_start": invoice.service_start,
        "period_end": invoice.service_end,
        "period_display": period,
        "id": invoice.id,
        "number": invoice.number,
        "status": invoice.status,
        "status_display": _(status) if status else invoice.status,
        "currency": invoice.currency,
        "amount_due": invoice.amount_due,
        "amount_paid": invoice.amount_paid,
        "amount_remaining": invoice.amount_remaining,
        "total": invoice.total,
        "total_display": format_money(invoice.total, invoice.currency, locale),
        "created": invoice.created,
        "created_display": format_date(invoice.created, locale),
        "hosted_invoice_url": invoice.hosted_invoice_url,
        "invoice_pdf": invoice.invoice_pdf,
        "subscription_id": invoice.subscription_id,
        "note": _("For a plan change that was not applied: paying it applies the change; "
                  "unpaid, it is voided on %(date)s.", date=format_date(pending_until, locale))
        if pending_until else None,
    }
