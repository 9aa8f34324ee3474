"""Customer actions: update the card, pay an open invoice, billing details and tax ids.
See ``portal.actions`` for the steps every action shares and docs/actions.md for Stripe."""

from __future__ import annotations

from typing import Any

from widget_server.billing.errors import CardDeclined, PaymentRequiresAction
from widget_server.billing_web.errors import api_error
from widget_server.contract import requests as rq
from widget_server.contract.validation import validated_query
from widget_server.errors import BadRequest, Conflict
from widget_server.i18n import _, current_locale
from widget_server.portal import bp
from widget_server.portal.actions import (
    audited,
    chosen_customer,
    confirmed_write,
    context,
    intent_nonce,
    money,
    not_found,
    object_id,
    optional_nonce,
    owned_invoice,
    parse_body,
    publishable_key,
    require_feature,
    stripe_idempotency_key,
    subscription_json,
    writer,
)
from widget_server.portal.billing_json import customer_json, invoice_json, payment_method_json

# --- card --------------------------------------------------------------------------------

@bp.post("/v1/portal/payment_method/setup_intent")
def create_setup_intent() -> dict[str, Any]:
    """A SetupIntent for Stripe Elements; the page confirms it with the card it collects."""
    ctx = context()
    with audited(ctx, "payment_method.setup_intent", "") as detail:
        require_feature(ctx, "update_card")
        body = parse_body(rq.CustomerRequest)
        customer_id = chosen_customer(ctx, body.get("customer"))
        detail["customer"] = customer_id
        nonce = optional_nonce()
        key = (stripe_idempotency_key(ctx, customer_id, "setup_intent", customer_id, nonce)
               if nonce else None)
        intent = writer(ctx).create_setup_intent(customer_id, key)
        detail["setup_intent"] = intent.id
        return {"client_secret": intent.client_secret, "publishable_key": publishable_key(ctx),
                "customer": customer_id}


@bp.get("/v1/portal/payment_methods")
def list_payment_methods() -> dict[str, Any]:
    """The customer's saved cards, the default first, each saying whether it may be removed."""
    ctx = context()
    require_feature(ctx, "update_card")
    query = validated_query(rq.PaymentMethodsQuery)
    customer_id = chosen_customer(ctx, query.customer)
    stripe = writer(ctx)
    cards, default = stripe.cards(customer_id)
    live = stripe.live_subscription_ids(customer_id)
    cards.sort(key=lambda pm: pm.id != default)
    return {"payment_methods": [
        {**(payment_method_json(pm) or {}), "default": pm.id == default,
         "removable": removable(pm.id, default, len(cards), bool(live))}
        for pm in cards]}


def removable(pm_id: str, default: str | None, count: int, has_live: bool) -> bool:
    """Never the last card, nor the default one, while a subscription still needs a card."""
    return not has_live or (count > 1 and pm_id != default)


@bp.delete("/v1/portal/payment_methods/<pm_id>")
def remove_payment_method(pm_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "payment_method.remove", pm_id):
        require_feature(ctx, "update_card")
        object_id(pm_id, "pm_", "payment_method")
        stripe = writer(ctx)
        found = stripe.payment_method(pm_id)
        if found is None or not ctx.owns_customer(found.customer_id):
            raise not_found("payment_method")
        customer_id = str(found.customer_id)
        cards, default = stripe.cards(customer_id)
        live = stripe.live_subscription_ids(customer_id)
        if not removable(pm_id, default, len(cards), bool(live)):
            message = (_("This is your only card and a subscription still needs it. Add "
                         "another card first.") if len(cards) <= 1 else
                       _("This is your default card. Make another card the default first."))
            raise Conflict(message, code="payment_method_in_use")
        stripe.detach_payment_method(pm_id)
        return {"deleted": True, "id": pm_id, "message": _("The card was removed.")}


@bp.post("/v1/portal/payment_method")
def set_payment_method() -> dict[str, Any]:
    """Make a card (one the page just set up, or a saved one) the default of the customer
    and of its live subscriptions; ``make_default: false`` only keeps a new card saved."""
    ctx = context()
    with audited(ctx, "payment_method.update", "") as detail:
        require_feature(ctx, "update_card")
        body = parse_body(rq.PaymentMethodRequest)
        pm_id = object_id(body["payment_method"], "pm_", "payment_method")
        detail["payment_method"] = pm_id
        stripe = writer(ctx)
        found = stripe.payment_method(pm_id)
        # Attached by our SetupIntent to a customer of the token, or it is not theirs.
        if found is None or not ctx.owns_customer(found.customer_id):
            raise not_found("payment_method")
        customer_id = str(found.customer_id)
        shown = payment_method_json(found.method)
        if body.get("make_default") is False:
            detail["default"] = False
            return {"payment_method": shown, "message": _("The card was added.")}
        updated = stripe.set_default_payment_method(customer_id, pm_id)
        detail["subscriptions"] = updated
        return {"payment_method": shown,
                "message": _("Your payment method has been updated.")}


# --- invoices ----------------------------------------------------------------------------

@bp.post("/v1/portal/invoices/<invoice_id>/pay")
def pay_invoice(invoice_id: str) -> dict[str, Any]:
    """Pay an open invoice with the default card; the Idempotency-Key makes retries safe."""
    ctx = context()
    with audited(ctx, "invoice.pay", invoice_id) as detail:
        require_feature(ctx, "pay_failed_invoices")
        nonce = intent_nonce()
        parse_body(rq.EmptyBody)
        stripe = writer(ctx)
        invoice = owned_invoice(ctx, stripe, invoice_id)
        detail.update(amount=invoice.amount_remaining, currency=invoice.currency)
        key = stripe_idempotency_key(ctx, str(invoice.customer_id), "pay_invoice", invoice.id,
                                     nonce)
        if invoice.status != "open":
            # A retry after success replays Stripe's answer; anything else is refused here.
            if invoice.status == "paid":
                paid = invoice
            else:
                raise Conflict(_("This invoice cannot be paid."), code="invoice_not_open")
        else:
            try:
                paid = confirmed_write(lambda: stripe.pay_invoice(invoice.id, key),
                                       lambda: stripe.invoice(invoice.id),
                                       lambda found: found.status == "paid")
            except PaymentRequiresAction as action:
                detail.update(payment="requires_action")
                return {"requires_action": {"client_secret": action.client_secret,
                                            "invoice": invoice.id},
                        "invoice": invoice_json(invoice, current_locale()),
                        "message": _("Your bank asks you to confirm this payment.")}
            except CardDeclined as exc:
                raise api_error(exc, _("%(reason)s The invoice is still open: update your card "
                                       "and try again.", reason=api_error(exc).message)) from exc
        sub = stripe.subscription(paid.subscription_id) if paid.subscription_id else None
        return {
            "invoice": invoice_json(paid, current_locale()),
            "subscription": subscription_json(ctx, sub) if sub is not None else None,
            "message": _("Thank you! %(amount)s has been paid.",
                         amount=money(paid.amount_paid, paid.currency)),
        }


# --- billing details ---------------------------------------------------------------------

def _clean_text(body: dict[str, Any], name: str) -> str:
    return str(body[name]).strip()


def checked_address(value: dict[str, Any]) -> dict[str, str]:
    """The parts sent, trimmed (``contract.requests.Address`` checked them and the country)."""
    return {k: str(v).strip() for k, v in value.items() if v is not None}


@bp.patch("/v1/portal/customer")
def update_customer() -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "customer.update", "") as detail:
        require_feature(ctx, "billing_details")
        body = parse_body(rq.CustomerUpdateRequest)
        customer_id = chosen_customer(ctx, body.pop("customer", None))
        detail.update(customer=customer_id, fields=sorted(body))
        changes: dict[str, Any] = {}
        if "email" in body:
            changes["email"] = _clean_text(body, "email")  # its form: contract.requests
        if "name" in body:
            changes["name"] = _clean_text(body, "name")
        if "phone" in body:
            changes["phone"] = _clean_text(body, "phone")
        if "address" in body:
            changes["address"] = checked_address(body["address"])
        if not changes:
            raise BadRequest(_("Nothing to change."), code="missing_parameter")
        updated = writer(ctx).update_customer(customer_id, **changes)
        return {"customer": customer_json(updated),
                "message": _("Your billing details have been saved.")}


@bp.post("/v1/portal/customer/tax_ids")
def add_tax_id() -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "customer.tax_id.create", "") as detail:
        require_feature(ctx, "billing_details")
        body = parse_body(rq.TaxIdRequest)
        customer_id = chosen_customer(ctx, body.get("customer"))
        if body["type"] not in writer(ctx).tax_id_types():
            raise BadRequest(_("Choose a tax ID type from the list."), code="invalid_parameter",
                             param="type")
        value = body["value"].strip()
        if not value:
            raise BadRequest(_("Enter the tax ID."), code="missing_parameter", param="value")
        detail.update(customer=customer_id, type=body["type"])
        created = writer(ctx).add_tax_id(customer_id, body["type"], value)
        detail["tax_id"] = created.id
        return {"tax_id": {"id": created.id, "type": created.type, "value": created.value},
                "message": _("Tax ID added.")}


@bp.delete("/v1/portal/customer/tax_ids/<tax_id>")
def delete_tax_id(tax_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "customer.tax_id.delete", tax_id):
        require_feature(ctx, "billing_details")
        object_id(tax_id, "txi_", "tax_id")
        stripe = writer(ctx)
        # Read under each of the token's customers: another customer's tax id is never found.
        owner = next((c for c in ctx.customer_ids if stripe.tax_id(c, tax_id) is not None),
                     None)
        if owner is None:
            raise not_found("tax_id")
        stripe.delete_tax_id(owner, tax_id)
        return {"deleted": True, "id": tax_id, "message": _("Tax ID removed.")}
