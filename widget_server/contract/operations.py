"""Every JSON operation under ``/v1`` (and the probes beside it), keyed by Flask endpoint.

One row names the operation's request model, response model, auth and error statuses; the
fields themselves live only in ``contract.requests`` and ``contract.responses``. A ``/v1``
route without a row cannot be documented (``contract.document`` refuses to build), and a view
that parses another model than its row's fails (``contract.validation``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from widget_server.contract import account as ca
from widget_server.contract import requests as rq
from widget_server.contract import responses as rs
from widget_server.contract import usage as cu

PORTAL_ERRORS = ("400", "401", "403", "404", "429", "502")
ACTION_ERRORS = ("400", "401", "402", "403", "404", "409", "429", "502")


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    response: type[BaseModel] | None  # None: not JSON (the loader script)
    body: type[BaseModel] | None = None
    security: str | None = "portalToken"
    errors: tuple[str, ...] = PORTAL_ERRORS
    idempotency_key: str | None = None  # "required" | "optional"
    query: type[BaseModel] | None = None  # the query string's documented parameters
    status: str = "200"
    also: tuple[str, ...] = ()  # other statuses that answer with the same schema


def _action(summary: str, body: type[BaseModel] = rq.EmptyBody, *,
            idempotency_key: str | None = None) -> Operation:
    return Operation(summary, "portal", rs.SubscriptionResult, body, errors=ACTION_ERRORS,
                     idempotency_key=idempotency_key)


OPERATIONS: dict[str, Operation] = {
    "api.create_embed_session": Operation(
        "Exchange an identity hash for a portal token", "embed", rs.EmbedSession,
        rq.EmbedSessionRequest, security=None,
        errors=("400", "401", "403", "404", "429", "502")),
    "api.create_portal_session": Operation(
        "Create a one-time hosted portal URL", "hosted", rs.PortalSession,
        rq.PortalSessionRequest, security="apiKey",
        errors=("400", "401", "403", "404", "429", "502")),
    "api.get_account_settings": Operation(
        "The account's settings", "account", ca.AccountSettings, security="apiKey",
        errors=("401", "429")),
    "api.update_account_settings": Operation(
        "Change some of the account's settings (the dashboard's rules)", "account",
        ca.AccountSettings, ca.AccountSettingsUpdate, security="apiKey",
        errors=("400", "401", "429")),
    "api.list_account_events": Operation(
        "The account's audit trail, newest first (a Stripe-like list)", "account",
        ca.EventList, security="apiKey", query=ca.EventsQuery, errors=("400", "401", "404", "429")),
    "api.openapi_document": Operation("This document (OpenAPI 3.1)", "meta", None,
                                      security=None, errors=()),
    "portal.portal_view": Operation("The customer's portal view", "portal", rs.Portal,
                                    errors=("401", "403", "404", "429", "502")),
    "portal.invoices_view": Operation("The customer's invoices, newest first, a page at a time",
                                      "portal", rs.InvoiceList, query=rq.InvoicesQuery,
                                      errors=(*PORTAL_ERRORS, "409")),
    "portal.usage_view": Operation(
        "Metered usage this period, the next invoice's estimate and a daily history "
        "(setting show_usage)", "portal", cu.Usage),
    "portal.credit_view": Operation(
        "The credit balance and billing credit grants (setting show_credit)", "portal",
        cu.Credit),
    "portal.canceled_subscriptions_view": Operation(
        "More canceled subscriptions, newest first, a page at a time", "portal",
        rs.CanceledSubscriptions, query=rq.CanceledSubscriptionsQuery,
        errors=(*PORTAL_ERRORS, "409")),
    "portal.entitlements_view": Operation(
        "What each live subscription grants and what each plan change would add and remove "
        "(setting show_entitlements)", "portal", rs.Entitlements),
    "portal.strings_view": Operation(
        "The portal's UI strings in one locale (public; cached for a year when versioned)",
        "portal", rs.Strings, query=rq.StringsQuery, security=None,
        errors=("400", "404", "429")),
    "portal.cancel": _action("Cancel a subscription", rq.CancelRequest),
    "portal.resume": _action("Undo a cancel at period end"),
    "portal.retention_offer": Operation(
        "The coupon to offer before a cancel is confirmed, or null", "portal",
        rs.RetentionOffer, query=rq.RetentionOfferQuery),
    "portal.apply_discount": _action("Apply a promotion code", rq.DiscountRequest),
    "portal.pause": _action("Pause payment collection", rq.PauseRequest),
    "portal.unpause": _action("Resume payment collection"),
    "portal.preview_change_plan": Operation(
        "Preview a plan change (amount due now, next invoice)", "portal", rs.Preview,
        rq.PlanRequest),
    "portal.change_plan": _action(
        "Switch to another price (409 preview_stale with a fresh preview when the amounts "
        "changed; requires_action when the bank asks for 3-D Secure)", rq.PlanConfirmRequest),
    "portal.preview_quantity": Operation("Preview a quantity change", "portal", rs.Preview,
                                         rq.QuantityRequest),
    "portal.change_quantity": _action("Change the quantity", rq.QuantityConfirmRequest),
    "portal.cancel_scheduled_change": _action("Drop a change scheduled for the period end"),
    "portal.preview_resubscribe": Operation(
        "What restarting would charge now, to which card", "portal", rs.Preview,
        rq.ResubscribeRequest, errors=ACTION_ERRORS),
    "portal.resubscribe": Operation(
        "Restart a canceled subscription", "portal", rs.ResubscribeResult,
        rq.ResubscribeRequest, errors=ACTION_ERRORS, idempotency_key="required"),
    "portal.create_setup_intent": Operation(
        "Start a card update (SetupIntent client secret)", "portal", rs.SetupIntent,
        rq.CustomerRequest, idempotency_key="optional"),
    "portal.list_payment_methods": Operation("The customer's saved cards, the default first",
                                             "portal", rs.PaymentMethodList,
                                             query=rq.PaymentMethodsQuery),
    "portal.remove_payment_method": Operation(
        "Remove a saved card (409 when a subscription still needs it)", "portal", rs.Deleted,
        errors=ACTION_ERRORS),
    "portal.set_payment_method": Operation(
        "Make a saved or just confirmed card the default (make_default: false keeps it)",
        "portal", rs.PaymentMethodResult, rq.PaymentMethodRequest),
    "portal.pay_invoice": Operation(
        "Pay an open invoice", "portal", rs.InvoicePayResult, rq.EmptyBody,
        errors=ACTION_ERRORS, idempotency_key="required"),
    "portal.update_customer": Operation("Update billing details", "portal",
                                        rs.CustomerResult, rq.CustomerUpdateRequest),
    "portal.add_tax_id": Operation("Add a tax id", "portal", rs.TaxIdResult, rq.TaxIdRequest),
    "portal.delete_tax_id": Operation("Remove a tax id", "portal", rs.Deleted),
    "api.stripe_webhook": Operation(
        "Stripe webhook deliveries for an account (verified with its signing secret from the "
        "Stripe-Signature header); each event is applied once", "webhooks",
        rs.WebhookReceived, security=None, errors=("400", "404", "429", "503")),
    # Beside /v1, documented for operators and loaders.
    "api.healthz": Operation("Liveness", "meta", rs.Health, security=None, errors=()),
    "api.readyz": Operation("Readiness (database reachable); 503 when not ready", "meta",
                            rs.Health, security=None, errors=(), also=("503",)),
    "api.loader_script": Operation("The current embed loader (cached for an hour)",
                                   "embed", None, security=None, errors=()),
    "api.loader_version": Operation(
        "One embed loader version by its content hash: immutable, every release kept (the URL "
        "to pin with the SRI hash)", "embed", None, security=None, errors=("404",)),
    "api.loader_integrity": Operation("The loader's Subresource Integrity hash", "embed",
                                rs.Integrity, security=None, errors=()),
}


def documented_body(endpoint: str | None) -> type[BaseModel] | None:
    operation = OPERATIONS.get(endpoint or "")
    return operation.body if operation else None


def documented_query(endpoint: str | None) -> type[BaseModel] | None:
    operation = OPERATIONS.get(endpoint or "")
    return operation.query if operation else None
