"""Domain values -> the portal JSON of docs/portal-json.md (translated, Babel-formatted).

Display strings (``*_display``) are formatted here for the request's locale so the browser
ships no catalogs and no formatting code. The action endpoints reuse ``subscription_json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from widget_server.billing.domain import (
    Discount,
    PortalSnapshot,
    Price,
    Product,
    Subscription,
    SubscriptionItem,
)
from widget_server.i18n import (
    N_,
    _,
    current_locale,
    format_date,
    format_money,
    format_percent,
    text_direction,
    translate,
)
from widget_server.i18n.ui_strings import UI_STRINGS
from widget_server.models import Account
from widget_server.portal import currency
from widget_server.portal.billing_json import customer_json, payment_method_json
from widget_server.portal.rules import (
    describe,
    has_open_invoice,
    is_addon,
    plan_options,
    quantity_adjustable,
)

JSON = dict[str, Any]

# The settings the portal UI needs (never secrets, never the catalog allow-list).
UI_SETTINGS = (
    "change_plan", "quantity", "cancellation", "cancellation_reason", "cancel_immediately",
    "undo_cancel", "retention_offer", "resubscribe", "change_plan_when_canceled", "coupons",
    "coupon_on_resubscribe", "actions_dropdown", "update_card", "pay_failed_invoices",
    "show_all_invoices", "pause", "billing_details", "downgrade_at_period_end",
    "accent_color", "logo_url", "font_family", "show_entitlements", "show_usage", "show_credit",
)

# (singular, plural) per interval; the plural takes %(num)s.
INTERVALS = {
    "day": (N_("per day"), N_("every %(num)s days")),
    "week": (N_("per week"), N_("every %(num)s weeks")),
    "month": (N_("per month"), N_("every %(num)s months")),
    "year": (N_("per year"), N_("every %(num)s years")),
}


def _date(timestamp: int | None, locale: str) -> str | None:
    return format_date(timestamp, locale) if timestamp is not None else None


def strings_for(locale: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every UI string in `locale`, with the account's overrides for that locale."""
    return {message: translate(message, locale, overrides) for message in UI_STRINGS}


_CATALOG_VERSIONS: dict[str, str] = {}  # per locale: the catalogs do not change while running


def strings_version(locale: str, overrides: Mapping[str, Any] | None = None) -> str:
    """A short hash of what ``strings_for`` gives: the locale's catalog (hashed once per
    process) and the account's overrides. A new version is a new URL for browsers."""
    base = _CATALOG_VERSIONS.get(locale)
    if base is None:
        text = json.dumps(strings_for(locale), sort_keys=True, ensure_ascii=False)
        base = _CATALOG_VERSIONS[locale] = _digest(text)
    if not overrides:
        return base
    return _digest(base + json.dumps(overrides, sort_keys=True, ensure_ascii=False))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def product_json(product: Product, settings: Mapping[str, Any] | None = None) -> JSON:
    return {
        "role": "addon" if is_addon(product, settings or {}) else "base",
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "unit_label": product.unit_label,
        "quantity_min": product.quantity_min,
        "quantity_max": product.quantity_max,
        "quantity_step": product.quantity_step,
        "adjustable_quantity": product.adjustable_quantity,
    }


def interval_display(price: Price) -> str | None:
    if price.interval is None:
        return None
    singular, plural = INTERVALS.get(price.interval, (price.interval, price.interval))
    # Both forms are catalog entries of their own (not a gettext plural pair).
    text = _(singular) if price.interval_count == 1 else _(plural, num=price.interval_count)
    return _("per unit used, billed %(interval)s", interval=text) if price.metered else text


def price_json(price: Price, locale: str, *, with_product: bool = False,
               settings: Mapping[str, Any] | None = None) -> JSON:
    found: JSON = {
        "id": price.id,
        "nickname": price.nickname,
        "unit_amount": price.unit_amount,
        "currency": price.currency,
        "interval": price.interval,
        "interval_count": price.interval_count,
        "amount_display": format_money(price.unit_amount, price.currency, locale)
        if price.unit_amount is not None else None,
        "interval_display": interval_display(price),
    }
    if with_product:
        found["product"] = product_json(price.product, settings)
    return found


def item_json(item: SubscriptionItem, locale: str,
              settings: Mapping[str, Any] | None = None) -> JSON:
    price = item.price
    return {
        "id": item.id,
        "quantity": item.quantity,
        "current_period_start": item.current_period_start,
        "current_period_end": item.current_period_end,
        "amount_display": format_money(price.unit_amount * item.quantity, price.currency, locale)
        if price.unit_amount is not None else None,
        "price": price_json(price, locale),  # usage decides a metered item's quantity:
        "product": {**product_json(price.product, settings),
                    "adjustable_quantity": quantity_adjustable(price)},
    }


def discount_display(discount: Discount, locale: str) -> str:
    if discount.percent_off is not None:
        amount = format_percent(discount.percent_off, locale)
    elif discount.amount_off is not None and discount.currency:
        amount = format_money(discount.amount_off, discount.currency, locale)
    else:
        return discount.name or discount.coupon_id
    if discount.duration == "repeating" and discount.end is not None:
        return _("%(amount)s off until %(date)s", amount=amount,
                 date=format_date(discount.end, locale))
    if discount.duration == "once":
        return _("%(amount)s off the next invoice", amount=amount)
    return _("%(amount)s off", amount=amount)


def discount_json(discount: Discount, locale: str) -> JSON:
    return {
        "id": discount.id,
        "coupon_id": discount.coupon_id,
        "name": discount.name,
        "percent_off": discount.percent_off,
        "amount_off": discount.amount_off,
        "currency": discount.currency,
        "duration": discount.duration,
        "end": discount.end,
        "promotion_code": discount.promotion_code,
        "display": discount_display(discount, locale),
    }


def plan_name(price: Price) -> str:
    """A plan named once: the price's nickname, else its product's name."""
    return price.nickname or price.product.name


def scheduled_change_json(sub: Subscription, catalog: Sequence[Price], locale: str,
                          ) -> JSON | None:
    change = sub.scheduled_change
    if change is None:
        return None
    known = {p.id: p for p in catalog} | {i.price.id: i.price for i in sub.items}
    items = []
    for price_id, quantity in change.items:
        price = known.get(price_id)
        items.append({
            "price": price_id,
            "quantity": quantity,
            "plan": plan_name(price) if price is not None else price_id,
            "price_display": price_json(price, locale) if price is not None else None,
        })
    return {"date": change.starts_at, "date_display": format_date(change.starts_at, locale),
            "items": items}


def subscription_json(
    sub: Subscription,
    settings: Mapping[str, Any],
    *,
    locale: str | None = None,
    others: Sequence[Subscription] = (),
    catalog: Sequence[Price] | None = None,
) -> JSON:
    """One subscription: its state (badge, dates, allowed actions or why there are none)."""
    locale = locale or current_locale()
    pause = sub.pause_collection
    invoice = sub.latest_invoice if has_open_invoice(sub) else None
    options = {item.id: plan_options(sub, item, catalog, settings, others)
               for item in sub.items} if catalog is not None else None
    view = describe(settings, sub, others=others, catalog=catalog, options=options)
    return {
        "id": sub.id,
        "status": sub.status,
        "state": view.kind,
        "status_display": view.badge,
        "badge": {"text": view.badge, "tone": view.tone},
        "dates": [{"kind": d.kind, "label": d.label, "date": d.timestamp,
                   "display": format_date(d.timestamp, locale)} for d in view.dates],
        "reason": view.reason,
        "duplicate_of": view.duplicate_of,
        "created": sub.created,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "cancel_at": sub.cancel_at,
        "cancel_at_display": _date(sub.cancel_at, locale),
        "canceled_at": sub.canceled_at,
        "ended_at": sub.ended_at,
        "trial_end": sub.trial_end,
        "trial_end_display": _date(sub.trial_end, locale),
        "current_period_end": sub.current_period_end,
        "current_period_end_display": _date(sub.current_period_end, locale),
        "pause_collection": {
            "behavior": pause.behavior,
            "resumes_at": pause.resumes_at,
            "resumes_at_display": _date(pause.resumes_at, locale),
        } if pause is not None else None,
        # the prices each item may switch to (the plan picker shows only these)
        "items": [{**item_json(item, locale, settings), "plan_options": [
            p.id for p in options[item.id]] if options is not None else None}
            for item in sub.items],
        "discounts": [discount_json(d, locale) for d in sub.discounts],
        "latest_invoice_id": sub.latest_invoice_id,
        "open_invoice": {
            "id": invoice.id,
            "amount_due": invoice.amount_remaining,
            "amount_display": format_money(invoice.amount_remaining, invoice.currency, locale),
        } if invoice is not None else None,
        "scheduled_change": scheduled_change_json(sub, catalog or (), locale),
        "actions": view.actions.as_dict(),
    }


_INTERVAL_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}


def catalog_for_settings(prices: Sequence[Price], settings: Mapping[str, Any]) -> list[Price]:
    """The prices users may pick, in the owner's order: the ``catalog_prices`` list as
    written, else base plans before add-ons, by product metadata ``portal_order``, then by
    product name, interval and amount (a stable order, whatever order Stripe lists them in)."""
    allowed: list[str] = list(settings.get("catalog_prices") or [])
    if allowed:
        by_id = {p.id: p for p in prices}
        return [by_id[pid] for pid in allowed if pid in by_id]

    def key(price: Price) -> tuple[Any, ...]:
        product = price.product
        order = product.order if product.order is not None else 1_000_000
        return (is_addon(product, settings), order, product.name.casefold(),
                _INTERVAL_RANK.get(price.interval or "", 9), price.interval_count,
                price.unit_amount or 0, price.id)

    return sorted(prices, key=key)


def visible_subscriptions(
    subscriptions: Sequence[Subscription], settings: Mapping[str, Any]
) -> list[Subscription]:
    if settings.get("only_active_subscriptions"):
        return [s for s in subscriptions if s.status not in {"canceled", "incomplete_expired"}]
    return list(subscriptions)


def stripe_publishable_key(settings: Mapping[str, Any]) -> str | None:
    """The key Stripe.js needs: the account's setting (None until the owner sets it)."""
    return str(settings.get("stripe_publishable_key") or "") or None


def portal_payload(
    account: Account,
    settings: Mapping[str, Any],
    snapshot: PortalSnapshot,
    *,
    locale: str,
    js_url: str,
    strings_url: str,
) -> JSON:
    """The body of ``GET /v1/portal`` (the UI strings are at `strings_url`, cached)."""
    subscriptions = currency.shown_all(snapshot.subscriptions, snapshot.catalog)
    allowed = catalog_for_settings(snapshot.catalog, settings)
    catalog = currency.catalog_for(settings, allowed, subscriptions)
    offered = currency.catalogs_by_currency(settings, allowed)
    return {
        "account": {"id": account.public_id, "name": account.name,
                    "test_mode": not account.live_mode},
        "locale": locale,
        "direction": text_direction(locale),
        "strings_url": strings_url,
        "settings": {name: settings.get(name) for name in UI_SETTINGS},
        "stripe": {"publishable_key": stripe_publishable_key(settings),
                   "js_url": js_url},
        "customer": customer_json(snapshot.customer) if snapshot.customer else None,
        "payment_method": payment_method_json(snapshot.payment_method),
        "subscriptions": [
            subscription_json(s, settings, locale=locale, others=subscriptions,
                              catalog=offered(s))
            for s in visible_subscriptions(subscriptions, settings)
        ],
        "canceled_next": None if settings.get("only_active_subscriptions")
        else snapshot.canceled_next,
        "catalog": [price_json(p, locale, with_product=True, settings=settings)
                    for p in catalog],
    }
