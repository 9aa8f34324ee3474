"""Subscription actions: cancel, resume, retention offer, discounts, pause. Plan and quantity
changes live in ``portal.actions_plan``, resubscribe in ``portal.actions_resubscribe``. See
``portal.actions`` for the steps every action shares and docs/actions.md for Stripe."""

from __future__ import annotations

import time
from typing import Any

from widget_server import audit
from widget_server.billing.domain import Subscription
from widget_server.billing.guarded_reads import Coupon, PromotionCode
from widget_server.billing.service import BillingService
from widget_server.contract import requests as rq
from widget_server.contract.validation import validated_query
from widget_server.errors import BadRequest, Conflict
from widget_server.i18n import _, ngettext
from widget_server.portal import bp
from widget_server.portal.actions import (
    audit_items,
    audited,
    confirmed_write,
    context,
    date,
    money,
    owned_subscription,
    parse_body,
    require_action,
    require_feature,
    subscription_response,
    writer,
)
from widget_server.portal.preview_guard import PREVIEW_MODE

MAX_PAUSE_SECONDS = 2 * 366 * 86400


# --- cancel, resume, retention -----------------------------------------------------------

@bp.post("/v1/portal/subscriptions/<sub_id>/cancel")
def cancel(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.cancel", sub_id) as detail:
        require_feature(ctx, "cancellation")
        body = parse_body(rq.CancelRequest)
        at_period_end = body.get("at_period_end", True)
        reason, comment = body.get("reason"), (body.get("comment") or "").strip() or None
        detail.update(at_period_end=at_period_end, reason=reason, comment=comment)
        if not at_period_end:
            require_feature(ctx, "cancel_immediately", param="at_period_end")
        if reason is not None or comment is not None:
            require_feature(ctx, "cancellation_reason",
                            param="reason" if reason is not None else "comment")
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        detail["items"] = audit_items(sub)
        require_action(ctx, sub, "cancel")
        if sub.schedule_id:  # a pending plan change no longer matters
            stripe.release_schedule(sub.schedule_id)
            detail["released_schedule"] = sub.schedule_id
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
    with audited(ctx, "subscription.resume", sub_id) as detail:
        require_feature(ctx, "undo_cancel")
        parse_body(rq.EmptyBody)
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        detail["items"] = audit_items(sub)
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


OFFER_SHOWN = "subscription.retention_offer"  # counted by analytics as an offer shown


@bp.get("/v1/portal/retention_offer")
def retention_offer() -> dict[str, Any]:
    """The coupon to offer before a cancel is confirmed, or null."""
    ctx = context()
    sub_id = validated_query(rq.RetentionOfferQuery).subscription
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
    # The analytics count offers shown against offers accepted: once a day per subscription
    # and coupon (a reopened offer is not a new one), never from the owner's live preview.
    if ctx.token.mode != PREVIEW_MODE and not audit.recorded_today(
            ctx.account.id, OFFER_SHOWN, sub.id, coupon=coupon.id):
        audit.record(ctx.account.id, "customer", ",".join(ctx.customer_ids), OFFER_SHOWN,
                     sub.id, "ok", {"coupon": coupon.id})
    return {"offer": {"coupon_id": coupon.id, "display": coupon_display(coupon)}}


# --- discounts -----------------------------------------------------------------------------

def check_coupon_applies(coupon: Coupon, product_ids: set[str], param: str) -> None:
    if not coupon.valid:
        raise BadRequest(_("This code has expired."), code="code_expired", param=param)
    if coupon.applies_to_products is not None and not (
            set(coupon.applies_to_products) & product_ids):
        raise BadRequest(_("This code does not apply to your plan."),
                         code="code_not_applicable", param=param)


def usable_promotion_code(stripe: BillingService, code: str, customer_id: str,
                          product_ids: set[str], param: str) -> PromotionCode:
    """Look up a typed code and say clearly why it cannot be used (unknown, expired, ...)."""
    promo = stripe.find_promotion_code(code.strip()) if code.strip() else None
    if promo is None:
        raise BadRequest(_("This code is not valid."), code="invalid_code", param=param)
    now = time.time()
    if not promo.active:  # switched off by the owner: not the same as past its date
        raise BadRequest(_("This code is no longer active."), code="code_inactive",
                         param=param)
    if promo.expires_at is not None and promo.expires_at <= now:
        raise BadRequest(_("This code has expired."), code="code_expired", param=param)
    if promo.customer_id and promo.customer_id != customer_id:
        raise BadRequest(_("This code cannot be used with your account."),
                         code="code_not_applicable", param=param)
    if promo.max_redemptions is not None and promo.times_redeemed >= promo.max_redemptions:
        raise BadRequest(_("This code has already been used the maximum number of times."),
                         code="code_used_up", param=param)
    if promo.first_time_only and stripe.has_paid_before(customer_id):
        # Stripe would refuse it with an English-only text and no code; say it ourselves
        raise BadRequest(_("This code is only for a customer's first order."),
                         code="code_not_applicable", param=param)
    check_coupon_applies(promo.coupon, product_ids, param)
    return promo


@bp.post("/v1/portal/subscriptions/<sub_id>/discount")
def apply_discount(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.discount", sub_id) as detail:
        body = parse_body(rq.DiscountRequest)
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
            detail["items"] = audit_items(sub)
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
        body = parse_body(rq.PauseRequest)
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
        parse_body(rq.EmptyBody)
        stripe = writer(ctx)
        sub = owned_subscription(ctx, stripe, sub_id)
        require_action(ctx, sub, "unpause")
        updated = confirmed_write(lambda: stripe.unpause(sub.id),
                                  lambda: stripe.subscription(sub.id),
                                  lambda s: s.pause_collection is None)
        return subscription_response(ctx, updated, _("Payments have resumed."))
