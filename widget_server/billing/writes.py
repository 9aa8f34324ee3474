"""Every Stripe write the portal makes, and the narrow reads that guard them.

``StripeWriter`` wraps one account's ``stripe.StripeClient``. Methods take and return plain
domain values (``billing.domain``); every Stripe exception becomes a ``billing.errors``
BillingError. Ownership is not decided here: callers re-read an object with these methods,
check it belongs to a customer of the portal token, and only then call a write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

import stripe
from stripe.params import (
    SubscriptionCancelParams,
    SubscriptionCancelParamsCancellationDetails,
    SubscriptionCreateParams,
    SubscriptionScheduleUpdateParams,
    SubscriptionScheduleUpdateParamsPhase,
    SubscriptionScheduleUpdateParamsPhaseItem,
    SubscriptionUpdateParams,
    SubscriptionUpdateParamsDiscount,
    SubscriptionUpdateParamsPauseCollection,
)

from widget_server.billing.changes import ChangePreview, ItemChangePlan, preview_from_invoices
from widget_server.billing.convert import (
    expandable_id,
    invoice_from_stripe,
    price_from_stripe,
    product_ids_of,
    subscription_from_stripe,
)
from widget_server.billing.domain import (
    Invoice,
    Price,
    Subscription,
    TaxId,
)
from widget_server.billing.errors import (
    ResourceNotFound,
    stripe_errors,
)
from widget_server.billing.gateway import SINGLE_SUBSCRIPTION_EXPAND, all_items
from widget_server.billing.payments import (
    PaymentWrites,
    restart_items,
    stripe_field,
    tax_id_value,
)

T = TypeVar("T")

# The read path's expansion, so a written subscription converts exactly like a read one
# (item products come from the cached catalog: Stripe expands four levels at most).
SUBSCRIPTION_EXPAND = SINGLE_SUBSCRIPTION_EXPAND
PRICE_EXPAND = ["product", "currency_options"]
# a coupon's applies_to is includable (left out unless expanded), so every coupon read asks
COUPON_EXPAND = ["applies_to"]
PROMOTION_EXPAND = ["data.promotion.coupon", "data.promotion.coupon.applies_to"]


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
    first_time_only: bool = False  # restrictions.first_time_transaction


def _coupon(obj: stripe.Coupon) -> Coupon:
    applies = stripe_field(obj, "applies_to")
    products = tuple(stripe_field(applies, "products") or ()) if applies is not None else None
    return Coupon(
        id=obj.id,
        name=stripe_field(obj, "name"),
        percent_off=stripe_field(obj, "percent_off"),
        amount_off=stripe_field(obj, "amount_off"),
        currency=stripe_field(obj, "currency"),
        duration=stripe_field(obj, "duration") or "once",
        duration_in_months=stripe_field(obj, "duration_in_months"),
        valid=stripe_field(obj, "valid") is not False,
        applies_to_products=products or None,
    )


class StripeWriter(PaymentWrites):
    """The portal's Stripe writes for one account (thread-safe: the client is)."""

    def _subscription(self, raw: stripe.Subscription) -> Subscription:
        """Convert with every item: schedule phases and resubscribe copy the whole item list,
        so a subscription longer than its embedded page must not lose the rest."""
        with stripe_errors():
            items = all_items(self.client, raw)
        products = self.catalog.products(product_ids_of(items))
        return subscription_from_stripe(raw, products, items)

    # --- guarded reads ---------------------------------------------------------------------

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

    def tax_id(self, customer_id: str, tax_id: str) -> TaxId | None:
        """The customer's tax id; None when missing or owned by anyone else."""
        found = self._maybe(lambda: self.v1.customers.tax_ids.retrieve(customer_id, tax_id))
        if found is None:
            return None
        owner = stripe_field(found, "owner")
        owner_id = expandable_id(stripe_field(owner, "customer")) or expandable_id(
            stripe_field(found, "customer"))
        return tax_id_value(found) if owner_id == customer_id else None

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
            expires_at=stripe_field(promo, "expires_at"),
            customer_id=expandable_id(stripe_field(promo, "customer")),
            max_redemptions=stripe_field(promo, "max_redemptions"),
            times_redeemed=int(stripe_field(promo, "times_redeemed") or 0),
            coupon=coupon_obj,
            first_time_only=bool(stripe_field(stripe_field(promo, "restrictions"),
                                              "first_time_transaction")),
        )

    def has_paid_before(self, customer_id: str) -> bool:
        """Whether the customer has a paid invoice with money in it (Stripe then refuses a
        first-time-only code)."""
        with stripe_errors():
            page = self.v1.invoices.list({"customer": customer_id, "status": "paid",
                                          "limit": 100})
            return any(int(stripe_field(i, "amount_paid") or 0) > 0
                       for i in page.auto_paging_iter())

    def subscriptions_of(self, customer_id: str) -> list[Subscription]:
        """Every subscription of the customer (ended ones too), newest first."""
        with stripe_errors():
            page = self.v1.subscriptions.list({
                "customer": customer_id, "status": "all", "limit": 100,
                "expand": [f"data.{e}" for e in SUBSCRIPTION_EXPAND]})
            raw = list(page.auto_paging_iter())
        found = [self._subscription(s) for s in raw]
        found.sort(key=lambda s: s.created, reverse=True)
        return found

    # --- subscription writes ---------------------------------------------------------------

    def _update(self, subscription_id: str, params: SubscriptionUpdateParams) -> Subscription:
        with stripe_errors():
            updated = self.v1.subscriptions.update(
                subscription_id, {**params, "expand": SUBSCRIPTION_EXPAND})
        return self._subscription(updated)

    def preview_change(self, plan: ItemChangePlan) -> ChangePreview:
        """``invoices.create_preview`` with the plan's own parameters: the invoice the change
        creates now, and (unless the cycle restarts) the renewal after it."""
        customer, subscription = plan.subscription.customer_id, plan.subscription.id
        with stripe_errors():
            first = self.v1.invoices.create_preview({
                "customer": customer, "subscription": subscription,
                "subscription_details": plan.preview_details()})
            if plan.at_period_end or plan.in_trial:
                return preview_from_invoices(plan, None, first, lines_of=self._all_lines)
            renewal = None
            if not plan.restarts_cycle:
                renewal = self.v1.invoices.create_preview({
                    "customer": customer, "subscription": subscription,
                    "subscription_details": plan.renewal_details()})
        return preview_from_invoices(plan, first, renewal, lines_of=self._all_lines)

    def _all_lines(self, invoice: stripe.Invoice) -> list[stripe.InvoiceLineItem]:
        return all_lines(self.client, invoice)

    def change_now(self, plan: ItemChangePlan) -> Subscription:
        """Apply an immediate change with the preview's parameters (see ``billing.changes``);
        the result has ``pending_update_expires_at`` when the payment did not go through."""
        return self._update(plan.subscription.id, plan.update_params())

    def change_item_at_period_end(
        self, subscription: Subscription, item_id: str, *, price: Price, quantity: int
    ) -> Subscription:
        """Schedule the change for the end of the period: a schedule with a second phase."""
        end = subscription.current_period_end
        current: list[SubscriptionScheduleUpdateParamsPhaseItem] = [
            {"price": i.price.id, "quantity": i.quantity} for i in subscription.items]
        changed: list[SubscriptionScheduleUpdateParamsPhaseItem] = [
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
            params: SubscriptionScheduleUpdateParams = {
                "end_behavior": "release",
                "proration_behavior": "none",
                "phases": [
                    _phase(current, start or subscription.current_period_start, end),
                    # one billing cycle on the new price, then the schedule releases the
                    # subscription, which simply continues on it
                    {"items": changed, "duration": {"interval": _interval(price),
                                                    "interval_count": price.interval_count}},
                ],
            }
            self.v1.subscription_schedules.update(schedule.id, params)
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
        params: SubscriptionUpdateParams = {"cancel_at_period_end": True}
        details = _cancellation_details(feedback, comment)
        if details:
            params["cancellation_details"] = details
        if feedback:
            params["metadata"] = {"cancellation_reason": feedback}
        return self._update(subscription_id, params)

    def cancel_now(
        self, subscription_id: str, *, feedback: str | None, comment: str | None
    ) -> Subscription:
        params: SubscriptionCancelParams = {"expand": SUBSCRIPTION_EXPAND, "prorate": True}
        details = _cancellation_details(feedback, comment)
        if details:
            params["cancellation_details"] = details
        with stripe_errors():
            canceled = self.v1.subscriptions.cancel(subscription_id, params)
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
        params: SubscriptionCreateParams = {
            "customer": previous.customer_id, "currency": previous.currency,
            "items": [{"price": p, "quantity": q} for p, q in restart_items(previous, price_id)],
            "payment_behavior": "allow_incomplete",
            "metadata": {"resubscribed_from": previous.id},
            "expand": SUBSCRIPTION_EXPAND,
        }
        if promotion_code_id:
            params["discounts"] = [{"promotion_code": promotion_code_id}]
        if default_payment_method:
            params["default_payment_method"] = default_payment_method
        with stripe_errors():
            created = self.v1.subscriptions.create(params, {"idempotency_key": idempotency_key})
        return self._subscription(created)

    def add_discount(
        self, subscription: Subscription, *, promotion_code_id: str | None = None,
        coupon_id: str | None = None, metadata: dict[str, str] | None = None,
    ) -> Subscription:
        """Add a promotion code or coupon, keeping the discounts already applied."""
        discounts: list[SubscriptionUpdateParamsDiscount] = [
            {"discount": d.id} for d in subscription.discounts]
        if promotion_code_id:
            discounts.append({"promotion_code": promotion_code_id})
        elif coupon_id:
            discounts.append({"coupon": coupon_id})
        params: SubscriptionUpdateParams = {"discounts": discounts}
        if metadata:
            params["metadata"] = metadata
        return self._update(subscription.id, params)

    def pause(self, subscription_id: str, resumes_at: int | None) -> Subscription:
        pause: SubscriptionUpdateParamsPauseCollection = {"behavior": "void"}
        if resumes_at is not None:
            pause["resumes_at"] = resumes_at
        return self._update(subscription_id, {"pause_collection": pause})

    def unpause(self, subscription_id: str) -> Subscription:
        return self._update(subscription_id, {"pause_collection": ""})

def all_lines(client: stripe.StripeClient, invoice: stripe.Invoice) -> list[stripe.InvoiceLineItem]:
    """Every line of an invoice or preview: Stripe embeds only the first 10, so a preview with
    more lines (many items, prorations on each) must be paged, or its sums come out short."""
    if not invoice.lines.has_more:
        return list(invoice.lines.data)
    with stripe_errors():
        page = client.v1.invoices.line_items.list(invoice.id, {"limit": 100})
        return list(page.auto_paging_iter())


def _phase(items: list[SubscriptionScheduleUpdateParamsPhaseItem], start: int | None,
           end: int | None) -> SubscriptionScheduleUpdateParamsPhase:
    """The current phase, as it runs now (a subscription without items has no period)."""
    phase: SubscriptionScheduleUpdateParamsPhase = {"items": items}
    if start is not None:
        phase["start_date"] = start
    if end is not None:
        phase["end_date"] = end
    return phase


def _interval(price: Price) -> Literal["day", "month", "week", "year"]:
    """A recurring price's interval (a one-off price cannot be a plan: month then)."""
    if price.interval == "day":
        return "day"
    if price.interval == "week":
        return "week"
    if price.interval == "year":
        return "year"
    return "month"


def _cancellation_details(feedback: str | None,
                          comment: str | None) -> SubscriptionCancelParamsCancellationDetails:
    """Stripe's feedback enum value (checked by the caller's allow-list) and free text."""
    details: SubscriptionCancelParamsCancellationDetails = {}
    if feedback:
        details["feedback"] = feedback
    if comment:
        details["comment"] = comment
    return details

