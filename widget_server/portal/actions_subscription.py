"""Subscription actions: change plan (with preview), quantity, cancel, resume, resubscribe,
discounts, pause. See ``portal.actions`` for the steps every action shares and
docs/actions.md for what each one does in Stripe."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import request

from widget_server.billing.domain import Price, Product, Subscription, SubscriptionItem
from widget_server.billing.writes import ChangePreview, Coupon, PromotionCode, StripeWriter
from widget_server.errors import BadRequest, Conflict
from widget_server.i18n import _, ngettext
from widget_server.portal import bp
from widget_server.portal.actions import (
    Field,
    audited,
    confirmed_write,
    context,
    date,
    intent_nonce,
    money,
    not_found,
    owned_subscription,
    parse_body,
    require_action,
    require_feature,
    stripe_idempotency_key,
    subscription_response,
    writer,
)
from widget_server.portal.auth import PortalContext

# Stripe's cancellation_details.feedback values.
CANCEL_REASONS = ("too_expensive", "missing_features", "switched_service", "unused",
                  "customer_service", "too_complex", "low_quality", "other")
MAX_COMMENT = 500
MAX_QUANTITY = 1_000_000
PRORATION_DATE_SLACK = 3600  # a preview stays valid for an hour
MAX_PAUSE_SECONDS = 2 * 366 * 86400
_PER_YEAR = {"day": 365, "week": 52, "month": 12, "year": 1}

PLAN_FIELDS = {
    "price": Field("str", required=True, max_length=255),
    "quantity": Field("int", minimum=1, maximum=MAX_QUANTITY),
    "item": Field("str", max_length=255),
}
QUANTITY_FIELDS = {
    "quantity": Field("int", required=True, minimum=1, maximum=MAX_QUANTITY),
    "item": Field("str", max_length=255),
}
PRORATION_FIELD = {"proration_date": Field("int", minimum=0)}


# --- plan and quantity -------------------------------------------------------------------

@dataclass(frozen=True)
class ItemChange:
    sub: Subscription
    item: SubscriptionItem
    price: Price
    quantity: int
    at_period_end: bool


def choose_item(sub: Subscription, item_id: str | None) -> SubscriptionItem:
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


def catalog_price(ctx: PortalContext, stripe: StripeWriter, price_id: str,
                  currency: str) -> Price:
    """A price the account lets users switch to: in its catalog and in the same currency."""
    found = stripe.price(price_id) if price_id.startswith("price_") else None
    if found is None:
        raise BadRequest(_("This plan does not exist."), code="unknown_price", param="price")
    allowed_ids: list[str] = ctx.settings.get("catalog_prices") or []
    in_catalog = (found.active and found.interval is not None and found.product.active
                  and (found.id in allowed_ids if allowed_ids else True))
    if not in_catalog:
        raise BadRequest(_("This plan is not available here."), code="price_not_allowed",
                         param="price")
    if found.currency != currency:
        raise BadRequest(_("This plan is billed in another currency."),
                         code="currency_mismatch", param="price")
    return found


def yearly_amount(price: Price, quantity: int) -> Fraction | None:
    """What a price costs per year, to compare plans with different intervals."""
    if price.unit_amount is None or price.interval not in _PER_YEAR:
        return None
    return Fraction(price.unit_amount * quantity * _PER_YEAR[price.interval],
                    max(price.interval_count, 1))


def is_downgrade(item: SubscriptionItem, price: Price, quantity: int) -> bool:
    old, new = yearly_amount(item.price, item.quantity), yearly_amount(price, quantity)
    return old is not None and new is not None and new < old


def plan_change(ctx: PortalContext, stripe: StripeWriter, sub_id: str,
                body: dict[str, Any]) -> ItemChange:
    sub = owned_subscription(ctx, stripe, sub_id)
    require_action(ctx, sub, "change_plan")
    item = choose_item(sub, body.get("item"))
    price = catalog_price(ctx, stripe, body["price"], sub.currency)
    quantity = body.get("quantity", item.quantity if price.product.adjustable_quantity else 1)
    if "quantity" in body and quantity != item.quantity:
        require_feature(ctx, "quantity", param="quantity")
    if quantity != 1 or "quantity" in body:
        if price.product.adjustable_quantity:
            check_quantity(price.product, quantity)
        elif quantity != 1:
            raise BadRequest(_("The quantity of this plan cannot be changed."),
                             code="quantity_not_adjustable", param="quantity")
    if price.id == item.price.id and quantity == item.quantity:
        raise BadRequest(_("This is already your plan."), code="no_change", param="price")
    later = bool(ctx.settings.get("downgrade_at_period_end")) and is_downgrade(
        item, price, quantity)
    return ItemChange(sub, item, price, quantity, later)


def quantity_change(ctx: PortalContext, stripe: StripeWriter, sub_id: str,
                    body: dict[str, Any]) -> ItemChange:
    sub = owned_subscription(ctx, stripe, sub_id)
    require_action(ctx, sub, "change_quantity")
    item = choose_item(sub, body.get("item"))
    check_quantity(item.price.product, body["quantity"])
    if body["quantity"] == item.quantity:
        raise BadRequest(_("This is already your quantity."), code="no_change",
                         param="quantity")
    return ItemChange(sub, item, item.price, body["quantity"], at_period_end=False)


def preview_json(preview: ChangePreview) -> dict[str, Any]:
    currency = preview.currency
    due = 0 if preview.applies_at_period_end else preview.proration_amount
    return {
        "amount_due": due,
        "amount_due_display": money(due, currency),
        "currency": currency,
        "next_invoice_total": preview.next_invoice_total,
        "next_invoice_total_display": money(preview.next_invoice_total, currency),
        "next_payment_date": preview.next_payment_date,
        "next_payment_date_display": date(preview.next_payment_date),
        "lines": [{"description": line.description, "amount": line.amount,
                   "amount_display": money(line.amount, currency)} for line in preview.lines],
        "applies_at_period_end": preview.applies_at_period_end,
        "proration_date": preview.proration_date,
    }


def _preview(change: ItemChange, stripe: StripeWriter) -> dict[str, Any]:
    preview = stripe.preview_item_change(
        change.sub, change.item, price_id=change.price.id, quantity=change.quantity,
        at_period_end=change.at_period_end)
    return {"preview": preview_json(preview)}


def checked_proration_date(item: SubscriptionItem, value: int | None) -> int | None:
    """The preview's proration date, if still plausible (never a date chosen to game credits)."""
    if value is None:
        return None
    from widget_server.billing.writes import proration_now

    inside = item.current_period_start <= value < item.current_period_end
    if not inside or abs(value - proration_now(item)) > PRORATION_DATE_SLACK:
        raise BadRequest(_("This price preview has expired. Review the change again."),
                         code="preview_expired", param="proration_date")
    return value


def _apply(change: ItemChange, stripe: StripeWriter, proration_date: int | None,
           *, price_changes: bool) -> Subscription:
    if change.at_period_end:
        return stripe.change_item_at_period_end(change.sub, change.item.id, price=change.price,
                                                quantity=change.quantity)
    proration_date = checked_proration_date(change.item, proration_date)
    if change.sub.schedule_id:  # a pending downgrade is replaced by this change
        stripe.release_schedule(change.sub.schedule_id)
    def applied(sub: Subscription) -> bool:
        item = next((i for i in sub.items if i.id == change.item.id), None)
        return (item is not None and item.quantity == change.quantity
                and (not price_changes or item.price.id == change.price.id))

    return confirmed_write(
        lambda: stripe.change_item_now(
            change.sub.id, change.item.id, price_id=change.price.id if price_changes else None,
            quantity=change.quantity, proration_date=proration_date),
        lambda: stripe.subscription(change.sub.id), applied)


@bp.post("/v1/portal/subscriptions/<sub_id>/change_plan/preview")
def preview_change_plan(sub_id: str) -> dict[str, Any]:
    ctx = context()
    require_feature(ctx, "change_plan")
    body = parse_body(PLAN_FIELDS)
    stripe = writer(ctx)
    return _preview(plan_change(ctx, stripe, sub_id, body), stripe)


@bp.post("/v1/portal/subscriptions/<sub_id>/change_plan")
def change_plan(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.change_plan", sub_id) as detail:
        require_feature(ctx, "change_plan")
        body = parse_body({**PLAN_FIELDS, **PRORATION_FIELD})
        detail.update(price=body.get("price"), quantity=body.get("quantity"))
        stripe = writer(ctx)
        change = plan_change(ctx, stripe, sub_id, body)
        detail.update(from_price=change.item.price.id, at_period_end=change.at_period_end)
        sub = _apply(change, stripe, body.get("proration_date"), price_changes=True)
        name = change.price.nickname or change.price.product.name
        if change.at_period_end:
            message = _("Your plan will change to %(plan)s on %(date)s.", plan=name,
                        date=date(change.sub.current_period_end) or "")
        else:
            message = _("Your plan is now %(plan)s.", plan=name)
        return subscription_response(ctx, sub, message)


@bp.post("/v1/portal/subscriptions/<sub_id>/quantity/preview")
def preview_quantity(sub_id: str) -> dict[str, Any]:
    ctx = context()
    require_feature(ctx, "quantity")
    body = parse_body(QUANTITY_FIELDS)
    stripe = writer(ctx)
    return _preview(quantity_change(ctx, stripe, sub_id, body), stripe)


@bp.post("/v1/portal/subscriptions/<sub_id>/quantity")
def change_quantity(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.quantity", sub_id) as detail:
        require_feature(ctx, "quantity")
        body = parse_body({**QUANTITY_FIELDS, **PRORATION_FIELD})
        detail.update(quantity=body["quantity"])
        stripe = writer(ctx)
        change = quantity_change(ctx, stripe, sub_id, body)
        detail.update(from_quantity=change.item.quantity, item=change.item.id)
        sub = _apply(change, stripe, body.get("proration_date"), price_changes=False)
        message = _("Quantity changed to %(quantity)s.", quantity=change.quantity)
        return subscription_response(ctx, sub, message)


# --- cancel, resume, retention -----------------------------------------------------------

CANCEL_FIELDS = {
    "at_period_end": Field("bool"),
    "reason": Field("str", max_length=40),
    "comment": Field("str", max_length=MAX_COMMENT),
}


@bp.post("/v1/portal/subscriptions/<sub_id>/cancel")
def cancel(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.cancel", sub_id) as detail:
        require_feature(ctx, "cancellation")
        body = parse_body(CANCEL_FIELDS)
        at_period_end = body.get("at_period_end", True)
        reason, comment = body.get("reason"), (body.get("comment") or "").strip() or None
        detail.update(at_period_end=at_period_end, reason=reason)
        if not at_period_end:
            require_feature(ctx, "cancel_immediately", param="at_period_end")
        if reason is not None or comment is not None:
            require_feature(ctx, "cancellation_reason",
                            param="reason" if reason is not None else "comment")
        if reason is not None and reason not in CANCEL_REASONS:
            raise BadRequest(_("Choose one of the listed reasons."), code="invalid_reason",
                             param="reason")
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, sub, "cancel")
        if sub.schedule_id:  # a pending plan change no longer matters
            stripe.release_schedule(sub.schedule_id)
        if at_period_end:
            updated = confirmed_write(
                lambda: stripe.set_cancel_at_period_end(sub.id, feedback=reason,
                                                        comment=comment),
                lambda: stripe.subscription(sub.id), lambda s: s.cancel_at_period_end)
            ends = updated.cancel_at or updated.current_period_end
            message = _("Your subscription will end on %(date)s.", date=date(ends) or "")
        else:
            updated = confirmed_write(
                lambda: stripe.cancel_now(sub.id, feedback=reason, comment=comment),
                lambda: stripe.subscription(sub.id), lambda s: s.status == "canceled")
            message = _("Your subscription has been canceled.")
        return subscription_response(ctx, updated, message)


@bp.post("/v1/portal/subscriptions/<sub_id>/resume")
def resume(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.resume", sub_id):
        require_feature(ctx, "undo_cancel")
        parse_body({})
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, sub, "resume")
        updated = confirmed_write(lambda: stripe.resume(sub.id),
                                  lambda: stripe.subscription(sub.id),
                                  lambda s: not s.cancel_at_period_end and s.cancel_at is None)
        return subscription_response(ctx, updated, _("Your subscription will continue."))


def coupon_display(coupon: Coupon) -> str:
    """A sentence like "20% off for 3 months" in the request's language."""
    if coupon.percent_off is not None:
        value = _("%(percent)s%% off", percent=f"{coupon.percent_off:g}")
    elif coupon.amount_off is not None and coupon.currency:
        value = _("%(amount)s off", amount=money(coupon.amount_off, coupon.currency))
    else:
        value = coupon.name or coupon.id
    if coupon.duration == "forever":
        return _("%(value)s, forever", value=value)
    if coupon.duration == "repeating" and coupon.duration_in_months:
        return ngettext("%(value)s for %(num)s month", "%(value)s for %(num)s months",
                        coupon.duration_in_months, value=value)
    return _("%(value)s on your next invoice", value=value)


def retention_used(sub: Subscription, coupon_id: str) -> bool:
    return (any(d.coupon_id == coupon_id for d in sub.discounts)
            or bool(sub.metadata.get("retention_coupon_used")))


@bp.get("/v1/portal/retention_offer")
def retention_offer() -> dict[str, Any]:
    """The coupon to offer before a cancel is confirmed, or null."""
    ctx = context()
    sub_id = request.args.get("subscription", "")
    coupon_id = str(ctx.settings.get("retention_coupon") or "")
    if not ctx.settings.get("retention_offer") or not coupon_id:
        return {"offer": None}
    stripe = writer(ctx)
    sub = owned_subscription(ctx, stripe, sub_id)
    if retention_used(sub, coupon_id) or sub.status not in ("active", "trialing", "past_due"):
        return {"offer": None}
    coupon = stripe.coupon(coupon_id)
    if coupon is None or not coupon.valid:
        return {"offer": None}
    return {"offer": {"coupon_id": coupon.id, "display": coupon_display(coupon)}}


# --- discounts -----------------------------------------------------------------------------

DISCOUNT_FIELDS = {
    "code": Field("str", max_length=100),
    "coupon": Field("str", max_length=100),
    "retention": Field("bool"),
}


def check_coupon_applies(coupon: Coupon, product_ids: set[str], param: str) -> None:
    if not coupon.valid:
        raise BadRequest(_("This code has expired."), code="code_expired", param=param)
    if coupon.applies_to_products is not None and not (
            set(coupon.applies_to_products) & product_ids):
        raise BadRequest(_("This code does not apply to your plan."),
                         code="code_not_applicable", param=param)


def usable_promotion_code(stripe: StripeWriter, code: str, customer_id: str,
                          product_ids: set[str], param: str) -> PromotionCode:
    """Look up a typed code and say clearly why it cannot be used (unknown, expired, ...)."""
    promo = stripe.find_promotion_code(code.strip()) if code.strip() else None
    if promo is None:
        raise BadRequest(_("This code is not valid."), code="invalid_code", param=param)
    now = time.time()
    if not promo.active or (promo.expires_at is not None and promo.expires_at <= now):
        raise BadRequest(_("This code has expired."), code="code_expired", param=param)
    if promo.customer_id and promo.customer_id != customer_id:
        raise BadRequest(_("This code cannot be used with your account."),
                         code="code_not_applicable", param=param)
    if promo.max_redemptions is not None and promo.times_redeemed >= promo.max_redemptions:
        raise BadRequest(_("This code has already been used the maximum number of times."),
                         code="code_used_up", param=param)
    check_coupon_applies(promo.coupon, product_ids, param)
    return promo


@bp.post("/v1/portal/subscriptions/<sub_id>/discount")
def apply_discount(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.discount", sub_id) as detail:
        body = parse_body(DISCOUNT_FIELDS)
        retention = body.get("retention") is True
        if retention:
            require_feature(ctx, "retention_offer", param="retention")
        else:
            require_feature(ctx, "coupons")
        code, coupon_id = body.get("code"), body.get("coupon")
        if (code is None) == (coupon_id is None):
            raise BadRequest(_("Enter a code."), code="missing_parameter", param="code")
        if coupon_id is not None and not retention:
            require_feature(ctx, "coupon_ids", param="coupon")
        # The offer is the configured coupon only: never a typed code, never an unset coupon.
        if retention and (not coupon_id or coupon_id != ctx.settings.get("retention_coupon")):
            raise BadRequest(_("This offer is not available."), code="invalid_coupon",
                             param="coupon")
        detail.update(code=code, coupon=coupon_id, retention=retention)
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        products = {i.price.product.id for i in sub.items}
        if retention:
            if retention_used(sub, str(coupon_id)) or sub.status not in (
                    "active", "trialing", "past_due"):
                raise Conflict(_("This offer has already been used."), code="offer_used")
        else:
            require_action(ctx, sub, "apply_coupon")
        if code is not None:
            promo = usable_promotion_code(stripe, code, sub.customer_id, products, "code")
            detail["promotion_code"] = promo.id
            updated = stripe.add_discount(sub, promotion_code_id=promo.id)
            shown = coupon_display(promo.coupon)
        else:
            coupon = stripe.coupon(str(coupon_id))
            if coupon is None:
                raise BadRequest(_("This code is not valid."), code="invalid_code",
                                 param="coupon")
            check_coupon_applies(coupon, products, "coupon")
            if any(d.coupon_id == coupon.id for d in sub.discounts):
                raise BadRequest(_("This code is already applied."), code="already_applied",
                                 param="coupon")
            meta = {"retention_coupon_used": coupon.id} if retention else None
            updated = stripe.add_discount(sub, coupon_id=coupon.id, metadata=meta)
            shown = coupon_display(coupon)
        return subscription_response(ctx, updated,
                                     _("Discount applied: %(discount)s.", discount=shown))


# --- pause -------------------------------------------------------------------------------

@bp.post("/v1/portal/subscriptions/<sub_id>/pause")
def pause(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.pause", sub_id) as detail:
        require_feature(ctx, "pause")
        body = parse_body({"resumes_at": Field("int", minimum=0)})
        resumes_at = body.get("resumes_at")
        detail.update(resumes_at=resumes_at)
        now = int(time.time())
        if resumes_at is not None and not now < resumes_at <= now + MAX_PAUSE_SECONDS:
            raise BadRequest(_("Choose a date in the future, within two years."),
                             code="invalid_parameter", param="resumes_at")
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, sub, "pause")
        updated = confirmed_write(lambda: stripe.pause(sub.id, resumes_at),
                                  lambda: stripe.subscription(sub.id),
                                  lambda s: s.pause_collection is not None)
        message = (_("Payments are paused until %(date)s.", date=date(resumes_at) or "")
                   if resumes_at else _("Payments are paused."))
        return subscription_response(ctx, updated, message)


@bp.post("/v1/portal/subscriptions/<sub_id>/unpause")
def unpause(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.unpause", sub_id):
        require_feature(ctx, "pause")
        parse_body({})
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, sub, "unpause")
        updated = confirmed_write(lambda: stripe.unpause(sub.id),
                                  lambda: stripe.subscription(sub.id),
                                  lambda s: s.pause_collection is None)
        return subscription_response(ctx, updated, _("Payments have resumed."))


# --- resubscribe -------------------------------------------------------------------------

@bp.post("/v1/portal/subscriptions/<sub_id>/resubscribe")
def resubscribe(sub_id: str) -> dict[str, Any]:
    """A new subscription with the canceled one's items; the page's Idempotency-Key makes a
    double click or a retry return the same new subscription instead of a second one."""
    ctx = context()
    with audited(ctx, "subscription.resubscribe", sub_id) as detail:
        require_feature(ctx, "resubscribe")
        nonce = intent_nonce()
        body = parse_body({"price": Field("str", max_length=255),
                           "promotion_code": Field("str", max_length=100)})
        if "price" in body:
            require_feature(ctx, "change_plan_when_canceled", param="price")
        if "promotion_code" in body:
            require_feature(ctx, "coupon_on_resubscribe", param="promotion_code")
        detail.update(price=body.get("price"), promotion_code=body.get("promotion_code"))
        stripe = writer(ctx)
        previous = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, previous, "resubscribe")
        price_id = None
        products = {i.price.product.id for i in previous.items}
        if "price" in body:
            if len(previous.items) != 1:
                raise BadRequest(_("This subscription has several plans; it can only be "
                                   "restarted as it was."), code="invalid_parameter",
                                 param="price")
            price = catalog_price(ctx, stripe, body["price"], previous.currency)
            price_id, products = price.id, {price.product.id}
        promo_id = None
        if "promotion_code" in body:
            promo_id = usable_promotion_code(stripe, body["promotion_code"],
                                             previous.customer_id, products,
                                             "promotion_code").id
        key = stripe_idempotency_key(ctx, previous.customer_id, "resubscribe", previous.id,
                                     nonce)
        def create() -> Subscription:
            return stripe.resubscribe(previous, price_id=price_id, promotion_code_id=promo_id,
                                      default_payment_method=None, idempotency_key=key)

        # A lost answer is asked again with the same idempotency key: Stripe replays the
        # subscription it created, or creates it now; never a second one.
        created = confirmed_write(create, create, lambda _created: True)
        detail.update(subscription=created.id, status=created.status)
        if created.status in ("active", "trialing"):
            message = _("Welcome back! Your subscription has been restarted.")
        else:
            message = _("Your subscription is waiting for payment. Pay the open invoice to "
                        "start it.")
        return subscription_response(ctx, created, message,
                                     requires_payment=created.status == "incomplete")

