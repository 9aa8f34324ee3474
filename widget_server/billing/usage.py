"""Usage and credit: metered subscription items with their usage so far, the next invoice's
estimate and a daily history; the customer's credit balance and billing credit grants.

Read lazily (its own portal request, only when the account shows it), so the calls here
never count against a portal view's budget. What each part costs:

- usage: the customers' live subscriptions (one call per customer), an invoice preview per
  subscription with a metered item (the estimate: what Stripe will charge, credits and
  balance applied), then each meter and its daily event summaries (two calls per meter);
- credit: per customer its balance (the customer), its latest balance transactions and its
  credit grants, then one credit balance summary per grant (what is left of it).

Stripe's "now" is the preview's `created` (a test clock or the sandbox's clock may run ahead
of this machine's), and the daily history ends with that day (UTC).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial

import stripe
from stripe.params import (
    CustomerBalanceTransactionListParams,
    InvoiceCreatePreviewParams,
    SubscriptionListParams,
)
from stripe.params.billing import (
    CreditBalanceSummaryRetrieveParams,
    CreditGrantListParams,
    MeterEventSummaryListParams,
)

from widget_server.billing.currencies import price_in
from widget_server.billing.domain import Price
from widget_server.billing.gateway import StripeGateway

log = logging.getLogger(__name__)
DAY = 86400
HISTORY_DAYS = 30
BALANCE_TRANSACTIONS = 5
# Stripe's list without a status filter includes incomplete_expired, and Stripe refuses to
# preview the next invoice of a subscription that will never bill again.
ENDED = ("canceled", "incomplete_expired")


@dataclass(frozen=True)
class UsageDay:
    start: int  # the UTC day's first second
    value: float


@dataclass(frozen=True)
class MeteredItem:
    """One metered subscription item: usage this period so far (as the next invoice bills
    it) and its meter's daily aggregates."""

    subscription_id: str
    item_id: str
    price_id: str
    product_id: str
    meter_id: str
    meter_name: str
    unit_amount: int | None
    currency: str
    period_start: int
    period_end: int
    usage: int  # the preview line's quantity
    amount: int  # the preview line's amount (before credits)
    history: tuple[UsageDay, ...]


@dataclass(frozen=True)
class UsageEstimate:
    """The next invoice of a subscription with metered items, as Stripe previews it."""

    subscription_id: str
    currency: str
    subtotal: int
    credits: int  # billing credits (grants) applied
    total: int
    balance_applied: int  # customer credit balance used (positive)
    amount_due: int
    date: int | None  # when Stripe will try to charge it
    # subtotal - discount + tax - credits - balance_applied + balance_added == amount_due
    discount: int = 0  # coupons and promotion codes
    tax: int = 0  # exclusive tax (inclusive tax is already in the subtotal)
    balance_added: int = 0  # a balance owed that the invoice adds (positive)


@dataclass(frozen=True)
class UsageOverview:
    items: tuple[MeteredItem, ...]
    estimates: tuple[UsageEstimate, ...]


@dataclass(frozen=True)
class BalanceTransaction:
    id: str
    amount: int  # negative is credit, as Stripe writes it
    currency: str
    type: str
    created: int
    description: str | None
    invoice_id: str | None


@dataclass(frozen=True)
class CreditGrant:
    id: str
    name: str | None
    currency: str
    amount: int
    remaining: int
    expires_at: int | None
    effective_at: int | None
    metered_only: bool  # scoped to metered prices (all of them, or the ones in price_ids)
    category: str
    price_ids: tuple[str, ...] = ()  # scoped to these (metered) prices only


@dataclass(frozen=True)
class CustomerCredit:
    customer_id: str
    balance: int  # Stripe's customer.balance: negative is credit toward the next invoice
    currency: str | None
    transactions: tuple[BalanceTransaction, ...]
    grants: tuple[CreditGrant, ...]


def _metered_items(sub: stripe.Subscription) -> list[stripe.SubscriptionItem]:
    return [i for i in sub["items"].data
            if i.price.recurring is not None and i.price.recurring.usage_type == "metered"
            and i.price.recurring.meter]


def _meter_of(item: stripe.SubscriptionItem) -> str:
    recurring = item.price.recurring
    return str(recurring.meter if recurring is not None else "")


def _customer_of(sub: stripe.Subscription) -> str:
    return sub.customer if isinstance(sub.customer, str) else sub.customer.id


def _subscriptions(gateway: StripeGateway, customer_id: str) -> list[stripe.Subscription]:
    params: SubscriptionListParams = {"customer": customer_id, "limit": 100}
    return [s for s in gateway.client.v1.subscriptions.list(params).data
            if s.status not in ENDED]


def _preview(gateway: StripeGateway, subscription_id: str) -> stripe.Invoice | None:
    """The next invoice; None when Stripe refuses to preview this subscription (it ended
    since it was listed), so one subscription never fails the whole usage read."""
    params: InvoiceCreatePreviewParams = {"subscription": subscription_id}
    try:
        return gateway.client.v1.invoices.create_preview(params)
    except stripe.InvalidRequestError as exc:
        log.warning("no preview for %s: %s", subscription_id, exc.code or exc.user_message)
        return None


def _history(gateway: StripeGateway, meter_id: str, customer_id: str,
             end: int) -> tuple[UsageDay, ...]:
    start = end - HISTORY_DAYS * DAY
    params: MeterEventSummaryListParams = {
        "customer": customer_id, "start_time": start, "end_time": end,
        "value_grouping_window": "day", "limit": 100}
    found = {s.start_time: float(s.aggregated_value) for s in
             gateway.client.v1.billing.meters.event_summaries.list(meter_id, params).data}
    return tuple(UsageDay(day, found.get(day, 0.0)) for day in range(start, end, DAY))


def _line_for(preview: stripe.Invoice, item_id: str) -> stripe.InvoiceLineItem | None:
    for line in preview.lines.data:
        details = line.parent.subscription_item_details if line.parent else None
        if details is not None and details.subscription_item == item_id and not details.proration:
            return line
    return None


def _estimate(sub_id: str, preview: stripe.Invoice) -> UsageEstimate:
    credits = sum(c.amount for c in preview.total_pretax_credit_amounts or []
                  if c.type == "credit_balance_transaction")
    return UsageEstimate(
        subscription_id=sub_id, currency=preview.currency, subtotal=preview.subtotal,
        credits=credits, total=preview.total,
        balance_applied=max(0, preview.total - preview.amount_due),
        amount_due=preview.amount_due, date=preview.next_payment_attempt,
        discount=sum(d.amount for d in preview.total_discount_amounts or []),
        tax=sum(t.amount for t in preview.total_taxes or [] if t.tax_behavior == "exclusive"),
        balance_added=max(0, preview.amount_due - preview.total))


def _unit_amount(item: stripe.SubscriptionItem, currency: str,
                 prices: Callable[[], Sequence[Price]]) -> int | None:
    """The item's unit amount in the subscription's currency: the item gives its price in its
    base currency; another currency's amount is the catalog's currency option (read only
    then), None when unknown (never an amount in another currency)."""
    if item.price.currency == currency:
        return item.price.unit_amount
    known = next((p for p in prices() if p.id == item.price.id), None)
    found = price_in(known, currency) if known is not None else None
    return found.unit_amount if found is not None else None


def usage_overview(gateway: StripeGateway, customer_ids: Sequence[str],
                   prices: Callable[[], Sequence[Price]] = tuple) -> UsageOverview:
    subs = [s for f in [gateway.submit(partial(_subscriptions, gateway, c))
                        for c in customer_ids] for s in gateway.wait(f)]
    metered = [(s, _metered_items(s)) for s in subs]
    metered = [(s, items) for s, items in metered if items]
    previews = {s.id: gateway.submit(partial(_preview, gateway, s.id)) for s, _ in metered}
    done = {sub_id: p for sub_id, f in previews.items() if (p := gateway.wait(f)) is not None}
    metered = [(s, items) for s, items in metered if s.id in done]
    meters: dict[str, Future[stripe.billing.Meter]] = {}
    histories: dict[tuple[str, str], Future[tuple[UsageDay, ...]]] = {}
    for sub, items in metered:
        end = done[sub.id].created // DAY * DAY + DAY
        for item in items:
            meter_id = _meter_of(item)
            if meter_id not in meters:
                meters[meter_id] = gateway.submit(
                    partial(_meter, gateway, meter_id))
            key = (meter_id, _customer_of(sub))
            if key not in histories:
                histories[key] = gateway.submit(partial(_history, gateway, *key, end))
    names = {m: gateway.wait(f).display_name for m, f in meters.items()}
    found: list[MeteredItem] = []
    for sub, items in metered:
        customer_id = _customer_of(sub)
        for item in items:
            meter_id = _meter_of(item)
            line = _line_for(done[sub.id], item.id)
            product = item.price.product
            found.append(MeteredItem(
                subscription_id=sub.id, item_id=item.id, price_id=item.price.id,
                product_id=product if isinstance(product, str) else product.id,
                meter_id=meter_id, meter_name=names[meter_id],
                unit_amount=_unit_amount(item, sub.currency, prices), currency=sub.currency,
                period_start=line.period.start if line else item.current_period_start,
                period_end=line.period.end if line else item.current_period_end,
                usage=int(line.quantity or 0) if line else 0,
                amount=line.amount if line else 0,
                history=gateway.wait(histories[(meter_id, customer_id)]),
            ))
    return UsageOverview(tuple(found),
                         tuple(_estimate(s.id, done[s.id]) for s, _ in metered))


def _transaction(t: stripe.CustomerBalanceTransaction) -> BalanceTransaction:
    invoice = t.invoice if isinstance(t.invoice, str) or t.invoice is None else t.invoice.id
    return BalanceTransaction(id=t.id, amount=t.amount, currency=t.currency, type=t.type,
                              created=t.created, description=t.description,
                              invoice_id=invoice)


def _grant_left(gateway: StripeGateway, customer_id: str, grant_id: str) -> int:
    params: CreditBalanceSummaryRetrieveParams = {
        "customer": customer_id, "filter": {"type": "credit_grant", "credit_grant": grant_id}}
    summary = gateway.client.v1.billing.credit_balance_summary.retrieve(params)
    return sum(b.available_balance.monetary.value for b in summary.balances
               if b.available_balance.monetary is not None)


def _grant(grant: stripe.billing.CreditGrant, remaining: int) -> CreditGrant:
    monetary = grant.amount.monetary
    scope = grant.applicability_config.scope
    return CreditGrant(
        id=grant.id, name=grant.name, currency=monetary.currency if monetary else "",
        amount=monetary.value if monetary else 0, remaining=remaining,
        expires_at=grant.expires_at, effective_at=grant.effective_at,
        metered_only=scope.price_type == "metered" or bool(scope.prices),
        category=grant.category,
        price_ids=tuple(p.id for p in scope.prices or [] if p.id))


def credit_overview(gateway: StripeGateway,
                    customer_ids: Sequence[str]) -> tuple[CustomerCredit, ...]:
    """Each customer's balance, latest balance transactions and live grants (what is left of
    each from its balance summary). Two rounds of concurrent calls, none nested."""
    first = [(gateway.submit(partial(_customer, gateway, c)),
              gateway.submit(partial(_transactions, gateway, c)),
              gateway.submit(partial(_grants, gateway, c)))
             for c in customer_ids]
    read = [(gateway.wait(c), gateway.wait(t),
             [g for g in gateway.wait(g) if g.voided_at is None]) for c, t, g in first]
    left = {g.id: gateway.submit(partial(_grant_left, gateway, customer.id, g.id))
            for customer, _, grants in read for g in grants}
    return tuple(CustomerCredit(
        customer_id=customer.id, balance=customer.balance or 0, currency=customer.currency,
        transactions=tuple(_transaction(t) for t in txns),
        grants=tuple(_grant(g, gateway.wait(left[g.id])) for g in grants))
        for customer, txns, grants in read)


def _meter(gateway: StripeGateway, meter_id: str) -> stripe.billing.Meter:
    return gateway.client.v1.billing.meters.retrieve(meter_id)


def _customer(gateway: StripeGateway, customer_id: str) -> stripe.Customer:
    return gateway.client.v1.customers.retrieve(customer_id)


def _transactions(gateway: StripeGateway,
                  customer_id: str) -> list[stripe.CustomerBalanceTransaction]:
    params: CustomerBalanceTransactionListParams = {"limit": BALANCE_TRANSACTIONS}
    return list(gateway.client.v1.customers.balance_transactions.list(customer_id, params).data)


def _grants(gateway: StripeGateway, customer_id: str) -> list[stripe.billing.CreditGrant]:
    params: CreditGrantListParams = {"customer": customer_id, "limit": 100}
    return list(gateway.client.v1.billing.credit_grants.list(params).data)
