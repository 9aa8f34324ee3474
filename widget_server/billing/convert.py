"""Stripe objects -> domain values (``billing.domain``), for API version 2026-10-28.endive.

Pure functions, typed against stripe-python's resource classes. Shapes that differ from older
examples: periods are on subscription items; a discount's coupon is under ``source.coupon``;
an invoice's subscription is under ``parent.subscription_details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import stripe

from widget_server.billing.currencies import currency_options_of
from widget_server.billing.domain import (
    UNSETTLED_INVOICE,
    Customer,
    Discount,
    Invoice,
    PauseCollection,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    Subscription,
    SubscriptionItem,
    TaxId,
)

QUANTITY_KEYS = ("quantity_min", "quantity_max", "quantity_step")
ADDON_ROLES = ("addon", "add-on", "add_on")


def _field(obj: stripe.StripeObject, name: str) -> Any:
    """A field that Stripe omits unless expanded or set (e.g. ``tax_ids``, ``deleted``)."""
    return obj[name] if name in obj else None  # noqa: SIM401 - StripeObject has no .get


def _metadata(obj: stripe.StripeObject) -> dict[str, str]:
    meta = _field(obj, "metadata")
    return {str(k): str(v) for k, v in meta.to_dict().items()} if meta is not None else {}


def _positive_int(raw: str | None, default: int | None) -> int | None:
    try:
        value = int(str(raw).strip()) if raw is not None else default
    except ValueError:
        return default
    return value if value is None or value > 0 else default


def expandable_id(value: str | stripe.StripeObject | None) -> str | None:
    """The id of an expandable field, expanded or not."""
    if value is None or isinstance(value, str):
        return value
    found: str = value["id"]
    return found


def product_from_stripe(product: stripe.Product) -> Product:
    """Quantity rules come from metadata ``quantity_min/max/step``; a unit label also makes
    the quantity adjustable (a "seat" is meant to be counted)."""
    meta = _metadata(product)
    minimum = _positive_int(meta.get("quantity_min"), 1) or 1
    maximum = _positive_int(meta.get("quantity_max"), None)
    step = _positive_int(meta.get("quantity_step"), 1) or 1
    if maximum is not None and maximum < minimum:
        maximum = minimum
    unit_label = _field(product, "unit_label") or None
    adjustable = any(k in meta for k in QUANTITY_KEYS) or unit_label is not None
    role = "addon" if meta.get("portal_role", "").strip().lower() in ADDON_ROLES else "base"
    return Product(
        id=product.id,
        name=_field(product, "name") or product.id,
        description=_field(product, "description") or None,
        unit_label=unit_label,
        quantity_min=minimum,
        quantity_max=maximum,
        quantity_step=step,
        adjustable_quantity=adjustable and maximum != minimum,
        active=_field(product, "active") is not False,
        role=role,
        order=_int_or_none(meta.get("portal_order")),
    )


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(str(raw).strip()) if raw is not None else None
    except ValueError:
        return None


def placeholder_product(product_id: str) -> Product:
    """Used when a price's product was deleted: the portal still shows the subscription."""
    return Product(id=product_id, name=product_id, active=False)


def price_from_stripe(price: stripe.Price, products: Mapping[str, Product] | None = None) -> Price:
    """Convert a price; its product is the expanded one, else looked up in `products`."""
    raw_product = price.product
    if isinstance(raw_product, stripe.Product) and not _field(raw_product, "deleted"):
        product = product_from_stripe(raw_product)
    else:
        product_id = expandable_id(raw_product) or ""
        product = (products or {}).get(product_id) or placeholder_product(product_id)
    recurring = _field(price, "recurring")
    return Price(
        id=price.id,
        product=product,
        currency=price.currency,
        unit_amount=_field(price, "unit_amount"),
        interval=recurring.interval if recurring is not None else None,
        interval_count=recurring.interval_count if recurring is not None else 1,
        metered=recurring is not None and _field(recurring, "usage_type") == "metered",
        nickname=_field(price, "nickname"),
        lookup_key=_field(price, "lookup_key"),
        active=bool(_field(price, "active")),
        currency_options=currency_options_of(_field(price, "currency_options"), price.currency),
    )


def discount_from_stripe(discount: stripe.Discount | str) -> Discount | None:
    """A discount needs ``source.coupon`` expanded to say what it is worth; None otherwise."""
    if isinstance(discount, str):
        return None
    source = _field(discount, "source")
    coupon = _field(source, "coupon") if source is not None else None
    if not isinstance(coupon, stripe.Coupon):
        return None
    promo = _field(discount, "promotion_code")
    return Discount(
        id=discount.id,
        coupon_id=coupon.id,
        name=_field(coupon, "name"),
        percent_off=_field(coupon, "percent_off"),
        amount_off=_field(coupon, "amount_off"),
        currency=_field(coupon, "currency"),
        duration=str(_field(coupon, "duration") or "once"),
        duration_in_months=_field(coupon, "duration_in_months"),
        end=_field(discount, "end"),
        promotion_code=promo.code if isinstance(promo, stripe.PromotionCode) else None,
    )


def subscription_item_from_stripe(
    item: stripe.SubscriptionItem, products: Mapping[str, Product] | None = None
) -> SubscriptionItem:
    return SubscriptionItem(
        id=item.id,
        price=price_from_stripe(item.price, products),
        quantity=_field(item, "quantity") or 1,
        current_period_start=item.current_period_start,
        current_period_end=item.current_period_end,
    )


def subscription_from_stripe(
    sub: stripe.Subscription,
    products: Mapping[str, Product] | None = None,
    items: list[stripe.SubscriptionItem] | None = None,
) -> Subscription:
    """`items` overrides ``sub.items`` when the caller paged through more than the first page."""
    pause = _field(sub, "pause_collection")
    details = _field(sub, "cancellation_details")
    latest = _field(sub, "latest_invoice")
    pending = _field(sub, "pending_update")
    discounts = (discount_from_stripe(d) for d in (_field(sub, "discounts") or []))
    return Subscription(
        id=sub.id,
        customer_id=expandable_id(sub.customer) or "",
        status=sub.status,
        currency=sub.currency,
        created=sub.created,
        items=tuple(subscription_item_from_stripe(i, products) for i in (items or sub.items.data)),
        cancel_at_period_end=bool(_field(sub, "cancel_at_period_end")),
        cancel_at=_field(sub, "cancel_at"),
        canceled_at=_field(sub, "canceled_at"),
        ended_at=_field(sub, "ended_at"),
        trial_end=_field(sub, "trial_end"),
        discounts=tuple(d for d in discounts if d is not None),
        pause_collection=PauseCollection(behavior=pause.behavior, resumes_at=pause.resumes_at)
        if pause is not None else None,
        default_payment_method_id=expandable_id(_field(sub, "default_payment_method")),
        latest_invoice_id=expandable_id(latest),
        schedule_id=expandable_id(_field(sub, "schedule")),
        cancellation_feedback=_field(details, "feedback") if details is not None else None,
        cancellation_comment=_field(details, "comment") if details is not None else None,
        metadata=_metadata(sub),
        latest_invoice=invoice_from_stripe(latest) if isinstance(latest, stripe.Invoice)
        and latest.status in UNSETTLED_INVOICE else None,
        scheduled_change=scheduled_change_from_stripe(_field(sub, "schedule")),
        pending_update_expires_at=_field(pending, "expires_at") if pending is not None
        else None,
        test_clock=expandable_id(_field(sub, "test_clock")),
    )


def scheduled_change_from_stripe(schedule: Any) -> ScheduledChange | None:
    """The next phase of an expanded, active schedule: what changes, and when."""
    if not isinstance(schedule, stripe.SubscriptionSchedule):
        return None
    if _field(schedule, "status") not in ("active", "not_started"):
        return None
    current = _field(schedule, "current_phase")
    current_end = _field(current, "end_date") if current is not None else None
    for phase in _field(schedule, "phases") or []:
        start = _field(phase, "start_date")
        if current_end is not None and start is not None and start >= current_end:
            items = tuple((expandable_id(i.price) or "", int(_field(i, "quantity") or 1))
                          for i in phase.items)
            return ScheduledChange(schedule_id=schedule.id, starts_at=int(start), items=items)
    return None


def product_ids_of(items: Iterable[stripe.SubscriptionItem]) -> set[str]:
    """Products subscription items refer to (not expanded: too deep for ``expand[]``)."""
    found = (expandable_id(i.price.product) for i in items)
    return {pid for pid in found if pid}


def invoice_subscription_id(invoice: stripe.Invoice) -> str | None:
    parent = _field(invoice, "parent")
    details = _field(parent, "subscription_details") if parent is not None else None
    if details is None:
        return None
    return expandable_id(_field(details, "subscription"))


def _subscription_lines(invoice: stripe.Invoice) -> list[Any]:
    lines = _field(invoice, "lines")
    rows = list(lines.data) if lines is not None else []
    found = []
    for line in rows:
        parent = _field(line, "parent")
        if parent is not None and _field(parent, "type") == "subscription_item_details":
            found.append(line)
    return found


def _line_product(line: Any) -> str | None:
    pricing = _field(line, "pricing")
    details = _field(pricing, "price_details") if pricing is not None else None
    return expandable_id(_field(details, "product")) if details is not None else None


def invoice_from_stripe(invoice: stripe.Invoice) -> Invoice:
    lines = _subscription_lines(invoice)
    regular = [line for line in lines if not _line_is_proration(line)] or lines
    periods = [_field(line, "period") for line in regular]
    starts = [p.start for p in periods if p is not None]
    ends = [p.end for p in periods if p is not None]
    products = tuple(dict.fromkeys(p for p in (_line_product(line) for line in lines) if p))
    secret = _field(invoice, "confirmation_secret")
    return Invoice(
        id=invoice.id,
        number=_field(invoice, "number"),
        status=_field(invoice, "status"),
        currency=invoice.currency,
        amount_due=invoice.amount_due,
        amount_paid=invoice.amount_paid,
        amount_remaining=invoice.amount_remaining,
        total=invoice.total,
        created=invoice.created,
        period_start=_field(invoice, "period_start"),
        period_end=_field(invoice, "period_end"),
        hosted_invoice_url=_field(invoice, "hosted_invoice_url"),
        invoice_pdf=_field(invoice, "invoice_pdf"),
        subscription_id=invoice_subscription_id(invoice),
        customer_id=expandable_id(_field(invoice, "customer")),
        billing_reason=_field(invoice, "billing_reason"),
        next_payment_attempt=_field(invoice, "next_payment_attempt"),
        service_start=min(starts) if starts else None,
        service_end=max(ends) if ends else None,
        product_ids=products,
        payment_client_secret=_field(secret, "client_secret") if secret is not None else None,
    )


def _line_is_proration(line: Any) -> bool:
    parent = _field(line, "parent")
    details = _field(parent, "subscription_item_details") if parent is not None else None
    return bool(_field(details, "proration")) if details is not None else False


def payment_method_from_stripe(pm: stripe.PaymentMethod) -> PaymentMethod:
    """Cards carry brand and expiry; other methods (SEPA, US bank) show their type and last4."""
    card = _field(pm, "card")
    if pm.type == "card" and card is not None:
        return PaymentMethod(
            id=pm.id,
            brand=str(_field(card, "display_brand") or card.brand),
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )
    details = _field(pm, pm.type)
    last4 = _field(details, "last4") if isinstance(details, stripe.StripeObject) else None
    return PaymentMethod(id=pm.id, brand=pm.type, last4=str(last4 or ""), exp_month=0,
                         exp_year=0, type=pm.type)


def customer_from_stripe(customer: stripe.Customer) -> Customer:
    settings = _field(customer, "invoice_settings")
    default_pm = _field(settings, "default_payment_method") if settings is not None else None
    tax_ids = _field(customer, "tax_ids")
    address = _field(customer, "address")
    return Customer(
        id=customer.id,
        email=_field(customer, "email"),
        name=_field(customer, "name"),
        phone=_field(customer, "phone"),
        address=address.to_dict() if address is not None else None,
        default_payment_method_id=expandable_id(default_pm),
        tax_ids=tuple(tax_id_from_stripe(t) for t in tax_ids.data)
        if tax_ids is not None else (),
    )


def customer_default_payment_method(customer: stripe.Customer) -> PaymentMethod | None:
    """The customer's default payment method when ``invoice_settings`` was expanded."""
    settings = _field(customer, "invoice_settings")
    default_pm = _field(settings, "default_payment_method") if settings is not None else None
    if isinstance(default_pm, stripe.PaymentMethod):
        return payment_method_from_stripe(default_pm)
    return None


def is_deleted(obj: stripe.StripeObject) -> bool:
    return bool(_field(obj, "deleted"))


def tax_id_from_stripe(tax_id: stripe.TaxId) -> TaxId:
    return TaxId(id=tax_id.id, type=tax_id.type, value=tax_id.value)
