"""Payments, cards, invoices and billing details: the customer side of ``StripeWriter``.

Methods take and return plain domain values; every Stripe exception becomes a
``billing.errors`` BillingError. Ownership is checked by the callers (``portal.actions``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import stripe
from stripe import RequestOptions
from stripe.params import (
    CustomerUpdateParams,
    CustomerUpdateParamsAddress,
    InvoiceCreatePreviewParams,
)

from widget_server.billing.catalog import Catalog
from widget_server.billing.convert import (
    customer_default_payment_method,
    customer_from_stripe,
    expandable_id,
    invoice_from_stripe,
    payment_method_from_stripe,
)
from widget_server.billing.domain import (
    LIVE_STATUSES,
    Customer,
    Invoice,
    PaymentMethod,
    Subscription,
    TaxId,
)
from widget_server.billing.errors import (
    PaymentRequiresAction,
    missing_as_none,
    stripe_errors,
    translate_stripe_error,
)


@dataclass(frozen=True)
class NewSubscriptionPreview:
    currency: str
    amount_due: int
    total: int
    period_end: int


@dataclass(frozen=True)
class PaymentStatus:
    status: str  # a PaymentIntent status: requires_action, requires_payment_method, succeeded
    client_secret: str
    error_code: str | None = None
    decline_code: str | None = None


@dataclass(frozen=True)
class OwnedPaymentMethod:
    method: PaymentMethod
    customer_id: str | None


@dataclass(frozen=True)
class SetupIntentSecret:
    id: str
    client_secret: str
    customer_id: str


def tax_id_value(obj: Any) -> TaxId:
    return TaxId(id=obj.id, type=obj.type, value=obj.value)


def stripe_field(obj: stripe.StripeObject | None, name: str) -> Any:
    """A field Stripe may omit (StripeObject has no ``.get``)."""
    return obj[name] if obj is not None and name in obj else None


def restart_items(previous: Subscription, price_id: str | None) -> list[tuple[str, int]]:
    """(price, quantity) of a restarted subscription: the previous items, or one other price
    at the first item's quantity."""
    if price_id is not None:
        return [(price_id, previous.items[0].quantity)]
    return [(i.price.id, i.quantity) for i in previous.items]


AddressPart = Literal["line1", "line2", "city", "state", "postal_code", "country"]
ADDRESS_PARTS: tuple[AddressPart, ...] = get_args(AddressPart)


def address_params(address: Mapping[str, str]) -> CustomerUpdateParamsAddress:
    """An address as Stripe takes it (the caller checked the parts and the country)."""
    params: CustomerUpdateParamsAddress = {}
    for part in ADDRESS_PARTS:
        if part in address:
            params[part] = address[part]
    return params


class PaymentWrites:
    """Cards, payments, invoices and customer details for one account."""

    def __init__(self, client: stripe.StripeClient, catalog: Catalog) -> None:
        self.client = client
        self.v1 = client.v1
        self.catalog = catalog

    def payment_method(self, pm_id: str) -> OwnedPaymentMethod | None:
        found = missing_as_none(lambda: self.v1.payment_methods.retrieve(pm_id))
        if found is None:
            return None
        return OwnedPaymentMethod(payment_method_from_stripe(found), expandable_id(found.customer))

    def live_subscription_ids(self, customer_id: str) -> list[str]:
        with stripe_errors():
            page = self.v1.subscriptions.list({"customer": customer_id, "status": "all",
                                               "limit": 100})
        return [s.id for s in page.data if s.status in LIVE_STATUSES]

    def preview_new_subscription(self, previous: Subscription, price_id: str | None,
                                 promotion_code_id: str | None) -> NewSubscriptionPreview:
        """The first invoice of restarting `previous` (its items, or one other price)."""
        params: InvoiceCreatePreviewParams = {
            "customer": previous.customer_id, "currency": previous.currency,
            "subscription_details": {"items": [{"price": p, "quantity": q}
                                               for p, q in restart_items(previous, price_id)]}}
        if promotion_code_id:
            params["discounts"] = [{"promotion_code": promotion_code_id}]
        with stripe_errors():
            preview = self.v1.invoices.create_preview(params)
        return NewSubscriptionPreview(currency=preview.currency,
                                      amount_due=int(preview.amount_due),
                                      total=int(preview.total),
                                      # the lines' service period (an invoice's own period
                                      # is when its items accrued: creation time here)
                                      period_end=max((int(line.period.end)
                                                      for line in preview.lines.data),
                                                     default=int(preview.period_end)))

    def customer_card(self, customer_id: str) -> PaymentMethod | None:
        """The customer's default payment method (one call)."""
        with stripe_errors():
            customer = self.v1.customers.retrieve(customer_id, {
                "expand": ["invoice_settings.default_payment_method"]})
        return customer_default_payment_method(customer)

    def paying_card(self, subscription: Subscription) -> PaymentMethod | None:
        """The card Stripe charges for this subscription: its own default, else the
        customer's (one call)."""
        with stripe_errors():
            if subscription.default_payment_method_id:
                found = self.payment_method(subscription.default_payment_method_id)
                return found.method if found is not None else None
        return self.customer_card(subscription.customer_id)

    def payment_status(self, client_secret: str) -> PaymentStatus:
        """The state of the PaymentIntent behind an invoice (its id prefixes the secret)."""
        intent_id = client_secret.split("_secret_")[0]
        with stripe_errors():
            intent = self.v1.payment_intents.retrieve(intent_id)
        error = stripe_field(intent, "last_payment_error")
        return PaymentStatus(status=intent.status, client_secret=client_secret,
                             error_code=stripe_field(error, "code"),
                             decline_code=stripe_field(error, "decline_code"))

    # --- payment methods, invoices, customers ----------------------------------------------

    def create_setup_intent(
        self, customer_id: str, idempotency_key: str | None
    ) -> SetupIntentSecret:
        options: RequestOptions = {"idempotency_key": idempotency_key} if idempotency_key else {}
        with stripe_errors():
            intent = self.v1.setup_intents.create({
                "customer": customer_id,
                "usage": "off_session",
                "allowed_payment_method_types": ["card"],
            }, options)
        return SetupIntentSecret(intent.id, str(intent.client_secret), customer_id)

    def set_default_payment_method(self, customer_id: str, pm_id: str) -> list[str]:
        """Make the card the customer's default and every live subscription's default.

        Returns the ids of the subscriptions that were updated.
        """
        with stripe_errors():
            self.v1.customers.update(customer_id, {
                "invoice_settings": {"default_payment_method": pm_id}})
        updated = []
        for sub_id in self.live_subscription_ids(customer_id):
            with stripe_errors():
                self.v1.subscriptions.update(sub_id, {"default_payment_method": pm_id})
            updated.append(sub_id)
        return updated

    def cards(self, customer_id: str) -> tuple[list[PaymentMethod], str | None]:
        """The customer's saved cards (newest first) and the id of the default one."""
        with stripe_errors():
            customer = self.v1.customers.retrieve(customer_id)
            page = self.v1.customers.payment_methods.list(customer_id, {"type": "card",
                                                                        "limit": 100})
        settings = stripe_field(customer, "invoice_settings")
        default = expandable_id(stripe_field(settings, "default_payment_method"))
        return [payment_method_from_stripe(pm) for pm in page.data], default

    def detach_payment_method(self, pm_id: str) -> None:
        with stripe_errors():
            self.v1.payment_methods.detach(pm_id)

    def pay_invoice(self, invoice_id: str, idempotency_key: str) -> Invoice:
        """Pay an open invoice while the customer is present (``off_session=false``), so a
        card that needs 3-D Secure asks for it: ``PaymentRequiresAction`` carries the
        client secret Stripe.js confirms."""
        try:
            paid = self.v1.invoices.pay(invoice_id, {"off_session": False},
                                        {"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            if exc.code == "invoice_payment_intent_requires_action":
                found = missing_as_none(lambda: self.v1.invoices.retrieve(
                    invoice_id, {"expand": ["confirmation_secret"]}))
                invoice = invoice_from_stripe(found) if found is not None else None
                if invoice is not None and invoice.payment_client_secret:
                    raise PaymentRequiresAction(invoice.payment_client_secret,
                                                invoice.id) from exc
            raise translate_stripe_error(exc) from exc
        except stripe.StripeError as exc:
            raise translate_stripe_error(exc) from exc
        return invoice_from_stripe(paid)

    def update_customer(self, customer_id: str, *, email: str | None = None,
                        name: str | None = None, phone: str | None = None,
                        address: Mapping[str, str] | None = None) -> Customer:
        """Change the given billing details (an empty string clears one)."""
        params: CustomerUpdateParams = {}
        if email is not None:
            params["email"] = email
        if name is not None:
            params["name"] = name
        if phone is not None:
            params["phone"] = phone
        if address is not None:
            params["address"] = address_params(address)
        with stripe_errors():
            updated = self.v1.customers.update(customer_id, params)
            tax_ids = self.v1.customers.tax_ids.list(customer_id, {"limit": 100})
        return dataclasses.replace(customer_from_stripe(updated),
                                   tax_ids=tuple(tax_id_value(t) for t in tax_ids.data))

    def add_tax_id(self, customer_id: str, kind: str, value: str) -> TaxId:
        with stripe_errors():
            created = self.v1.customers.tax_ids.create(
                customer_id, {"type": kind, "value": value})
        return tax_id_value(created)

    def delete_tax_id(self, customer_id: str, tax_id: str) -> None:
        with stripe_errors():
            self.v1.customers.tax_ids.delete(customer_id, tax_id)
