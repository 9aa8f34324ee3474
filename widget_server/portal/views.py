"""The portal's read endpoints: ``GET /v1/portal`` and ``GET /v1/portal/invoices``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import Response, current_app, jsonify

from widget_server.billing.domain import Invoice, PortalSnapshot
from widget_server.billing.service import BillingService
from widget_server.billing_web import billing_for
from widget_server.billing_web.snapshots import cached_view
from widget_server.i18n import current_locale
from widget_server.portal import bp
from widget_server.portal.auth import portal_context
from widget_server.portal.serialize import invoice_json, portal_payload


@dataclass(frozen=True)
class InvoicesRead:
    """What the invoices view read from Stripe (kept in the view snapshot)."""

    invoices: tuple[Invoice, ...]
    pending: dict[str, int]  # open invoices of a change waiting for payment: void time


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/v1/portal")
def portal_view() -> Response:
    """Customer, subscriptions (with allowed actions), payment method, catalog, UI strings."""
    context = portal_context()
    snapshot = cached_view(context.account, context.customer_ids, "portal", PortalSnapshot,
                           lambda: billing_for(context.stripe_key).snapshot(context.customer_ids))
    payload = portal_payload(
        context.account,
        context.settings,
        snapshot,
        locale=current_locale(),
        js_url=current_app.config["STRIPE_JS_URL"],
    )
    return _private(jsonify(payload))


@bp.get("/v1/portal/invoices")
def invoices_view() -> Response:
    """Newest first; subscription invoices only unless the account shows all invoices."""
    context = portal_context()
    billing = billing_for(context.stripe_key)
    subscriptions_only = not context.settings["show_all_invoices"]

    def read() -> InvoicesRead:
        found = billing.invoices(context.customer_ids, subscriptions_only=subscriptions_only)
        return InvoicesRead(tuple(found), pending_change_invoices(billing, found))

    read_now = cached_view(context.account, context.customer_ids,
                           f"invoices:{int(subscriptions_only)}", InvoicesRead, read)
    invoices, pending = read_now.invoices, read_now.pending
    locale = current_locale()
    # product names come from the cached catalog (no Stripe call when it is warm)
    products = billing.products({p for i in invoices for p in i.product_ids})
    return _private(jsonify({"invoices": [invoice_json(i, locale, products, pending.get(i.id))
                                          for i in invoices]}))


def pending_change_invoices(billing: BillingService,
                            invoices: Sequence[Invoice]) -> dict[str, int]:
    """Open invoices of a change waiting for its payment (``pending_if_incomplete``), with
    the time Stripe voids them: paying one applies the change, else it is voided then."""
    found: dict[str, int] = {}
    for invoice in invoices:
        if (invoice.status != "open" or invoice.billing_reason != "subscription_update"
                or invoice.subscription_id is None):
            continue
        sub = billing.subscription(invoice.subscription_id)  # the invoice is the customer's
        if sub is None or sub.latest_invoice_id != invoice.id:
            continue
        if sub.pending_update_expires_at:
            found[invoice.id] = sub.pending_update_expires_at
    return found
