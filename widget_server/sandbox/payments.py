"""PaymentIntents behind invoices: the charge, 3-D Secure (`requires_action`) and its outcome.

Stripe creates a PaymentIntent when it finalizes an invoice that has something to collect;
the invoice names it in ``confirmation_secret`` (its client secret, for Stripe.js) and in
``payments`` (an InvoicePayment per attempt). Test cards decide what a charge does
(``cards.TestCard``): 4000 0025 0000 3155 needs authentication on session (a payment the
customer makes while present) and succeeds off session once set up; 4000 0027 6000 3184
needs it every time. An authenticated payment pays its invoice, which activates an
incomplete subscription or applies a pending update (``billing.invoice_paid``).
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.errors import StripeAPIError, bad_request, card_error
from widget_server.sandbox.render import base_url
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
REQUIRES_ACTION_MESSAGE = (
    "This payment requires additional user action before it can be completed successfully. "
    "Payment can be completed using the PaymentIntent associated with the invoice. For more "
    "details see: https://docs.stripe.com/billing/subscriptions/overview#requires-action")
AUTH_FAILED_MESSAGE = ("We are unable to authenticate your payment method. Please choose a "
                       "different payment method and try again.")


def new_intent(store: Store, invoice: JSON) -> JSON:
    """The PaymentIntent Stripe creates when it finalizes an invoice with an amount due."""
    pi_id = store.new_id("pi_", 24)
    intent: JSON = {
        "id": pi_id,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": invoice["amount_due"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_{store.new_id('', 24)}",
        "confirmation_method": "automatic",
        "created": store.now(),
        "currency": invoice["currency"],
        "customer": invoice["customer"],
        "customer_account": None,
        "description": f"Invoice {invoice.get('number') or invoice['id']}",
        "excluded_payment_method_types": None,
        "hooks": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_details": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None,
                                            "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_record": None,
        "presentment_details": None,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
        "_invoice": invoice["id"],
    }
    store.insert("payment_intent", intent)
    invoice["confirmation_secret"] = {"client_secret": intent["client_secret"],
                                      "type": "payment_intent"}
    invoice["_payment_intent"] = pi_id
    invoice.setdefault("_payments", []).append(_invoice_payment(store, invoice, intent))
    return intent


def _invoice_payment(store: Store, invoice: JSON, intent: JSON) -> JSON:
    return {
        "id": store.new_id("inpay_", 24),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": intent["amount"],
        "created": store.now(),
        "currency": intent["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": intent["id"]},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }


def intent_of(store: Store, invoice: JSON) -> JSON:
    """The invoice's PaymentIntent, created on first use (invoices finalized at $0 have none)."""
    found = store.get("payment_intent", invoice.get("_payment_intent") or "")
    return found if found is not None else new_intent(store, invoice)


def needs_authentication(pm: JSON, off_session: bool) -> bool:
    rule = pm["_test_card"].get("payment_auth")
    return rule == "always" or (rule == "on_session" and not off_session)


def require_action(store: Store, intent: JSON, pm_id: str) -> StripeAPIError:
    """Leave the intent waiting for 3-D Secure; the error Stripe returns for the attempt."""
    intent.update(status="requires_action", payment_method=pm_id, next_action={
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {"type": "three_d_secure_redirect",
                           "stripe_js": f"{base_url()}/js/v3/authenticate/{intent['id']}"},
    })
    return card_error("invoice_payment_intent_requires_action", None, REQUIRES_ACTION_MESSAGE,
                      {"payment_intent": {"id": intent["id"], "status": "requires_action"}})


def fail(store: Store, intent: JSON, error: StripeAPIError, pm_id: str | None) -> None:
    pm = store.get("payment_method", pm_id or "")
    intent.update(status="requires_payment_method", next_action=None, payment_method=None,
                  last_payment_error={**error.body()["error"], "payment_method": {
                      k: v for k, v in (pm or {}).items() if not k.startswith("_")} or None})


def succeed(store: Store, intent: JSON, pm_id: str) -> None:
    intent.update(status="succeeded", next_action=None, payment_method=pm_id,
                  last_payment_error=None, amount_received=intent["amount"],
                  latest_charge=store.new_id("ch_", 24))
    invoice = store.get("invoice", intent["_invoice"])
    if invoice is None:
        return
    for payment in invoice.get("_payments", []):
        if payment["payment"]["payment_intent"] == intent["id"]:
            payment.update(status="paid", amount_paid=intent["amount"])
            payment["status_transitions"]["paid_at"] = store.now()


def confirm(store: Store, intent: JSON, pm_id: str | None) -> JSON:
    """``POST /v1/payment_intents/:id/confirm`` by Stripe.js (the customer is present)."""
    if intent["status"] not in ("requires_payment_method", "requires_confirmation",
                                "requires_action"):
        raise bad_request(f"You cannot confirm this PaymentIntent because it has a status of "
                          f"{intent['status']}.", code="payment_intent_unexpected_state")
    pm_id = pm_id or intent["payment_method"]
    if not pm_id:
        raise bad_request("You must provide a payment method to confirm this PaymentIntent.",
                          param="payment_method")
    pm = store.require("payment_method", pm_id, "payment_method")
    from widget_server.sandbox import cards

    decline = pm["_test_card"].get("charge_decline")
    if decline:
        error = cards.decline(decline)
        fail(store, intent, error, pm_id)
        error.extra["payment_intent"] = {"id": intent["id"], "status": intent["status"]}
        error.persist = True
        raise error
    if needs_authentication(pm, off_session=False):
        require_action(store, intent, pm_id)
        return intent
    _settle(store, intent, pm_id)
    return intent


def authenticate(store: Store, intent: JSON, succeeded: bool) -> JSON:
    """The outcome of the 3-D Secure challenge the Stripe.js stand-in showed."""
    if intent["status"] != "requires_action":
        raise bad_request("This PaymentIntent is not awaiting authentication.",
                          code="payment_intent_unexpected_state")
    pm_id = str(intent["payment_method"])
    if succeeded:
        _settle(store, intent, pm_id)
    else:
        fail(store, intent, card_error("payment_intent_authentication_failure", None,
                                       AUTH_FAILED_MESSAGE), pm_id)
    return intent


def _settle(store: Store, intent: JSON, pm_id: str) -> None:
    succeed(store, intent, pm_id)
    invoice = store.get("invoice", intent["_invoice"])
    if invoice is not None and invoice["status"] == "open":
        from widget_server.sandbox.billing import invoice_paid
        from widget_server.sandbox.invoicing import mark_paid

        pm = store.get("payment_method", pm_id)
        if pm is not None and pm.get("customer") is None:
            pm["customer"] = invoice["customer"]
        mark_paid(store, invoice)
        invoice_paid(store, invoice)
