"""Every Stripe write the portal makes to a subscription.

``StripeWriter`` wraps one account's ``stripe.StripeClient``: the payment and customer writes
(``billing.payments``), the reads that guard them (``billing.guarded_reads``) and, here, the
subscription writes. Methods take and return plain domain values (``billing.domain``); every
Stripe exception becomes a ``billing.errors`` BillingError. Ownership is not decided here:
callers re-read an object with the guarded reads, check it belongs to a customer of the portal
token, and only then call a write.
"""

from __future__ import annotations

from typing import Literal

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
from widget_server.billing.domain import Price, Subscription
from widget_server.billing.errors import ResourceNotFound, stripe_errors
from widget_server.billing.guarded_reads import SUBSCRIPTION_EXPAND, GuardedReads
from widget_server.billing.payments import restart_items


class StripeWriter(GuardedReads):
    """The portal's Stripe writes for one account (thread-safe: the client is)."""

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

