"""Plan and quantity changes: preview, confirm, cancel a scheduled change.

The preview and the confirm build the same ``billing.changes.ItemChangePlan``; the confirm
re-runs the preview with the shown proration date and refuses (409 ``preview_stale``, with a
fresh preview) when Stripe would now charge or credit something else than was shown. An
immediate change is invoiced at once and applies only when that invoice is paid: a card that
needs 3-D Secure gets ``requires_action`` with the client secret for Stripe.js; a declined
card leaves the plan as it was.

"Now" is the service's clock, except for a test-mode customer on a Stripe test clock: Stripe
prorates at the clock's frozen time, so the preview's proration date (and the confirm's check
of it) is taken from the clock (one extra Stripe call, only for such a subscription; see
``billing/test_clocks.py``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from widget_server.billing.changes import ItemChangePlan, proration_now
from widget_server.billing.domain import PaymentMethod, Price, Product, Subscription
from widget_server.billing.domain import SubscriptionItem as Item
from widget_server.billing.errors import CardDeclined
from widget_server.billing.service import BillingService
from widget_server.billing_web.errors import api_error
from widget_server.contract import requests as rq
from widget_server.errors import BadRequest, Conflict
from widget_server.i18n import _
from widget_server.portal import bp, rules
from widget_server.portal.actions import (
    audited,
    catalog_prices,
    confirmed_write,
    context,
    customer_subscriptions,
    date,
    not_found,
    owned_subscription,
    parse_body,
    require_action,
    require_feature,
    subscription_response,
    writer,
)
from widget_server.portal.auth import PortalContext
from widget_server.portal.currency import price_for as price_in_currency
from widget_server.portal.previews import preview_json
from widget_server.portal.rules import quantity_adjustable

PRORATION_DATE_SLACK = 3600  # a preview stays valid for an hour
_PER_YEAR = {"day": 365, "week": 52, "month": 12, "year": 1}



@dataclass(frozen=True)
class Change:
    plan: ItemChangePlan
    price: Price  # the new price
    others: Sequence[Subscription] = ()  # the customer's other subscriptions


def choose_item(sub: Subscription, item_id: str | None) -> Item:
    """The item to change: the named one (it must be on this subscription), or the only one."""
    if item_id is not None:
        found = next((i for i in sub.items if i.id == item_id), None)
        if found is None:
            raise not_found("item")
        return found
    if len(sub.items) != 1:
        raise BadRequest(_("Choose which part of the subscription to change."),
                         code="missing_parameter", param="item")
    return sub.items[0]


def check_quantity(product: Product, quantity: int) -> None:
    """Quantity rules come from the product (metadata quantity_min/max/step, unit label)."""
    if not product.adjustable_quantity:
        raise BadRequest(_("The quantity of this plan cannot be changed."),
                         code="quantity_not_adjustable", param="quantity")
    low, high, step = product.quantity_min, product.quantity_max, product.quantity_step
    if quantity < low or (high is not None and quantity > high):
        message = (_("Choose a quantity between %(min)s and %(max)s.", min=low, max=high)
                   if high is not None else
                   _("Choose a quantity of at least %(min)s.", min=low))
        raise BadRequest(message, code="invalid_quantity", param="quantity")
    if (quantity - low) % step:
        raise BadRequest(_("The quantity must change in steps of %(step)s.", step=step),
                         code="invalid_quantity", param="quantity")


def catalog_price(ctx: PortalContext, stripe: BillingService, price_id: str,
                  currency: str) -> Price:
    """A price the account lets users pick: in its catalog and in the same currency."""
    found = stripe.price(price_id) if price_id.startswith("price_") else None
    if found is None:
        raise BadRequest(_("This plan does not exist."), code="unknown_price", param="price")
    allowed_ids: list[str] = ctx.settings.get("catalog_prices") or []
    in_catalog = (found.active and found.interval is not None and found.product.active
                  and (found.id in allowed_ids if allowed_ids else True))
    if not in_catalog:
        raise BadRequest(_("This plan is not available here."), code="price_not_allowed",
                         param="price")
    localized = price_in_currency(ctx.settings, found, currency)
    if localized is None:
        raise BadRequest(_("This plan is billed in another currency."),
                         code="currency_mismatch", param="price")
    return localized


def check_replacement(ctx: PortalContext, sub: Subscription, item: Item, price: Price,
                      others: Sequence[Subscription]) -> None:
    """The rules of ``rules.plan_options``, each refusal with its own code: never a price
    another item has, never a product the customer holds on another live subscription (409,
    as a resubscribe would be), an add-on never in place of a plan, and only the plan item
    moves to another product (the subscription keeps exactly one plan)."""
    if price.id != item.price.id and any(i.price.id == price.id for i in sub.items):
        raise BadRequest(_("This plan is already part of your subscription."),
                         code="price_already_on_subscription", param="price")
    if price.id == item.price.id:
        return
    if price.product.id in rules.live_product_ids(sub, others):
        raise Conflict(_("You already have a live subscription to this plan. Reload the page "
                         "to see it."), code="duplicate_subscription")
    if not rules.plan_options(sub, item, [price], ctx.settings, others):
        if rules.is_addon(price.product, ctx.settings):
            raise BadRequest(_("An add-on cannot replace your plan."),
                             code="addon_not_allowed", param="price")
        raise BadRequest(_("This plan cannot replace this part of your subscription."),
                         code="price_not_allowed", param="price")


def yearly_amount(price: Price, quantity: int) -> Fraction | None:
    """What a price costs per year, to compare plans with different intervals."""
    if price.unit_amount is None or price.interval not in _PER_YEAR:
        return None
    return Fraction(price.unit_amount * quantity * _PER_YEAR[price.interval],
                    max(price.interval_count, 1))


def is_downgrade(item: Item, price: Price, quantity: int) -> bool:
    old, new = yearly_amount(item.price, item.quantity), yearly_amount(price, quantity)
    return old is not None and new is not None and new < old


def subscription_now(stripe: BillingService, sub: Subscription) -> int | None:
    """The moment Stripe prorates this subscription at: its test clock's frozen time, or None
    for the real time (no call at all without a clock)."""
    return stripe.clock_time(sub.test_clock) if sub.test_clock else None


def checked_proration_date(item: Item, value: int | None, now: int | None = None) -> int:
    """The preview's proration date if still plausible (never a date chosen to game credits);
    "now" when the client sent none."""
    if value is None:
        return proration_now(item, now)
    inside = item.current_period_start <= value < item.current_period_end
    if not inside or abs(value - proration_now(item, now)) > PRORATION_DATE_SLACK:
        raise BadRequest(_("This price preview has expired. Review the change again."),
                         code="preview_expired", param="proration_date")
    return value


def in_trial(sub: Subscription, now: int | None = None) -> bool:
    return sub.status == "trialing" and (sub.trial_end or 0) > (
        time.time() if now is None else now)


def build(sub: Subscription, item: Item, price: Price, quantity: int, at_period_end: bool,
          proration_date: int | None, now: int | None = None) -> Change:
    """`now`: the subscription's test clock time, None for the real time."""
    if in_trial(sub, now):  # nothing was paid: the change applies now and is billed at trial end
        return Change(ItemChangePlan(
            subscription=sub, item=item, price_id=price.id, quantity=quantity,
            at_period_end=False, proration_date=None, restarts_cycle=False, in_trial=True),
            price)
    restarts = (price.interval, price.interval_count) != (item.price.interval,
                                                           item.price.interval_count)
    plan = ItemChangePlan(
        subscription=sub, item=item, price_id=price.id, quantity=quantity,
        at_period_end=at_period_end,
        proration_date=None if at_period_end else checked_proration_date(item, proration_date,
                                                                         now),
        restarts_cycle=restarts and not at_period_end)
    return Change(plan, price)


def plan_change(ctx: PortalContext, stripe: BillingService, sub_id: str,
                body: dict[str, Any]) -> Change:
    sub = owned_subscription(ctx, stripe, sub_id)
    others = customer_subscriptions(ctx, stripe, sub.customer_id)
    require_action(ctx, sub, "change_plan", others)
    item = choose_item(sub, body.get("item"))
    price = catalog_price(ctx, stripe, body["price"], sub.currency)
    check_replacement(ctx, sub, item, price, others)
    quantity = body.get("quantity", item.quantity if quantity_adjustable(price) else 1)
    if "quantity" in body and quantity != item.quantity:
        require_feature(ctx, "quantity", param="quantity")
    if quantity != 1 or "quantity" in body:
        if quantity_adjustable(price):
            check_quantity(price.product, quantity)
        elif quantity != 1:
            raise BadRequest(_("The quantity of this plan cannot be changed."),
                             code="quantity_not_adjustable", param="quantity")
    if price.id == item.price.id and quantity == item.quantity:
        raise BadRequest(_("This is already your plan."), code="no_change", param="price")
    later = bool(ctx.settings.get("downgrade_at_period_end")) and is_downgrade(
        item, price, quantity)
    return replace(build(sub, item, price, quantity, later, body.get("proration_date"),
                         subscription_now(stripe, sub)),
                   others=others)


def quantity_change(ctx: PortalContext, stripe: BillingService, sub_id: str,
                    body: dict[str, Any]) -> Change:
    sub = owned_subscription(ctx, stripe, sub_id)
    require_action(ctx, sub, "change_quantity")
    item = choose_item(sub, body.get("item"))
    if not quantity_adjustable(item.price):
        raise BadRequest(_("The quantity of this plan cannot be changed."),
                         code="quantity_not_adjustable", param="quantity")
    check_quantity(item.price.product, body["quantity"])
    if body["quantity"] == item.quantity:
        raise BadRequest(_("This is already your quantity."), code="no_change",
                         param="quantity")
    return replace(build(sub, item, item.price, body["quantity"], False,
                         body.get("proration_date"), subscription_now(stripe, sub)),
                   others=customer_subscriptions(ctx, stripe, sub.customer_id))


def _preview(ctx: PortalContext, stripe: BillingService, change: Change) -> dict[str, Any]:
    preview = stripe.preview_change(change.plan)
    card: PaymentMethod | None = None
    if not change.plan.at_period_end:
        card = stripe.paying_card(change.plan.subscription)
    return preview_json(change.plan, preview, change.price, card, catalog_prices(ctx),
                        change.others)


def _confirm(ctx: PortalContext, stripe: BillingService, change: Change,
             body: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    plan, sub = change.plan, change.plan.subscription
    detail.update(from_price=plan.item.price.id, from_quantity=plan.item.quantity,
                  at_period_end=plan.at_period_end)
    name = change.price.nickname or change.price.product.name
    if plan.at_period_end:
        updated = stripe.change_item_at_period_end(sub, plan.item.id, price=change.price,
                                                   quantity=plan.quantity)
        return subscription_response(ctx, updated, _(
            "Your plan will change to %(plan)s on %(date)s.", plan=name,
            date=date(sub.current_period_end) or ""))
    if "expected_total" in body or "expected_amount_due" in body:
        fresh = stripe.preview_change(plan)
        if (body.get("expected_total", fresh.total) != fresh.total
                or body.get("expected_amount_due", fresh.amount_due) != fresh.amount_due):
            error = Conflict(_("The price of this change is no longer what was shown. Review "
                               "the new amounts and confirm again."), code="preview_stale")
            error.extra = {"preview": preview_json(plan, fresh, change.price,
                                                   stripe.paying_card(sub),
                                                   catalog_prices(ctx), change.others)}
            raise error
    if sub.schedule_id:  # a pending downgrade is replaced by this change
        stripe.release_schedule(sub.schedule_id)

    def applied(found: Subscription) -> bool:
        item = next((i for i in found.items if i.id == plan.item.id), None)
        done = (item is not None and item.quantity == plan.quantity
                and item.price.id == change.price.id)
        waiting = (found.pending_update_expires_at is not None
                   and found.latest_invoice_id != sub.latest_invoice_id)
        return done or waiting

    # A lost answer is re-read before the user is told anything (DESIGN §6.1).
    updated = confirmed_write(lambda: stripe.change_now(plan),
                              lambda: stripe.subscription(sub.id), applied)
    detail.update(invoice=updated.latest_invoice_id)
    if updated.pending_update_expires_at is None:
        message = (_("Quantity changed to %(quantity)s.", quantity=plan.quantity)
                   if change.price.id == plan.item.price.id
                   else _("Your plan is now %(plan)s.", plan=name))
        if plan.in_trial:
            message = " ".join((message, _(
                "Your trial continues until %(date)s; nothing is charged before then.",
                date=date(sub.trial_end) or "")))
        return subscription_response(ctx, updated, message)
    invoice = updated.latest_invoice
    secret = invoice.payment_client_secret if invoice is not None else None
    status = stripe.payment_status(secret) if secret else None
    if status is not None and status.status == "requires_action":
        detail.update(payment="requires_action")
        return subscription_response(
            ctx, updated, _("Your bank asks you to confirm this payment. The change applies "
                            "once it is confirmed."),
            requires_action={"client_secret": secret, "invoice": updated.latest_invoice_id})
    detail.update(payment="failed")
    raise api_error(
        CardDeclined(decline_code=status.decline_code if status else None,
                     stripe_code=status.error_code if status else None),
        _("Your card was declined, so your plan was not changed. Update your card and try "
          "again."))


@bp.post("/v1/portal/subscriptions/<sub_id>/change_plan/preview")
def preview_change_plan(sub_id: str) -> dict[str, Any]:
    ctx = context()
    require_feature(ctx, "change_plan")
    body = parse_body(rq.PlanRequest)
    stripe = writer(ctx)
    return {"preview": _preview(ctx, stripe, plan_change(ctx, stripe, sub_id, body))}


@bp.post("/v1/portal/subscriptions/<sub_id>/change_plan")
def change_plan(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.change_plan", sub_id) as detail:
        require_feature(ctx, "change_plan")
        body = parse_body(rq.PlanConfirmRequest)
        detail.update(price=body.get("price"), quantity=body.get("quantity"))
        stripe = writer(ctx)
        return _confirm(ctx, stripe, plan_change(ctx, stripe, sub_id, body), body, detail)


@bp.post("/v1/portal/subscriptions/<sub_id>/quantity/preview")
def preview_quantity(sub_id: str) -> dict[str, Any]:
    ctx = context()
    require_feature(ctx, "quantity")
    body = parse_body(rq.QuantityRequest)
    stripe = writer(ctx)
    return {"preview": _preview(ctx, stripe, quantity_change(ctx, stripe, sub_id, body))}


@bp.post("/v1/portal/subscriptions/<sub_id>/quantity")
def change_quantity(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.quantity", sub_id) as detail:
        require_feature(ctx, "quantity")
        body = parse_body(rq.QuantityConfirmRequest)
        detail.update(quantity=body["quantity"])
        stripe = writer(ctx)
        return _confirm(ctx, stripe, quantity_change(ctx, stripe, sub_id, body), body, detail)


@bp.post("/v1/portal/subscriptions/<sub_id>/cancel_change")
def cancel_scheduled_change(sub_id: str) -> dict[str, Any]:
    """Drop a change scheduled for the end of the period (release the schedule)."""
    ctx = context()
    with audited(ctx, "subscription.cancel_change", sub_id):
        require_feature(ctx, "change_plan")
        parse_body(rq.EmptyBody)
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, sub, "cancel_change")
        assert sub.schedule_id is not None  # the rules allow it only with a scheduled change
        stripe.release_schedule(sub.schedule_id)
        updated = owned_subscription(ctx, stripe, sub_id)
        return subscription_response(ctx, updated, _(
            "The scheduled change was canceled. Your plan stays as it is."))
