"""The response bodies of the JSON API, defined once for the OpenAPI document.

The views build plain dicts (``portal.serialize``); these models describe them, and the
schemathesis run in the test suite checks every response it sees against them. Every object is
closed (``additionalProperties: false``), so a member the views add without documenting it
fails the suite; ``| None`` marks nullable members, a default marks optional ones.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from widget_server.contract.flows import FlowOut

Str = str | None
Int = int | None


class Body(BaseModel):
    """A response object: closed, so that an undocumented member is a test failure."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Body):
    code: str = Field(pattern="^[a-z0-9_]+$", description="Stable snake_case code for programs.")
    message: str = Field(description="Translated sentence for people.")
    param: str | None = Field(None, description="The request field at fault, if any.")
    debug: str | None = Field(None, description="Why an identity check failed; only for "
                              "test-mode accounts with the debug setting on.")


class Error(Body):
    """The one error shape: ``{"error": {"code", "message", "param"?}}``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"error": {
        "code": "unknown_parameter", "param": "colour",
        "message": "This request does not accept the field “colour”."}}]})

    error: ErrorDetail
    preview: dict[str, Any] | None = Field(
        None, description="409 preview_stale: the fresh preview to show instead.")


class EmbedSession(Body):
    token: str = Field(description="Portal token: send it as a Bearer token.")
    expires_at: int = Field(description="Unix time the token expires.")
    locale: str
    flow: FlowOut | None = Field(None, description="The flow to open (when flow_data was sent).")


class PortalSession(Body):
    url: str = Field(description="One-time, short-lived URL.")
    expires_at: int


class Product(Body):
    id: str
    name: str
    role: Literal["base", "addon"] | None = None
    description: Str = None
    unit_label: Str = None
    quantity_min: int | None = None
    quantity_max: Int = None
    quantity_step: int | None = None
    adjustable_quantity: bool | None = None


class Price(Body):
    id: str
    currency: str
    nickname: Str = None
    unit_amount: Int = None
    interval: Str = None
    interval_count: Int = None
    amount_display: Str = None
    interval_display: Str = None
    product: Product | None = None


class Badge(Body):
    text: str
    tone: str


class DateLine(Body):
    kind: str
    label: str
    date: int
    display: str


class SubscriptionItem(Body):
    id: str
    quantity: int
    current_period_start: Int = None
    current_period_end: Int = None
    amount_display: Str = None
    price: Price
    product: Product
    plan_options: list[str] | None = Field(
        None, description="The price ids this item may change to (change plan): the same "
        "product's other prices and, for the plan item, other plans the customer does not hold "
        "on another live subscription.")


class Discount(Body):
    id: Str = None
    coupon_id: Str = None
    name: Str = None
    percent_off: float | None = None
    amount_off: Int = None
    currency: Str = None
    duration: Str = None
    end: Int = None
    promotion_code: Str = None
    display: Str = None


class Subscription(Body):
    id: str
    status: str
    state: str | None = Field(None, description="The portal's state: Stripe's status, or "
                              "canceling, collection_paused, scheduled_change.")
    status_display: Str = None
    badge: Badge | None = None
    dates: list[DateLine] | None = None
    reason: Str = Field(None, description="Why no action is offered, when none is.")
    duplicate_of: Str = None
    created: Int = None
    cancel_at_period_end: bool | None = None
    cancel_at: Int = None
    cancel_at_display: Str = None
    canceled_at: Int = None
    ended_at: Int = None
    trial_end: Int = None
    trial_end_display: Str = None
    current_period_end: Int = None
    current_period_end_display: Str = None
    pause_collection: dict[str, Any] | None = None
    items: list[SubscriptionItem]
    discounts: list[Discount] | None = None
    latest_invoice_id: Str = None
    open_invoice: dict[str, Any] | None = None
    scheduled_change: dict[str, Any] | None = None
    actions: dict[str, bool] = Field(description="Which actions the server allows now.")


class TaxId(Body):
    id: str
    type: str
    value: str


class Customer(Body):
    id: str
    email: Str = None
    name: Str = None
    phone: Str = None
    address: dict[str, Any] | None = None
    tax_ids: list[TaxId] | None = None


class PaymentMethod(Body):
    id: str
    type: Str = None
    brand: Str = None
    last4: Str = None
    exp_month: Int = None
    exp_year: Int = None
    display: Str = None
    expires_display: Str = None
    default: bool | None = None
    removable: bool | None = None


class AccountInfo(Body):
    id: str
    name: str
    test_mode: bool


class StripeInfo(Body):
    publishable_key: Str = None
    js_url: Str = None


class Portal(Body):
    """``GET /v1/portal``: everything the portal page draws."""

    account: AccountInfo
    locale: str
    direction: Literal["ltr", "rtl"] | None = None
    strings_url: str = Field(description="Where the UI strings of this locale (with the "
                             "account's custom strings) are: `GET /v1/portal/strings`, "
                             "versioned, cached by the browser for a year.")
    strings: dict[str, str] | None = Field(
        None, description="Only in the dashboard's live preview: the UI strings with the "
                          "draft's custom strings (the saved ones are at `strings_url`).")
    settings: dict[str, Any] | None = None
    stripe: StripeInfo | None = None
    customer: Customer | None = Field(description="null when Stripe no longer has the customer.")
    payment_method: PaymentMethod | None = None
    subscriptions: list[Subscription] = Field(
        description="Every live subscription, then the newest canceled ones (a page).")
    canceled_next: Str = Field(None, description="Cursor for more canceled subscriptions "
                               "(`GET /v1/portal/subscriptions/canceled`); null when none.")
    catalog: list[Price] | None = None
    entitlements: Entitlements | None = Field(
        None, description="Only with the setting show_entitlements: what each live "
        "subscription grants (the body of `GET /v1/portal/entitlements`).")


class CanceledSubscriptions(Body):
    """A page of canceled subscriptions, newest first."""

    subscriptions: list[Subscription]
    next: Str = Field(None, description="Cursor of the page after this one; null at the end.")


class Strings(Body):
    """The UI strings of one locale: the service's translations with the account's own."""

    locale: str
    direction: Literal["ltr", "rtl"]
    strings: dict[str, str]


class Invoice(Body):
    id: str
    currency: str
    total: int
    number: Str = None
    status: Str = None
    status_display: Str = None
    amount_due: Int = None
    amount_paid: Int = None
    amount_remaining: Int = None
    total_display: Str = None
    created: Int = None
    created_display: Str = None
    hosted_invoice_url: Str = None
    invoice_pdf: Str = None
    subscription_id: Str = None
    plans_display: Str = None
    period_start: Int = None
    period_end: Int = None
    period_display: Str = None
    note: Str = Field(None, description="Translated sentence for an open invoice of a plan "
                      "change waiting for payment: paying it applies the change, else Stripe "
                      "voids it at the date given.")


class InvoiceList(Body):
    """One page of invoices, newest first."""

    invoices: list[Invoice]
    has_more: bool = False
    next: Str = Field(None, description="Cursor for the next page (`?starting_after=`); null "
                      "at the end.")


class RequiresAction(Body):
    client_secret: str
    invoice: Str = None


class SubscriptionResult(Body):
    """A subscription after an action, and the sentence to show."""

    subscription: Subscription
    message: str = Field(description="Translated sentence.")
    notice: Str = Field(None, description="warning when the message is not a success (a "
                        "resubscribe whose payment failed).")
    requires_action: RequiresAction | None = Field(
        None, description="3-D Secure: confirm with Stripe.js confirmCardPayment.")


class ResubscribeResult(SubscriptionResult):
    """A restarted subscription; ``requires_payment`` while its first invoice is unpaid."""

    requires_payment: bool


class Preview(Body):
    """What a change would charge now and next (see docs/actions.md)."""

    preview: dict[str, Any]


class SetupIntent(Body):
    client_secret: str
    publishable_key: Str = None
    customer: str


class PaymentMethodList(Body):
    payment_methods: list[PaymentMethod]


class Deleted(Body):
    deleted: bool
    id: str
    message: str


class CustomerResult(Body):
    customer: Customer
    message: str


class TaxIdResult(Body):
    tax_id: TaxId
    message: str


class Offer(Body):
    coupon_id: str
    display: str


class RetentionOffer(Body):
    offer: Offer | None


class Health(Body):
    status: str
    database: Str = None


class WebhookReceived(Body):
    received: bool
    duplicate: bool


class Integrity(Body):
    integrity: str
    url: str


class PaymentMethodResult(Body):
    payment_method: PaymentMethod | None
    message: str


class InvoicePayResult(Body):
    invoice: Invoice
    subscription: Subscription | None = None
    requires_action: RequiresAction | None = None
    message: str


class EntitlementFeature(Body):
    id: str = Field(description="The Stripe entitlement feature (`feat_…`).")
    lookup_key: str
    name: str = Field(description="The feature's name as the owner wrote it in Stripe.")


class PlanChangeFeatures(Body):
    item: str = Field(description="The subscription item that would change.")
    price: str = Field(description="One of the item's `plan_options`.")
    gain: list[EntitlementFeature] = Field(description="Features the change adds.")
    lose: list[EntitlementFeature] = Field(description="Features the change removes.")


class SubscriptionGrants(Body):
    id: str
    grants: list[EntitlementFeature] = Field(
        description="The features of the products of its items (empty unless its status "
                    "gives entitlements: active, trialing, past_due).")
    changes: list[PlanChangeFeatures]


class Entitlements(Body):
    """What each live subscription grants, and what each plan change would add and remove."""

    subscriptions: list[SubscriptionGrants]


Portal.model_rebuild()  # `entitlements` names a model defined after it
