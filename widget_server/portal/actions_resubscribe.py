"""Resubscribe: restart an ended subscription, at most once, with the amount shown first.

A customer never gets two live subscriptions to one product through the portal: the server
re-reads the customer's subscriptions and refuses (409 ``duplicate_subscription``) when one is
live; and the Stripe idempotency key is derived from that state (the ended subscription, and
the ids and statuses of all the customer's subscriptions), not from the page, so two
tabs, a reload or a retry racing each other send the same key and Stripe creates one
subscription (a different choice with the same key is refused by Stripe: 409 ``conflict``).
The first payment is on session: a card that needs 3-D Secure returns ``requires_action``
with the invoice's client secret for Stripe.js; a declined card leaves an incomplete
subscription whose invoice the user can pay after updating the card.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from widget_server.billing.domain import Price, Subscription
from widget_server.billing.service import BillingService
from widget_server.contract import requests as rq
from widget_server.errors import BadRequest, Conflict
from widget_server.i18n import _
from widget_server.portal import bp, rules
from widget_server.portal.actions import (
    audit_items,
    audited,
    confirmed_write,
    context,
    customer_subscriptions,
    date,
    intent_nonce,
    money,
    owned_subscription,
    parse_body,
    require_action,
    require_feature,
    stripe_idempotency_key,
    subscription_response,
    writer,
)
from widget_server.portal.actions_plan import catalog_price
from widget_server.portal.actions_subscription import usable_promotion_code
from widget_server.portal.auth import PortalContext
from widget_server.portal.billing_json import payment_method_json


def state_token(previous: Subscription, others: Sequence[Subscription]) -> str:
    """What the customer's subscriptions look like now (every id and status). All of them,
    not only those on the same products: a subscription restarted earlier may have moved to
    another plan since, and a key that ignored it would replay that old restart."""
    rows = sorted(f"{s.id}:{s.status}" for s in others if s.id != previous.id)
    return hashlib.sha256("|".join([previous.id, *rows]).encode()).hexdigest()[:32]


def _choice(ctx: PortalContext, stripe: BillingService, sub_id: str, body: dict[str, Any],
            ) -> tuple[Subscription, list[Subscription], Price | None, str | None]:
    """The ended subscription, the customer's others, the chosen price and promotion code,
    after every check (settings, state, duplicates, catalog structure, the code)."""
    if "price" in body:
        require_feature(ctx, "change_plan_when_canceled", param="price")
    if "promotion_code" in body:
        require_feature(ctx, "coupon_on_resubscribe", param="promotion_code")
    previous = owned_subscription(ctx, stripe, sub_id)
    others = customer_subscriptions(ctx, stripe, previous.customer_id)
    require_action(ctx, previous, "resubscribe", others)
    price = None
    products = previous.product_ids()
    if "price" in body:
        if len(previous.items) != 1:
            raise BadRequest(_("This subscription has several plans; it can only be "
                               "restarted as it was."), code="invalid_parameter",
                             param="price")
        price = catalog_price(ctx, stripe, body["price"], previous.currency)
        if not rules.plan_options(previous, previous.items[0], [price], ctx.settings):
            raise BadRequest(_("An add-on cannot replace your plan."),
                             code="addon_not_allowed", param="price")
        products = frozenset({price.product.id})
        if rules.live_duplicate(previous, others, products) is not None:
            raise Conflict(_("You already have a live subscription to this plan. Reload the "
                             "page to see it."), code="duplicate_subscription")
    promo_id = None
    if "promotion_code" in body:
        promo_id = usable_promotion_code(stripe, body["promotion_code"],
                                         previous.customer_id, set(products),
                                         "promotion_code").id
    return previous, others, price, promo_id


@bp.post("/v1/portal/subscriptions/<sub_id>/resubscribe/preview")
def preview_resubscribe(sub_id: str) -> dict[str, Any]:
    """What restarting will charge now, to which card, and when it renews."""
    ctx = context()
    require_feature(ctx, "resubscribe")
    body = parse_body(rq.ResubscribeRequest)
    stripe = writer(ctx)
    previous, _others, price, promo_id = _choice(ctx, stripe, sub_id, body)
    preview = stripe.preview_new_subscription(previous, price.id if price else None, promo_id)
    card = payment_method_json(stripe.customer_card(previous.customer_id))
    amount = money(preview.amount_due, preview.currency)
    return {"preview": {
        "amount_due": preview.amount_due,
        "amount_due_display": amount,
        "currency": preview.currency,
        "card": card,
        "renews": preview.period_end,
        "renews_display": date(preview.period_end),
        "summary": [{"tone": "charge", "text": _(
            "%(amount)s will be charged now to %(card)s.", amount=amount,
            card=card["display"]) if card else _(
            "%(amount)s will be charged now to your saved payment method.", amount=amount)},
            {"tone": "info", "text": _("Your subscription then renews on %(date)s.",
                                       date=date(preview.period_end) or "")}],
    }}


@bp.post("/v1/portal/subscriptions/<sub_id>/resubscribe")
def resubscribe(sub_id: str) -> dict[str, Any]:
    ctx = context()
    with audited(ctx, "subscription.resubscribe", sub_id) as detail:
        require_feature(ctx, "resubscribe")
        intent_nonce()  # still required: a page that sends none is out of date
        body = parse_body(rq.ResubscribeRequest)
        detail.update(price=body.get("price"), promotion_code=body.get("promotion_code"))
        stripe = writer(ctx)
        previous, others, price, promo_id = _choice(ctx, stripe, sub_id, body)
        key = stripe_idempotency_key(ctx, previous.customer_id, "resubscribe", previous.id,
                                     state_token(previous, others))

        def create() -> Subscription:
            return stripe.resubscribe(previous, price_id=price.id if price else None,
                                      promotion_code_id=promo_id, default_payment_method=None,
                                      idempotency_key=key)

        # A lost answer is asked again with the same idempotency key: Stripe replays the
        # subscription it created, or creates it now; never a second one.
        created = confirmed_write(create, create, lambda _created: True)
        detail.update(subscription=created.id, status=created.status,
                      items=audit_items(created))
        if created.status in ("active", "trialing"):
            return subscription_response(
                ctx, created, _("Welcome back! Your subscription has been restarted."), [],
                requires_payment=False)
        invoice = created.latest_invoice
        secret = invoice.payment_client_secret if invoice is not None else None
        status = stripe.payment_status(secret) if secret else None
        if status is not None and status.status == "requires_action":
            return subscription_response(
                ctx, created, _("Your bank asks you to confirm this payment."), [],
                requires_payment=True,
                requires_action={"client_secret": secret, "invoice": created.latest_invoice_id})
        return subscription_response(
            ctx, created, _("The payment did not go through, so your subscription is waiting "
                            "for payment. Update your card, then pay the open invoice."), [],
            requires_payment=True, notice="warning")
