"""Every Stripe write the portal makes, and the narrow reads that guard them.

``StripeWriter`` wraps one account's ``stripe.StripeClient``. Methods take and return plain
domain values (``billing.domain``); every Stripe exception becomes a ``billing.errors``
BillingError. Ownership is not decided here: callers re-read an object with these methods,
check it belongs to a customer of the portal token, and only then call a write.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import stripe

from widget_server.billing.catalog import Catalog
from widget_server.billing.convert import (
    customer_from_stripe,
    expandable_id,
    invoice_from_stripe,
    payment_method_from_stripe,
    price_from_stripe,
    product_ids_of,
    subscription_from_stripe,
)
from widget_server.billing.domain import (
    Customer,
    Invoice,
    PaymentMethod,
    Price,
    Subscription,
    SubscriptionItem,
    TaxId,
)
from widget_server.billing.errors import ResourceNotFound, stripe_errors, translate_stripe_error
from widget_server.billing.gateway import SINGLE_SUBSCRIPTION_EXPAND, all_items, catalog_for
from widget_server.billing.registry import registry

T = TypeVar("T")

# The read path's expansion, so a written subscription converts exactly like a read one
# (item products come from the cached catalog: Stripe expands four levels at most).
SUBSCRIPTION_EXPAND = SINGLE_SUBSCRIPTION_EXPAND
PRICE_EXPAND = ["product"]
# a coupon's applies_to is includable (left out unless expanded), so every coupon read asks
COUPON_EXPAND = ["applies_to"]
PROMOTION_EXPAND = ["data.promotion.coupon", "data.promotion.coupon.applies_to"]
LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete", "paused")


@dataclass(frozen=True)
class PreviewLine:
    description: str
    amount: int
    proration: bool


@dataclass(frozen=True)
class ChangePreview:
    """What a plan or quantity change costs (an ``invoices.create_preview`` result)."""

    currency: str
    proration_amount: int  # net prorations for the rest of the period (negative: a credit)
    next_invoice_total: int
    next_payment_date: int | None
    lines: tuple[PreviewLine, ...]
    proration_date: int | None
    applies_at_period_end: bool


@dataclass(frozen=True)
class Coupon:
    id: str
    name: str | None
    percent_off: float | None
    amount_off: int | None
    currency: str | None
    duration: str
    duration_in_months: int | None
    valid: bool
    applies_to_products: tuple[str, ...] | None


@dataclass(frozen=True)
class PromotionCode:
    id: str
    code: str
    active: bool
    expires_at: int | None
    customer_id: str | None
    max_redemptions: int | None
    times_redeemed: int
    coupon: Coupon


@dataclass(frozen=True)
class OwnedPaymentMethod:
    method: PaymentMethod
    customer_id: str | None


@dataclass(frozen=True)
class SetupIntentSecret:
    id: str
    client_secret: str
    customer_id: str


def _tax_id(obj: Any) -> TaxId:
    return TaxId(id=obj.id, type=obj.type, value=obj.value)


def _get(obj: stripe.StripeObject | None, name: str) -> Any:
    """A field Stripe may omit (StripeObject has no ``.get``)."""
    return obj[name] if obj is not None and name in obj else None


def _coupon(obj: stripe.Coupon) -> Coupon:
    applies = _get(obj, "applies_to")
    products = tuple(_get(applies, "products") or ()) if applies is not None else None
    return Coupon(
        id=obj.id,
        name=_get(obj, "name"),
        percent_off=_get(obj, "percent_off"),
        amount_off=_get(obj, "amount_off"),
        currency=_get(obj, "currency"),
        duration=_get(obj, "duration") or "once",
        duration_in_months=_get(obj, "duration_in_months"),
        valid=_get(obj, "valid") is not False,
        applies_to_products=products or None,
    )


class StripeWriter:
    """The portal's Stripe writes for one account (thread-safe: the client is)."""

    def __init__(self, client: stripe.StripeClient, catalog: Catalog) -> None:
        self.client = client
        self.v1 = client.v1
        self.catalog = catalog

    def _subscription(self, raw: stripe.Subscription) -> Subscription:
        """Convert with every item: schedule phases and resubscribe copy the whole item list,
        so a subscription longer than its embedded page must not lose the rest."""
        with stripe_errors():
            items = all_items(self.client, raw)
        products = self.catalog.products(product_ids_of(items))
        return subscription_from_stripe(raw, products, items)

    # --- guarded reads ---------------------------------------------------------------------

    def _maybe(self, call: Callable[[], T]) -> T | None:
        """Run a read; a missing object is None, any other Stripe failure a BillingError."""
        try:
            return call()
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404 or exc.code == "resource_missing":
                return None
            raise translate_stripe_error(exc) from None
        except stripe.StripeError as exc:
            raise translate_stripe_error(exc) from None

    def subscription(self, subscription_id: str) -> Subscription | None:
        found = self._maybe(lambda: self.v1.subscriptions.retrieve(
            subscription_id, {"expand": SUBSCRIPTION_EXPAND}))
        return self._subscription(found) if found is not None else None

    def price(self, price_id: str) -> Price | None:
        found = self._maybe(lambda: self.v1.prices.retrieve(price_id, {"expand": PRICE_EXPAND}))
        return price_from_stripe(found) if found is not None else None

    def invoice(self, invoice_id: str) -> Invoice | None:
        found = self._maybe(lambda: self.v1.invoices.retrieve(invoice_id))
        return invoice_from_stripe(found) if found is not None else None

    def payment_method(self, pm_id: str) -> OwnedPaymentMethod | None:
        found = self._maybe(lambda: self.v1.payment_methods.retrieve(pm_id))
        if found is None:
            return None
        return OwnedPaymentMethod(payment_method_from_stripe(found), expandable_id(found.customer))

    def tax_id(self, customer_id: str, tax_id: str) -> TaxId | None:
        """The customer's tax id; None when missing or owned by anyone else."""
        found = self._maybe(lambda: self.v1.customers.tax_ids.retrieve(customer_id, tax_id))
        if found is None:
            return None
        owner = _get(found, "owner")
        owner_id = expandable_id(_get(owner, "customer")) or expandable_id(
            _get(found, "customer"))
        return _tax_id(found) if owner_id == customer_id else None

    def coupon(self, coupon_id: str) -> Coupon | None:
        # applies_to is includable: Stripe returns it only when expanded
        found = self._maybe(lambda: self.v1.coupons.retrieve(
            coupon_id, {"expand": COUPON_EXPAND}))
        return _coupon(found) if found is not None else None

    def find_promotion_code(self, code: str) -> PromotionCode | None:
        """The promotion code a user typed: an active one first, else any with that code."""
        with stripe_errors():
            rows = list(self.v1.promotion_codes.list(
                {"code": code, "active": True, "limit": 10, "expand": PROMOTION_EXPAND}
            ).data)
            if not rows:
                rows = list(self.v1.promotion_codes.list(
                    {"code": code, "limit": 10, "expand": PROMOTION_EXPAND}
                ).data)
        if not rows:
            return None
        promo = rows[0]
        coupon = promo.promotion.coupon
        if isinstance(coupon, str) or coupon is None:
            coupon_obj = self.coupon(str(coupon)) if coupon else None
            if coupon_obj is None:
                return None
        else:
            coupon_obj = _coupon(coupon)
        return PromotionCode(
            id=promo.id,
            code=promo.code,
            active=bool(promo.active),
            expires_at=_get(promo, "expires_at"),
            customer_id=expandable_id(_get(promo, "customer")),
            max_redemptions=_get(promo, "max_redemptions"),
            times_redeemed=int(_get(promo, "times_redeemed") or 0),
            coupon=coupon_obj,
        )

    def live_subscription_ids(self, customer_id: str) -> list[str]:
        with stripe_errors():
            page = self.v1.subscriptions.list({"customer": customer_id, "status": "all",
                                               "limit": 100})
        return [s.id for s in page.data if s.status in LIVE_STATUSES]

    # --- subscription writes ---------------------------------------------------------------

    def _update(self, subscription_id: str, params: dict[str, Any],
                idempotency_key: str | None = None) -> Subscription:
        params = {**params, "expand": SUBSCRIPTION_EXPAND}
        options: dict[str, Any] = {"idempotency_key": idempotency_key} if idempotency_key else {}
        with stripe_errors():
            updated = self.v1.subscriptions.update(
                subscription_id, cast(Any, params), cast(Any, options)
            )
        return self._subscription(updated)

    def preview_item_change(
        self,
        subscription: Subscription,
        item: SubscriptionItem,
        *,
        price_id: str,
        quantity: int,
        at_period_end: bool,
    ) -> ChangePreview:
        """Preview switching one item's price/quantity, now (prorated) or at period end."""
        proration_date = None if at_period_end else proration_now(item)
        details: dict[str, Any] = {
            "items": [{"id": item.id, "price": price_id, "quantity": quantity}],
            "proration_behavior": "none" if at_period_end else "create_prorations",
        }
        if proration_date is not None:
            details["proration_date"] = proration_date
        with stripe_errors():
            preview = self.v1.invoices.create_preview(cast(Any, {
                "customer": subscription.customer_id,
                "subscription": subscription.id,
                "subscription_details": details,
            }))
        lines = tuple(
            PreviewLine(
                description=_get(line, "description") or "",
                amount=int(line.amount),
                proration=_is_proration(line),
            )
            for line in all_lines(self.client, preview)
        )
        prorations = sum(line.amount for line in lines if line.proration)
        return ChangePreview(
            currency=preview.currency,
            proration_amount=prorations,
            next_invoice_total=int(preview.amount_due),
            next_payment_date=_get(preview, "next_payment_attempt")
            or _get(preview, "period_end") or subscription.current_period_end,
            lines=lines,
            proration_date=proration_date,
            applies_at_period_end=at_period_end,
        )

    def change_item_now(
        self, subscription_id: str, item_id: str, *, price_id: str | None, quantity: int,
        proration_date: int | None,
    ) -> Subscription:
        """Switch an item's price and/or quantity now, with prorations on the next invoice."""
        entry: dict[str, Any] = {"id": item_id, "quantity": quantity}
        if price_id is not None:
            entry["price"] = price_id
        params: dict[str, Any] = {"items": [entry], "proration_behavior": "create_prorations"}
        if proration_date is not None:
            params["proration_date"] = proration_date
        return self._update(subscription_id, params)

    def change_item_at_period_end(
        self, subscription: Subscription, item_id: str, *, price: Price, quantity: int
    ) -> Subscription:
        """Schedule the change for the end of the period: a schedule with a second phase."""
        end = subscription.current_period_end
        current = [{"price": i.price.id, "quantity": i.quantity} for i in subscription.items]
        changed = [
            {"price": price.id if i.id == item_id else i.price.id,
             "quantity": quantity if i.id == item_id else i.quantity}
            for i in subscription.items
        ]
        with stripe_errors():
            if subscription.schedule_id:
                schedule = self.v1.subscription_schedules.retrieve(subscription.schedule_id)
            else:
                schedule = self.v1.subscription_schedules.create(
                    {"from_subscription": subscription.id}
                )
            start = schedule.phases[0].start_date if schedule.phases else None
            self.v1.subscription_schedules.update(schedule.id, cast(Any, {
                "end_behavior": "release",
                "proration_behavior": "none",
                "phases": [
                    {"items": current, "start_date": start or subscription.current_period_start,
                     "end_date": end},
                    # one billing cycle on the new price, then the schedule releases the
                    # subscription, which simply continues on it
                    {"items": changed, "duration": {"interval": price.interval or "month",
                                                    "interval_count": price.interval_count}},
                ],
            }))
        found = self.subscription(subscription.id)
        if found is None:
            raise ResourceNotFound()
        return found

    def release_schedule(self, schedule_id: str) -> None:
        """Hand the subscription back from its schedule (dropping a pending plan change).

        Stripe refuses cancel and item changes on a subscription a schedule manages.
        """
        with stripe_errors():
            self.v1.subscription_schedules.release(schedule_id)

    def set_cancel_at_period_end(
        self, subscription_id: str, *, feedback: str | None, comment: str | None
    ) -> Subscription:
        params: dict[str, Any] = {"cancel_at_period_end": True}
        details = _cancellation_details(feedback, comment)
        if details:
            params["cancellation_details"] = details
        if feedback:
            params["metadata"] = {"cancellation_reason": feedback}
        return self._update(subscription_id, params)

    def cancel_now(
        self, subscription_id: str, *, feedback: str | None, comment: str | None
    ) -> Subscription:
        params: dict[str, Any] = {"expand": SUBSCRIPTION_EXPAND, "prorate": True}
        details = _cancellation_details(feedback, comment)
        if details:
            params["cancellation_details"] = details
        with stripe_errors():
            canceled = self.v1.subscriptions.cancel(subscription_id, cast(Any, params))
        if feedback:  # metadata stays writable on a canceled subscription
            return self._update(subscription_id, {"metadata": {"cancellation_reason": feedback}})
        return self._subscription(canceled)

    def resume(self, subscription_id: str) -> Subscription:
        """Undo a cancel at period end (the subscription is still live)."""
        return self._update(subscription_id, {"cancel_at_period_end": False,
                                              "metadata": {"cancellation_reason": ""}})

    def resubscribe(
        self,
        previous: Subscription,
        *,
        price_id: str | None,
        promotion_code_id: str | None,
        default_payment_method: str | None,
        idempotency_key: str,
    ) -> Subscription:
        """Start a new subscription with the previous one's items (or one other price).

        ``allow_incomplete``: without a working card the new subscription is ``incomplete``
        with an open invoice, so the page can ask for payment instead of failing outright.
        """
        if price_id is not None:
            items = [{"price": price_id, "quantity": previous.items[0].quantity}]
        else:
            items = [{"price": i.price.id, "quantity": i.quantity} for i in previous.items]
        params: dict[str, Any] = {
            "customer": previous.customer_id,
            "items": items,
            "payment_behavior": "allow_incomplete",
            "metadata": {"resubscribed_from": previous.id},
            "expand": SUBSCRIPTION_EXPAND,
        }
        if promotion_code_id:
            params["discounts"] = [{"promotion_code": promotion_code_id}]
        if default_payment_method:
            params["default_payment_method"] = default_payment_method
        with stripe_errors():
            created = self.v1.subscriptions.create(
                cast(Any, params), {"idempotency_key": idempotency_key}
            )
        return self._subscription(created)

    def add_discount(
        self, subscription: Subscription, *, promotion_code_id: str | None = None,
        coupon_id: str | None = None, metadata: dict[str, str] | None = None,
    ) -> Subscription:
        """Add a promotion code or coupon, keeping the discounts already applied."""
        discounts: list[dict[str, str]] = [{"discount": d.id} for d in subscription.discounts]
        if promotion_code_id:
            discounts.append({"promotion_code": promotion_code_id})
        elif coupon_id:
            discounts.append({"coupon": coupon_id})
        params: dict[str, Any] = {"discounts": discounts}
        if metadata:
            params["metadata"] = metadata
        return self._update(subscription.id, params)

    def pause(self, subscription_id: str, resumes_at: int | None) -> Subscription:
        pause: dict[str, Any] = {"behavior": "void"}
        if resumes_at is not None:
            pause["resumes_at"] = resumes_at
        return self._update(subscription_id, {"pause_collection": pause})

    def unpause(self, subscription_id: str) -> Subscription:
        return self._update(subscription_id, {"pause_collection": ""})

    # --- payment methods, invoices, customers ----------------------------------------------

    def create_setup_intent(
        self, customer_id: str, idempotency_key: str | None
    ) -> SetupIntentSecret:
        options: dict[str, Any] = {"idempotency_key": idempotency_key} if idempotency_key else {}
        with stripe_errors():
            intent = self.v1.setup_intents.create(cast(Any, {
                "customer": customer_id,
                "usage": "off_session",
                "allowed_payment_method_types": ["card"],
            }), cast(Any, options))
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

    def pay_invoice(self, invoice_id: str, idempotency_key: str) -> Invoice:
        with stripe_errors():
            paid = self.v1.invoices.pay(invoice_id, {}, {"idempotency_key": idempotency_key})
        return invoice_from_stripe(paid)

    def update_customer(self, customer_id: str, changes: dict[str, Any]) -> Customer:
        with stripe_errors():
            updated = self.v1.customers.update(customer_id, cast(Any, changes))
            tax_ids = self.v1.customers.tax_ids.list(customer_id, {"limit": 100})
        return dataclasses.replace(customer_from_stripe(updated),
                                   tax_ids=tuple(_tax_id(t) for t in tax_ids.data))

    def add_tax_id(self, customer_id: str, kind: str, value: str) -> TaxId:
        with stripe_errors():
            created = self.v1.customers.tax_ids.create(
                customer_id, cast(Any, {"type": kind, "value": value})
            )
        return _tax_id(created)

    def delete_tax_id(self, customer_id: str, tax_id: str) -> None:
        with stripe_errors():
            self.v1.customers.tax_ids.delete(customer_id, tax_id)


def all_lines(client: stripe.StripeClient, invoice: stripe.Invoice) -> list[stripe.InvoiceLineItem]:
    """Every line of an invoice or preview: Stripe embeds only the first 10, so a preview with
    more lines (many items, prorations on each) must be paged, or its sums come out short."""
    if not invoice.lines.has_more:
        return list(invoice.lines.data)
    with stripe_errors():
        page = client.v1.invoices.line_items.list(invoice.id, {"limit": 100})
        return list(page.auto_paging_iter())


def _is_proration(line: stripe.InvoiceLineItem) -> bool:
    parent = _get(line, "parent")
    details = _get(parent, "subscription_item_details") or _get(parent, "invoice_item_details")
    return bool(_get(details, "proration"))


def _cancellation_details(feedback: str | None, comment: str | None) -> dict[str, str]:
    details = {}
    if feedback:
        details["feedback"] = feedback
    if comment:
        details["comment"] = comment
    return details


def proration_now(item: SubscriptionItem, now: int | None = None) -> int:
    """"Now", clamped into the item's current period (Stripe refuses dates outside it)."""
    moment = int(time.time()) if now is None else now
    return max(item.current_period_start, min(moment, item.current_period_end - 1))


def writer_for(stripe_key: str) -> StripeWriter:
    """The writer for an account's Stripe key (clients are cached per key)."""
    return StripeWriter(registry().client_for(stripe_key), catalog_for(stripe_key))
