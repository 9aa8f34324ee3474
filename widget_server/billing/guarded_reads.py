"""The narrow reads that guard the portal's Stripe writes, and the coupon values they read.

Before a write, a caller re-reads the object with these methods (a subscription with all its
items, a price, an invoice, a tax id, a coupon or promotion code, the customer's history) and
checks it belongs to a customer of the portal token; ``billing.writes.StripeWriter`` adds the
writes on top. A missing object is None; every other Stripe exception becomes a
``billing.errors`` BillingError.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe

from widget_server.billing.convert import (
    expandable_id,
    invoice_from_stripe,
    price_from_stripe,
    product_ids_of,
    subscription_from_stripe,
)
from widget_server.billing.domain import Invoice, Price, Subscription, TaxId
from widget_server.billing.errors import missing_as_none, stripe_errors
from widget_server.billing.gateway import SINGLE_SUBSCRIPTION_EXPAND, all_items
from widget_server.billing.payments import PaymentWrites, stripe_field, tax_id_value

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


class GuardedReads(PaymentWrites):
    """The reads a write is checked against, for one account (thread-safe: the client is)."""

    def _subscription(self, raw: stripe.Subscription) -> Subscription:
        """Convert with every item: schedule phases and resubscribe copy the whole item list,
        so a subscription longer than its embedded page must not lose the rest."""
        with stripe_errors():
            items = all_items(self.client, raw)
        products = self.catalog.products(product_ids_of(items))
        return subscription_from_stripe(raw, products, items)

    # --- guarded reads ---------------------------------------------------------------------

    def subscription(self, subscription_id: str) -> Subscription | None:
        found = missing_as_none(lambda: self.v1.subscriptions.retrieve(
            subscription_id, {"expand": SUBSCRIPTION_EXPAND}))
        return self._subscription(found) if found is not None else None

    def price(self, price_id: str) -> Price | None:
        found = missing_as_none(lambda: self.v1.prices.retrieve(price_id, {"expand": PRICE_EXPAND}))
        return price_from_stripe(found) if found is not None else None

    def invoice(self, invoice_id: str) -> Invoice | None:
        found = missing_as_none(lambda: self.v1.invoices.retrieve(invoice_id))
        return invoice_from_stripe(found) if found is not None else None

    def tax_id(self, customer_id: str, tax_id: str) -> TaxId | None:
        """The customer's tax id; None when missing or owned by anyone else."""
        found = missing_as_none(lambda: self.v1.customers.tax_ids.retrieve(customer_id, tax_id))
        if found is None:
            return None
        owner = stripe_field(found, "owner")
        owner_id = expandable_id(stripe_field(owner, "customer")) or expandable_id(
            stripe_field(found, "customer"))
        return tax_id_value(found) if owner_id == customer_id else None

    def coupon(self, coupon_id: str) -> Coupon | None:
        # applies_to is includable: Stripe returns it only when expanded
        found = missing_as_none(lambda: self.v1.coupons.retrieve(
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
