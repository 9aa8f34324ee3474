"""A change preview as the portal shows it: structured, in the user's language.

Built from ``billing.changes.ChangePreview`` (what ``invoices.create_preview`` said for the very
parameters the confirm sends): from -> to (plan, interval, quantity), what is charged now and
to which card, what is credited and where the credit goes, the next invoice's amount and date,
and each line of this change in words of our own (Stripe's line descriptions are English).
The confirm sends back ``expected_total`` and ``expected_amount_due``; a preview that no longer
matches is refused with 409 ``preview_stale`` and a fresh one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from widget_server.billing.changes import ChangePreview, ItemChangePlan, PreviewLine
from widget_server.billing.domain import Discount, PaymentMethod, Price, Subscription
from widget_server.i18n import _, current_locale, format_date, format_money
from widget_server.portal.billing_json import payment_method_json
from widget_server.portal.rules import scheduled_to_cancel
from widget_server.portal.serialize import interval_display, plan_name

JSON = dict[str, Any]


def iso(text: str) -> str:
    """Isolate a value inside a sentence (Unicode FSI...PDI), so a Latin plan name or a date
    keeps its own direction in Arabic and Hebrew sentences."""
    return f"\u2068{text}\u2069"


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency, current_locale())


def _date(timestamp: int | None) -> str | None:
    return format_date(timestamp, current_locale()) if timestamp else None


def side_json(price: Price, quantity: int) -> JSON:
    """One side of from -> to: the plan named once, its price, interval and quantity."""
    amount = price.unit_amount * quantity if price.unit_amount is not None else None
    return {
        "price": price.id,
        "plan": plan_name(price),
        "product": price.product.name,
        "quantity": quantity,
        "unit_label": price.product.unit_label,
        "interval": price.interval,
        "interval_count": price.interval_count,
        "interval_display": interval_display(price),
        "amount": amount,
        "amount_display": _money(amount, price.currency) if amount is not None else None,
    }


def change_kind(plan: ItemChangePlan, new_price: Price) -> str:
    old = plan.item.price
    if plan.at_period_end:
        return "scheduled_downgrade"
    if old.id == new_price.id:
        return "quantity_change"
    if (old.interval, old.interval_count) != (new_price.interval, new_price.interval_count):
        return "interval_change"
    return "plan_change"


def line_text(line: PreviewLine, prices: Mapping[str, Price],
              discounts: Mapping[str, Discount]) -> str:
    if line.kind == "balance":
        return _("Account credit applied")
    if line.kind == "discount":
        found = discounts.get(line.price_id or "")
        label = found.promotion_code or found.name if found is not None else None
        return _("Discount %(name)s", name=iso(label)) if label else _("Discount")
    price = prices.get(line.price_id or "")
    name = iso(plan_name(price)) if price is not None else _("your previous plan")
    plan = (_("%(plan)s \u00d7 %(quantity)s", plan=name, quantity=line.quantity)
            if line.quantity != 1 else name)
    plan = iso(plan)
    start, end = iso(_date(line.period_start) or ""), iso(_date(line.period_end) or "")
    if line.kind == "credit":
        return _("Unused time on %(plan)s, %(start)s \u2013 %(end)s", plan=plan, start=start,
                 end=end)
    if line.kind == "charge":
        return _("Remaining time on %(plan)s, %(start)s \u2013 %(end)s", plan=plan, start=start,
                 end=end)
    return _("%(plan)s, %(start)s \u2013 %(end)s", plan=plan, start=start, end=end)


def credit_lands_elsewhere(preview: ChangePreview, sub: Subscription,
                           others: Sequence[Subscription]) -> bool:
    """Whether a credit held on the balance may be used first by another subscription's
    invoice: Stripe applies the customer's balance to whichever invoice is finalized next."""
    due = preview.next_invoice_date
    if preview.balance_after >= 0 or not due:
        return False
    return any(o.id != sub.id and o.status in ("active", "trialing", "past_due")
               and not scheduled_to_cancel(o) and o.pause_collection is None
               and (o.current_period_end or due) < due for o in others)


def summary(preview: ChangePreview, kind: str, new_price: Price, quantity: int,
            card: PaymentMethod | None, shared_credit: bool = False) -> list[JSON]:
    """The sentences the dialog shows, each with a tone (a warning never looks like success)."""
    cur = preview.currency
    out: list[JSON] = []

    def say(text: str, tone: str = "info") -> None:
        out.append({"text": text, "tone": tone})

    shown_card = payment_method_json(card)
    card_text = iso(shown_card["display"]) if shown_card is not None else None
    if preview.trial_end:
        say(_("Nothing is charged now. Your trial continues until %(date)s, then the new "
              "plan is billed.", date=_date(preview.trial_end) or ""))
    elif preview.applies_at_period_end:
        say(_("Nothing is charged now. Your plan changes on %(date)s.",
              date=_date(preview.next_invoice_date) or ""))
    elif preview.amount_due > 0:
        if card_text:
            say(_("%(amount)s will be charged now to %(card)s.",
                  amount=_money(preview.amount_due, cur), card=card_text), "charge")
        else:
            say(_("%(amount)s will be charged now to your saved payment method.",
                  amount=_money(preview.amount_due, cur)), "charge")
    else:
        say(_("Nothing is charged now."))
    if preview.balance_applied:
        say(_("%(amount)s of your account credit is used for this.",
              amount=_money(preview.balance_applied, cur)))
    if preview.credited:
        say(_("%(amount)s for the unused time is credited to your account balance and taken "
              "off your next invoices.", amount=_money(preview.credited, cur)))
    if shared_credit:
        say(_("Your account credit is taken off your next invoice, which may be for another "
              "of your subscriptions."))
    if preview.other_pending:
        say(_("This includes %(amount)s of earlier changes that were not billed yet.",
              amount=_money(preview.other_pending, cur)), "warning")
    if kind == "interval_change" and not preview.applies_at_period_end \
            and not preview.trial_end:
        say(_("A new billing period starts today."))
    next_amount = None if shared_credit else preview.next_invoice_amount
    if next_amount is not None and preview.next_invoice_date:
        say(_("Your next invoice: %(amount)s on %(date)s.",
              amount=_money(next_amount, cur),
              date=_date(preview.next_invoice_date)))
    elif preview.next_invoice_date and new_price.unit_amount is not None:
        say(_("Then %(amount)s %(interval)s, next on %(date)s.",
              amount=_money(new_price.unit_amount * quantity, cur),
              interval=interval_display(new_price) or "",
              date=_date(preview.next_invoice_date)))
    return out


def preview_json(plan: ItemChangePlan, preview: ChangePreview, new_price: Price,
                 card: PaymentMethod | None, catalog: Sequence[Price],
                 others: Sequence[Subscription] = ()) -> JSON:
    """`others`: the customer's other subscriptions; when one of them bills first, a credit
    may be used there, so no amount is promised for this subscription's next invoice."""
    cur = preview.currency
    shared_credit = credit_lands_elsewhere(preview, plan.subscription, others)
    next_amount = None if shared_credit else preview.next_invoice_amount
    prices = {p.id: p for p in catalog} | {i.price.id: i.price for i in plan.subscription.items}
    prices[new_price.id] = new_price
    kind = change_kind(plan, new_price)
    discounts = {d.id: d for d in plan.subscription.discounts}
    lines = [line for line in preview.lines if line.this_change]
    return {
        "kind": kind,
        "from": side_json(plan.item.price, plan.item.quantity),
        "to": side_json(new_price, plan.quantity),
        "applies_at_period_end": preview.applies_at_period_end,
        "in_trial": preview.trial_end is not None,
        "trial_end": preview.trial_end,
        "effective_date": preview.next_invoice_date if preview.applies_at_period_end
        else preview.proration_date,
        "effective_date_display": _date(preview.next_invoice_date
                                        if preview.applies_at_period_end
                                        else preview.proration_date),
        "currency": cur,
        "amount_due": preview.amount_due,
        "amount_due_display": _money(preview.amount_due, cur),
        "total": preview.total,
        "credited": preview.credited,
        "credited_display": _money(preview.credited, cur),
        "balance_applied": preview.balance_applied,
        "other_pending": preview.other_pending,
        "other_pending_display": _money(preview.other_pending, cur),
        "card": payment_method_json(card),
        "lines": [{"kind": line.kind, "description": line_text(line, prices, discounts),
                   "amount": line.amount, "amount_display": _money(line.amount, cur)}
                  for line in lines],
        "next_invoice": {
            "date": preview.next_invoice_date,
            "date_display": _date(preview.next_invoice_date),
            "amount": next_amount,
            "amount_display": _money(next_amount, cur) if next_amount is not None else None,
        } if preview.next_invoice_date else None,
        "credit_shared": shared_credit,
        "summary": summary(preview, kind, new_price, plan.quantity, card, shared_credit),
        "proration_date": preview.proration_date,
        # what the confirm sends back, so a stale preview is refused instead of applied
        "expected_total": preview.total,
        "expected_amount_due": preview.amount_due,
    }
