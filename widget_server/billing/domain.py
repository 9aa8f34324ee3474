"""Plain domain values the gateway returns; the web layer never sees Stripe objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str | None = None
    unit_label: str | None = None
    quantity_min: int = 1
    quantity_max: int | None = None
    quantity_step: int = 1
    adjustable_quantity: bool = False  # metadata quantity_* present (or unit_label set)
    active: bool = True
    role: str = "base"  # base | addon (metadata portal_role, or the owner's catalog_addons)
    order: int | None = None  # metadata portal_order: the owner's order of plans


@dataclass(frozen=True)
class Price:
    id: str
    product: Product
    currency: str
    unit_amount: int | None
    interval: str | None  # day | week | month | year; None for one-off prices
    interval_count: int = 1
    nickname: str | None = None
    lookup_key: str | None = None
    active: bool = True
    # (currency, unit_amount) of each other currency the price supports (expanded
    # `currency_options`); see billing/currencies.py
    currency_options: tuple[tuple[str, int | None], ...] = ()
    metered: bool = False  # recurring.usage_type=metered: billed by usage, in arrears


@dataclass(frozen=True)
class Discount:
    id: str
    coupon_id: str
    name: str | None
    percent_off: float | None
    amount_off: int | None
    currency: str | None
    duration: str  # once | repeating | forever
    duration_in_months: int | None = None
    end: int | None = None
    promotion_code: str | None = None  # the code a user typed, when known


@dataclass(frozen=True)
class SubscriptionItem:
    id: str
    price: Price
    quantity: int
    current_period_start: int
    current_period_end: int


@dataclass(frozen=True)
class PauseCollection:
    behavior: str
    resumes_at: int | None


@dataclass(frozen=True)
class ScheduledChange:
    """A change a subscription schedule will make later (a downgrade at period end)."""

    schedule_id: str
    starts_at: int
    items: tuple[tuple[str, int], ...]  # (price id, quantity) of the next phase


# A subscription's latest invoice matters only while it may still be paid (a banner, "Pay
# now", the next attempt's date, a payment to confirm): the converters keep a draft or open
# one and drop a paid or void one (converting 50 settled renewal invoices was most of the
# work of a view of 50 subscriptions). `latest_invoice_id` is always kept.
UNSETTLED_INVOICE = frozenset({"draft", "open"})

# The statuses of a subscription that is not over: it bills, or will once paid or resumed
# (not canceled, incomplete_expired). Stripe bills all of a customer's live subscriptions in
# one currency. Narrower sets say what they are for where they are used (entitlements'
# ENTITLING_STATUSES, the dashboard's CANCELABLE_STATUSES).
LIVE_STATUSES = frozenset({"active", "trialing", "past_due", "unpaid", "incomplete", "paused"})


@dataclass(frozen=True)
class Subscription:
    id: str
    customer_id: str
    status: str
    currency: str
    created: int
    items: tuple[SubscriptionItem, ...]
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    canceled_at: int | None = None
    ended_at: int | None = None
    trial_end: int | None = None
    discounts: tuple[Discount, ...] = ()
    pause_collection: PauseCollection | None = None
    default_payment_method_id: str | None = None
    latest_invoice_id: str | None = None
    schedule_id: str | None = None
    cancellation_feedback: str | None = None
    cancellation_comment: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    latest_invoice: Invoice | None = None  # expanded by the reads; only while UNSETTLED_INVOICE
    scheduled_change: ScheduledChange | None = None  # from the expanded schedule
    pending_update_expires_at: int | None = None  # a change waiting for its payment
    test_clock: str | None = None  # test mode: the customer's test clock (billing/test_clocks.py)

    def product_ids(self) -> frozenset[str]:
        return frozenset(item.price.product.id for item in self.items)

    @cached_property  # asked several times per subscription shown; the items never change
    def current_period_end(self) -> int | None:
        """Items carry the periods in this API version; the earliest end is the next bill."""
        return min((i.current_period_end for i in self.items), default=None)

    @property
    def current_period_start(self) -> int | None:
        return min((i.current_period_start for i in self.items), default=None)


@dataclass(frozen=True)
class PaymentMethod:
    id: str
    brand: str
    last4: str
    exp_month: int  # 0 when the method has no expiry (bank debits)
    exp_year: int
    type: str = "card"


@dataclass(frozen=True)
class TaxId:
    id: str
    type: str
    value: str


@dataclass(frozen=True)
class Customer:
    id: str
    email: str | None
    name: str | None
    phone: str | None = None
    address: dict[str, Any] | None = None
    default_payment_method_id: str | None = None
    tax_ids: tuple[TaxId, ...] = ()


@dataclass(frozen=True)
class Invoice:
    id: str
    number: str | None
    status: str | None
    currency: str
    amount_due: int
    amount_paid: int
    amount_remaining: int
    total: int
    created: int
    period_start: int | None
    period_end: int | None
    hosted_invoice_url: str | None
    invoice_pdf: str | None
    subscription_id: str | None
    customer_id: str | None = None
    billing_reason: str | None = None
    next_payment_attempt: int | None = None
    # The service period and products of its subscription lines (what the invoice is for).
    service_start: int | None = None
    service_end: int | None = None
    product_ids: tuple[str, ...] = ()
    payment_client_secret: str | None = None  # confirmation_secret, when expanded


@dataclass(frozen=True)
class PortalSnapshot:
    """Everything one portal view shows, from a bounded number of Stripe calls."""

    customers: tuple[Customer, ...]
    subscriptions: tuple[Subscription, ...]
    payment_method: PaymentMethod | None
    catalog: tuple[Price, ...] = ()
    canceled_next: str | None = None  # cursor of the canceled subscriptions not included

    @property
    def customer(self) -> Customer | None:
        """The customer the portal shows: the first of the token's customers that exists."""
        return self.customers[0] if self.customers else None


@dataclass(frozen=True)
class Feature:
    """An entitlement feature (Stripe's ``entitlements.feature``) a product grants."""

    id: str
    lookup_key: str
    name: str
