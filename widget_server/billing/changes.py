"""Plan and quantity changes: one set of parameters for the preview and the confirm.

An ``ItemChangePlan`` is what a change sends to Stripe. ``invoices.create_preview`` gets its
``subscription_details`` and ``subscriptions.update`` its update parameters, built from the same
fields (items, proration behaviour, proration date, billing cycle anchor), so what the preview
says is what the update does:

- now: ``proration_behavior=always_invoice`` invoices the change at once (a charge for the
  rest of the period, or a credit to the customer's balance) and
  ``payment_behavior=pending_if_incomplete`` applies it only when that invoice is paid (a
  declined card or a 3-D Secure step leaves the subscription as it was, with a
  ``pending_update``). A change of interval also restarts the billing cycle now
  (``billing_cycle_anchor[type]=now``, a hash in this API version): the invoice credits the
  unused time and charges a new period.
- at period end: nothing is charged now; the next invoice bills the new plan.
- in a trial: the items change now with ``proration_behavior=none`` and the billing cycle
  anchor unchanged. A trial is free, so there is no paid time to credit or charge (Stripe
  prorates paid time only), and API 2026-10-28 refuses an anchor before ``trial_end``
  (``subscription_update_trial_after_billing_cycle_anchor``). The trial continues; its end
  invoices the new plan, whatever its interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe
from stripe.params import (
    InvoiceCreatePreviewParamsSubscriptionDetails,
    InvoiceCreatePreviewParamsSubscriptionDetailsItem,
    SubscriptionUpdateParams,
)

from widget_server.billing.domain import Subscription, SubscriptionItem


@dataclass(frozen=True)
class ItemChangePlan:
    subscription: Subscription
    item: SubscriptionItem
    price_id: str
    quantity: int
    at_period_end: bool
    proration_date: int | None  # None at period end
    restarts_cycle: bool  # an interval change: billing_cycle_anchor=now
    in_trial: bool = False  # applies now, billed from the trial's end (nothing due now)

    def preview_details(self) -> InvoiceCreatePreviewParamsSubscriptionDetails:
        items: list[InvoiceCreatePreviewParamsSubscriptionDetailsItem] = [
            {"id": self.item.id, "price": self.price_id, "quantity": self.quantity}]
        if self.at_period_end or self.in_trial:
            return {"items": items, "proration_behavior": "none"}
        details: InvoiceCreatePreviewParamsSubscriptionDetails = {
            "items": items, "proration_behavior": "always_invoice"}
        if self.proration_date is not None:
            details["proration_date"] = self.proration_date
        if self.restarts_cycle:
            details["billing_cycle_anchor"] = {"type": "now"}
        return details

    def renewal_details(self) -> InvoiceCreatePreviewParamsSubscriptionDetails:
        """The next renewal on the new price, without this change's prorations."""
        return {"items": [{"id": self.item.id, "price": self.price_id,
                           "quantity": self.quantity}],
                "proration_behavior": "none"}

    def update_params(self) -> SubscriptionUpdateParams:
        """The same fields as ``preview_details``, applied only once the invoice is paid."""
        params: SubscriptionUpdateParams = {
            "items": [{"id": self.item.id, "price": self.price_id, "quantity": self.quantity}]}
        if not self.in_trial:  # a trial change creates no invoice to wait for
            params["payment_behavior"] = "pending_if_incomplete"
        if self.at_period_end or self.in_trial:
            params["proration_behavior"] = "none"
            return params
        params["proration_behavior"] = "always_invoice"
        if self.proration_date is not None:
            params["proration_date"] = self.proration_date
        if self.restarts_cycle:
            params["billing_cycle_anchor"] = {"type": "now"}
        return params


@dataclass(frozen=True)
class PreviewLine:
    # credit (unused time) | charge (remaining time) | period (a new period) | discount (the
    # invoice's discounts, one line each) | balance (account credit used for the invoice)
    kind: str
    amount: int
    price_id: str | None
    quantity: int
    period_start: int
    period_end: int
    this_change: bool  # False: an earlier pending item Stripe bills with it
    description: str  # Stripe's own text (never shown: the portal writes its own)


@dataclass(frozen=True)
class ChangePreview:
    """What a change will do, from ``invoices.create_preview``."""

    currency: str
    applies_at_period_end: bool
    proration_date: int | None
    total: int  # the invoice the change creates now (negative: a credit); 0 at period end
    amount_due: int  # charged now, after the customer's balance
    balance_applied: int  # credit from the balance used for this invoice (>= 0)
    credited: int  # credit this change adds to the customer's balance (>= 0)
    lines: tuple[PreviewLine, ...]
    next_invoice_date: int | None
    next_invoice_amount: int | None  # None when Stripe cannot say yet (a new cycle)
    trial_end: int | None = None  # a change in a trial: the trial continues until then
    balance_after: int = 0  # the customer's balance after this invoice (negative: credit)

    @property
    def other_pending(self) -> int:
        return sum(line.amount for line in self.lines if not line.this_change)


def _get(obj: Any, name: str) -> Any:
    return obj[name] if obj is not None and name in obj else None


def proration_now(item: SubscriptionItem, now: int | None = None) -> int:
    """"Now", clamped into the item's current period (Stripe refuses dates outside it)."""
    moment = int(time.time()) if now is None else now
    return max(item.current_period_start, min(moment, item.current_period_end - 1))


def preview_line(line: stripe.InvoiceLineItem, plan: ItemChangePlan) -> PreviewLine:
    parent = _get(line, "parent")
    details = _get(parent, "subscription_item_details")
    proration = bool(_get(details, "proration"))
    item_id = _get(details, "subscription_item")
    pricing = _get(line, "pricing")
    price = _get(_get(pricing, "price_details"), "price")
    period = _get(line, "period")
    start = int(_get(period, "start") or 0)
    amount = int(line.amount)
    if proration:
        kind = "credit" if amount < 0 else "charge"
        this = item_id == plan.item.id and start == plan.proration_date
    else:
        kind = "period"
        this = plan.restarts_cycle or plan.at_period_end
    return PreviewLine(kind=kind, amount=amount, price_id=price if isinstance(price, str) else
                       _get(price, "id"), quantity=int(_get(line, "quantity") or 1),
                       period_start=start, period_end=int(_get(period, "end") or 0),
                       this_change=this, description=str(_get(line, "description") or ""))


def discount_lines(invoice: stripe.Invoice) -> list[PreviewLine]:
    """The invoice's discounts (``total_discount_amounts``) as negative lines, so the lines
    add up to its total; `price_id` carries the discount's id."""
    found = []
    for entry in _get(invoice, "total_discount_amounts") or ():
        amount = int(_get(entry, "amount") or 0)
        if amount:
            discount = _get(entry, "discount")
            found.append(PreviewLine(
                kind="discount", amount=-amount, price_id=discount if isinstance(
                    discount, str) else _get(discount, "id"), quantity=1, period_start=0,
                period_end=0, this_change=True, description=""))
    return found


def _embedded_lines(invoice: stripe.Invoice) -> list[stripe.InvoiceLineItem]:
    return list(invoice.lines.data)


def preview_from_invoices(
    plan: ItemChangePlan, now_invoice: stripe.Invoice | None, renewal: stripe.Invoice | None,
    lines_of: Callable[[stripe.Invoice], list[stripe.InvoiceLineItem]] = _embedded_lines,
) -> ChangePreview:
    """Combine the invoice the change creates now and the next renewal into one preview.

    `lines_of` gives every line of an invoice: Stripe embeds the first 10 only, so the writer
    passes a function that pages through the rest."""
    sub = plan.subscription
    if plan.in_trial:  # nothing now: the first invoice after the trial bills the new plan
        assert renewal is not None
        return ChangePreview(
            currency=renewal.currency, applies_at_period_end=False, proration_date=None,
            total=0, amount_due=0, balance_applied=0, credited=0, lines=(),
            next_invoice_date=sub.trial_end, next_invoice_amount=int(renewal.amount_due),
            trial_end=sub.trial_end,
            balance_after=int(_get(renewal, "starting_balance") or 0))
    if plan.at_period_end or now_invoice is None:
        assert renewal is not None
        return ChangePreview(
            currency=renewal.currency, applies_at_period_end=True, proration_date=None,
            total=0, amount_due=0, balance_applied=0, credited=0,
            lines=tuple([preview_line(line, plan) for line in lines_of(renewal)]
                        + discount_lines(renewal)),
            next_invoice_date=sub.current_period_end,
            next_invoice_amount=int(renewal.amount_due),
            balance_after=int(_get(renewal, "starting_balance") or 0))
    total = int(now_invoice.total)
    balance = int(_get(now_invoice, "starting_balance") or 0)  # negative: credit held
    due = int(now_invoice.amount_due)
    new_balance = min(total + balance, 0)
    applied = max(0, min(-balance, total)) if balance < 0 and total > 0 else 0
    # the lines add up to what is due now: items, discounts, then the credit used
    lines = tuple([preview_line(line, plan) for line in lines_of(now_invoice)]
                  + discount_lines(now_invoice) + ([PreviewLine(
                      kind="balance", amount=-applied, price_id=None, quantity=1,
                      period_start=0, period_end=0, this_change=True, description="")]
                      if applied else []))
    if plan.restarts_cycle:
        ends = [line.period_end for line in lines if line.kind == "period"]
        next_date = max(ends) if ends else None
        next_amount = None
    else:
        next_date = sub.current_period_end
        # the renewal preview still lists earlier pending items, which always_invoice bills
        # now with this change: they are not part of the next invoice
        pending = (sum(line.amount for line in (preview_line(x, plan) for x in
                                                 lines_of(renewal)) if line.kind != "period")
                   if renewal is not None else 0)
        next_amount = (max(0, int(renewal.total) - pending + new_balance)
                       if renewal is not None else None)
    return ChangePreview(
        currency=now_invoice.currency, applies_at_period_end=False,
        proration_date=plan.proration_date, total=total, amount_due=due,
        balance_applied=applied,
        credited=-total if total < 0 else 0, lines=lines,
        next_invoice_date=next_date, next_invoice_amount=next_amount,
        balance_after=new_balance)
