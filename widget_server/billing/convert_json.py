"""Stripe's wire JSON -> domain values, for the hot reads (the portal view, invoice pages).

The same rules as ``convert`` (which takes stripe-python's ``StripeObject``s), on the parsed
JSON itself: building ``StripeObject``s costs about 40 times the JSON parse (1.5 ms for one
subscription with its expansions, 80 ms for fifty), and a view needs a few fields of each.
tests/billing/test_convert_json.py holds both converters to equal results on every seeded
customer, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from widget_server.billing.convert import (
    ADDON_ROLES,
    QUANTITY_KEYS,
    _int_or_none,
    _positive_int,
    placeholder_product,
)
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

JSON = Mapping[str, Any]


def _obj(value: Any) -> JSON | None:
    """An expanded object (a JSON object), else None (absent, null or an unexpanded id)."""
    return value if isinstance(value, dict) else None


def expandable_id(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    found: str = value["id"]
    return found


def _metadata(obj: JSON) -> dict[str, str]:
    return {str(k): str(v) for k, v in (obj.get("metadata") or {}).items()}


def is_deleted(obj: JSON) -> bool:
    return bool(obj.get("deleted"))


def product_from_json(product: JSON) -> Product:
    meta = _metadata(product)
    minimum = _positive_int(meta.get("quantity_min"), 1) or 1
    maximum = _positive_int(meta.get("quantity_max"), None)
    step = _positive_int(meta.get("quantity_step"), 1) or 1
    if maximum is not None and maximum < minimum:
        maximum = minimum
    unit_label = product.get("unit_label") or None
    adjustable = any(k in meta for k in QUANTITY_KEYS) or unit_label is not None
    role = "addon" if meta.get("portal_role", "").strip().lower() in ADDON_ROLES else "base"
    return Product(
        id=product["id"],
        name=product.get("name") or product["id"],
        description=product.get("description") or None,
        unit_label=unit_label,
        quantity_min=minimum,
        quantity_max=maximum,
        quantity_step=step,
        adjustable_quantity=adjustable and maximum != minimum,
        active=product.get("active") is not False,
        role=role,
        order=_int_or_none(meta.get("portal_order")),
    )


def price_from_json(price: JSON, products: Mapping[str, Product] | None = None) -> Price:
    raw_product = _obj(price.get("product"))
    if raw_product is not None and not raw_product.get("deleted"):
        product = product_from_json(raw_product)
    else:
        product_id = expandable_id(price.get("product")) or ""
        product = (products or {}).get(product_id) or placeholder_product(product_id)
    recurring = price.get("recurring")
    return Price(
        id=price["id"],
        product=product,
        currency=price["currency"],
        unit_amount=price.get("unit_amount"),
        interval=recurring["interval"] if recurring is not None else None,
        interval_count=recurring["interval_count"] if recurring is not None else 1,
        metered=recurring is not None and recurring.get("usage_type") == "metered",
        nickname=price.get("nickname"),
        lookup_key=price.get("lookup_key"),
        active=bool(price.get("active")),
    )


def discount_from_json(discount: Any) -> Discount | None:
    if not isinstance(discount, dict):
        return None
    source = discount.get("source")
    coupon = _obj(source.get("coupon")) if source is not None else None
    if coupon is None:
        return None
    promo = _obj(discount.get("promotion_code"))
    return Discount(
        id=discount["id"],
        coupon_id=coupon["id"],
        name=coupon.get("name"),
        percent_off=coupon.get("percent_off"),
        amount_off=coupon.get("amount_off"),
        currency=coupon.get("currency"),
        duration=str(coupon.get("duration") or "once"),
        duration_in_months=coupon.get("duration_in_months"),
        end=discount.get("end"),
        promotion_code=promo["code"] if promo is not None else None,
    )


def item_from_json(item: JSON, products: Mapping[str, Product] | None = None,
                   prices: dict[str, Price] | None = None) -> SubscriptionItem:
    """`prices`: the prices converted so far from the same answer, by id (50 subscriptions to
    3 prices build 3 ``Price``s, not 50: within one answer a price id is one price)."""
    raw = item["price"]
    price = prices.get(raw["id"]) if prices is not None else None
    if price is None:
        price = price_from_json(raw, products)
        if prices is not None:
            prices[price.id] = price
    return SubscriptionItem(
        id=item["id"],
        price=price,
        quantity=item.get("quantity") or 1,
        current_period_start=item["current_period_start"],
        current_period_end=item["current_period_end"],
    )


def scheduled_change_from_json(schedule: Any) -> ScheduledChange | None:
    if not isinstance(schedule, dict) or schedule.get("status") not in ("active", "not_started"):
        return None
    current = schedule.get("current_phase")
    current_end = current.get("end_date") if current is not None else None
    for phase in schedule.get("phases") or []:
        start = phase.get("start_date")
        if current_end is not None and start is not None and start >= current_end:
            items = tuple((expandable_id(i["price"]) or "", int(i.get("quantity") or 1))
                          for i in phase["items"])
            return ScheduledChange(schedule_id=schedule["id"], starts_at=int(start), items=items)
    return None


def subscription_from_json(sub: JSON, products: Mapping[str, Product] | None = None,
                           items: Sequence[JSON] | None = None,
                           prices: dict[str, Price] | None = None) -> Subscription:
    """`items` overrides the embedded first page when the caller paged through more;
    `prices` as for ``item_from_json``."""
    pause = sub.get("pause_collection")
    details = sub.get("cancellation_details")
    latest = sub.get("latest_invoice")
    pending = sub.get("pending_update")
    discounts = (discount_from_json(d) for d in (sub.get("discounts") or []))
    return Subscription(
        id=sub["id"],
        customer_id=expandable_id(sub["customer"]) or "",
        status=sub["status"],
        currency=sub["currency"],
        created=sub["created"],
        items=tuple(item_from_json(i, products, prices)
                    for i in (items or sub["items"]["data"])),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
        cancel_at=sub.get("cancel_at"),
        canceled_at=sub.get("canceled_at"),
        ended_at=sub.get("ended_at"),
        trial_end=sub.get("trial_end"),
        discounts=tuple(d for d in discounts if d is not None),
        pause_collection=PauseCollection(behavior=pause["behavior"],
                                         resumes_at=pause.get("resumes_at"))
        if pause is not None else None,
        default_payment_method_id=expandable_id(sub.get("default_payment_method")),
        latest_invoice_id=expandable_id(latest),
        schedule_id=expandable_id(sub.get("schedule")),
        cancellation_feedback=details.get("feedback") if details is not None else None,
        cancellation_comment=details.get("comment") if details is not None else None,
        metadata=_metadata(sub),
        latest_invoice=invoice_from_json(latest)
        if isinstance(latest, dict) and latest.get("status") in UNSETTLED_INVOICE else None,
        scheduled_change=scheduled_change_from_json(sub.get("schedule")),
        pending_update_expires_at=pending.get("expires_at") if pending is not None else None,
        test_clock=expandable_id(sub.get("test_clock")),
    )


def product_ids_of(items: Iterable[JSON]) -> set[str]:
    found = (expandable_id(i["price"]["product"]) for i in items)
    return {pid for pid in found if pid}


def invoice_subscription_id(invoice: JSON) -> str | None:
    parent = invoice.get("parent")
    details = parent.get("subscription_details") if parent is not None else None
    return expandable_id(details.get("subscription")) if details is not None else None


def _subscription_lines(invoice: JSON) -> list[JSON]:
    lines = invoice.get("lines")
    rows: list[JSON] = list(lines["data"]) if lines is not None else []
    return [line for line in rows if (line.get("parent") or {}).get("type")
            == "subscription_item_details"]


def _line_product(line: JSON) -> str | None:
    pricing = line.get("pricing")
    details = pricing.get("price_details") if pricing is not None else None
    return expandable_id(details.get("product")) if details is not None else None


def _line_is_proration(line: JSON) -> bool:
    details = (line.get("parent") or {}).get("subscription_item_details")
    return bool(details.get("proration")) if details is not None else False


def invoice_from_json(invoice: JSON) -> Invoice:
    lines = _subscription_lines(invoice)
    regular = [line for line in lines if not _line_is_proration(line)] or lines
    periods = [line.get("period") for line in regular]
    starts = [p["start"] for p in periods if p is not None]
    ends = [p["end"] for p in periods if p is not None]
    products = tuple(dict.fromkeys(p for p in (_line_product(line) for line in lines) if p))
    secret = invoice.get("confirmation_secret")
    return Invoice(
        id=invoice["id"],
        number=invoice.get("number"),
        status=invoice.get("status"),
        currency=invoice["currency"],
        amount_due=invoice["amount_due"],
        amount_paid=invoice["amount_paid"],
        amount_remaining=invoice["amount_remaining"],
        total=invoice["total"],
        created=invoice["created"],
        period_start=invoice.get("period_start"),
        period_end=invoice.get("period_end"),
        hosted_invoice_url=invoice.get("hosted_invoice_url"),
        invoice_pdf=invoice.get("invoice_pdf"),
        subscription_id=invoice_subscription_id(invoice),
        customer_id=expandable_id(invoice.get("customer")),
        billing_reason=invoice.get("billing_reason"),
        next_payment_attempt=invoice.get("next_payment_attempt"),
        service_start=min(starts) if starts else None,
        service_end=max(ends) if ends else None,
        product_ids=products,
        payment_client_secret=secret.get("client_secret") if secret is not None else None,
    )


def payment_method_from_json(pm: JSON) -> PaymentMethod:
    card = pm.get("card")
    kind = pm["type"]
    if kind == "card" and card is not None:
        return PaymentMethod(id=pm["id"], brand=str(card.get("display_brand") or card["brand"]),
                             last4=card["last4"], exp_month=card["exp_month"],
                             exp_year=card["exp_year"])
    details = _obj(pm.get(kind))
    last4 = details.get("last4") if details is not None else None
    return PaymentMethod(id=pm["id"], brand=kind, last4=str(last4 or ""), exp_month=0,
                         exp_year=0, type=kind)


def tax_id_from_json(tax_id: JSON) -> TaxId:
    return TaxId(id=tax_id["id"], type=tax_id["type"], value=tax_id["value"])


def customer_from_json(customer: JSON) -> Customer:
    settings = customer.get("invoice_settings")
    tax_ids = customer.get("tax_ids")
    address = customer.get("address")
    return Customer(
        id=customer["id"],
        email=customer.get("email"),
        name=customer.get("name"),
        phone=customer.get("phone"),
        address=dict(address) if address is not None else None,
        default_payment_method_id=expandable_id(settings.get("default_payment_method"))
        if settings is not None else None,
        tax_ids=tuple(tax_id_from_json(t) for t in tax_ids["data"])
        if tax_ids is not None else (),
    )


def customer_default_payment_method(customer: JSON) -> PaymentMethod | None:
    settings = customer.get("invoice_settings")
    pm = _obj(settings.get("default_payment_method")) if settings is not None else None
    return payment_method_from_json(pm) if pm is not None else None
