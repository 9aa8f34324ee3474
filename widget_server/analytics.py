"""Portal analytics from the audit trail and the prices: pure computation, no Flask, no Stripe.

What each customer action in the portal means for monthly recurring revenue (MRR), by currency
(amounts of different currencies are never added together):

- added: a resubscribe (the new subscription's MRR), the increase of a plan or quantity change;
- saved: a resumed cancellation, an accepted retention offer (the subscription's MRR);
- lost: a cancellation (now or at period end), the decrease of a plan or quantity change.

MRR is the list price: ``unit_amount * quantity`` normalised to one month (a year is 12
months, a month 52/12 weeks and 365/12 days), before discounts and taxes.
Only successful (``ok``) actions of customers count (opening the portal is counted apart, as
a session); sums are exact fractions, rounded once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from widget_server.stripe_schema.currencies import minor_units

PRESET_DAYS = (7, 30, 90)
MAX_RANGE_DAYS = 366
DAILY_BUCKETS_UP_TO = 31  # longer periods are shown per week

CANCEL = "subscription.cancel"
RESUME = "subscription.resume"
RESUBSCRIBE = "subscription.resubscribe"
DISCOUNT = "subscription.discount"
OFFER_SHOWN = "subscription.retention_offer"
PLAN_CHANGES = ("subscription.change_plan", "subscription.quantity")
SESSIONS = ("portal.session", "portal.hosted_open")  # the portal opened: visits, not actions

ADDED, SAVED, LOST = "added", "saved", "lost"
NO_REASON = "none"

_MONTHS_PER_INTERVAL = {
    "month": Fraction(1),
    "year": Fraction(12),
    "week": Fraction(12, 52),
    "day": Fraction(12, 365),
}


class PeriodError(ValueError):
    """A custom period that cannot be used; ``code`` says why (the web layer words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PriceInfo:
    """What MRR needs of a price (amounts in the currency's smallest unit, as Stripe has)."""

    currency: str
    unit_amount: int | None
    interval: str | None  # None: a one-off price, which adds no MRR
    interval_count: int = 1


@dataclass(frozen=True)
class Record:
    """One audit row, as the analytics read it."""

    at: datetime
    actor_type: str
    actor: str
    action: str
    target: str
    result: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def bucket_days(self) -> int:
        return 1 if self.days <= DAILY_BUCKETS_UP_TO else 7

    def contains(self, moment: datetime) -> bool:
        return self.start <= _utc(moment) < self.end

    def buckets(self) -> list[date]:
        step = timedelta(days=self.bucket_days)
        found, cursor = [], self.start
        while cursor < self.end:
            found.append(cursor.date())
            cursor += step
        return found

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


@dataclass(frozen=True)
class Effect:
    """One action's MRR effect in one currency (``amount`` in the smallest unit, exact)."""

    kind: str  # added | saved | lost
    currency: str
    amount: Fraction


@dataclass(frozen=True)
class Row:
    """One counted action, for the CSV export."""

    record: Record
    effects: tuple[Effect, ...] = ()
    direction: str = ""  # up | down for plan changes


@dataclass
class Report:
    period: Period
    actions_per_bucket: list[tuple[date, int]] = field(default_factory=list)
    actions_by_type: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    comments: list[tuple[datetime, str, str, str]] = field(default_factory=list)
    sessions: int = 0  # times the portal was opened
    offers_shown: int = 0
    offers_accepted: int = 0
    changes_up: int = 0
    changes_down: int = 0
    unpriced: int = 0  # counted actions whose prices are unknown (no MRR for them)
    mrr: dict[str, dict[str, int]] = field(default_factory=dict)  # currency -> kind -> amount
    rows: list[Row] = field(default_factory=list)

    @property
    def total_actions(self) -> int:
        return sum(self.actions_by_type.values())

    @property
    def currencies(self) -> list[str]:
        return sorted(self.mrr)


# --- periods -----------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def preset_period(days: int, now: datetime) -> Period:
    """The last `days` days, today (UTC) included."""
    if days not in PRESET_DAYS:
        raise PeriodError("unknown_period")
    end = midnight(_utc(now).date() + timedelta(days=1))
    return Period(end - timedelta(days=days), end)


def custom_period(start: str, end: str) -> Period:
    """From `start` to `end` (ISO dates, both days included, UTC)."""
    try:
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError:
        raise PeriodError("invalid_date") from None
    if last < first:
        raise PeriodError("end_before_start")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError("range_too_long")
    return Period(midnight(first), midnight(last + timedelta(days=1)))


# --- money -------------------------------------------------------------------------------

@lru_cache(maxsize=4096)  # the same few prices and quantities recur in every report
def monthly_amount(price: PriceInfo, quantity: int) -> Fraction | None:
    """The price's amount per month for `quantity` (None when it has no fixed recurring
    amount: one-off, metered or tiered without a unit amount)."""
    if price.interval is None or price.unit_amount is None:
        return None
    months = _MONTHS_PER_INTERVAL.get(price.interval)
    if months is None or price.interval_count < 1:
        return None
    return Fraction(price.unit_amount * quantity) / (months * price.interval_count)


def items_mrr(items: object, prices: Mapping[str, PriceInfo]) -> dict[str, Fraction] | None:
    """MRR of a subscription's items (``[{"price", "quantity"}]``) per currency, or None when
    a price is unknown (then the action is counted, but its money is not guessed)."""
    if not isinstance(items, list) or not items:
        return None
    total: dict[str, Fraction] = {}
    for item in items:
        if not isinstance(item, Mapping):
            return None
        price = prices.get(str(item.get("price")))
        quantity = item.get("quantity", 1)
        if price is None or not isinstance(quantity, int) or isinstance(quantity, bool):
            return None
        amount = monthly_amount(price, quantity)
        if amount is None:
            continue  # a one-off item of the subscription adds nothing per month
        known = total.get(price.currency)
        total[price.currency] = amount if known is None else known + amount
    return total


def round_minor(amount: Fraction) -> int:
    exact = Decimal(amount.numerator) / Decimal(amount.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@lru_cache(maxsize=256)
def _digits(currency: str) -> int:
    return minor_units(currency)  # Stripe's minor units, not CLDR's (ISK, UGX)


def major_units(amount: int, currency: str) -> str:
    """An amount in the smallest unit as a plain decimal in the main unit ("12.50")."""
    digits = _digits(currency)
    return str((Decimal(amount) / (Decimal(10) ** digits)).quantize(Decimal(10) ** -digits))


def referenced_prices(records: Iterable[Record]) -> set[str]:
    """Every price id the records name (to look up before summarising)."""
    found: set[str] = set()
    for record in records:
        detail = record.detail
        for item in detail.get("items") or ():
            if isinstance(item, Mapping) and isinstance(item.get("price"), str):
                found.add(item["price"])
        for key in ("from_price", "price"):
            if isinstance(detail.get(key), str):
                found.add(detail[key])
    return found


# --- the report --------------------------------------------------------------------------

def _effects(kind: str, amounts: Mapping[str, Fraction]) -> tuple[Effect, ...]:
    return tuple(Effect(kind, currency, amount) for currency, amount in sorted(amounts.items())
                 if amount)


def _plan_change(detail: Mapping[str, Any], prices: Mapping[str, PriceInfo],
                 ) -> tuple[str, tuple[Effect, ...]] | None:
    """("up" | "down" | "", effects) of a plan or quantity change, None when unpriced."""
    from_price, from_quantity = detail.get("from_price"), detail.get("from_quantity")
    to_price = detail.get("price") or from_price
    to_quantity = detail.get("quantity") or from_quantity
    if not isinstance(from_quantity, int) or not isinstance(to_quantity, int):
        return None
    before = items_mrr([{"price": from_price, "quantity": from_quantity}], prices)
    after = items_mrr([{"price": to_price, "quantity": to_quantity}], prices)
    if before is None or after is None:
        return None
    if set(before) != set(after) or len(before) > 1:
        # another currency: what it was is lost, what it is now is added
        return "", _effects(LOST, before) + _effects(ADDED, after)
    currency = next(iter(before), None)
    if currency is None:
        return "", ()
    delta = after[currency] - before[currency]
    if delta > 0:
        return "up", (Effect(ADDED, currency, delta),)
    if delta < 0:
        return "down", (Effect(LOST, currency, -delta),)
    return "", ()


def _count(report: Report, record: Record, prices: Mapping[str, PriceInfo]) -> Row:
    detail, action = record.detail, record.action
    if action == OFFER_SHOWN:
        report.offers_shown += 1
        return Row(record)
    mrr = items_mrr(detail.get("items"), prices)
    kind = {CANCEL: LOST, RESUME: SAVED, RESUBSCRIBE: ADDED}.get(action)
    if action == CANCEL:
        reason = str(detail.get("reason") or NO_REASON)
        report.reasons[reason] += 1
        comment = detail.get("comment")
        if isinstance(comment, str) and comment.strip():
            report.comments.append((record.at, reason, comment.strip(), record.target))
    if action == DISCOUNT:
        if detail.get("retention") is not True:
            return Row(record)
        report.offers_accepted += 1
        kind = SAVED
    if action in PLAN_CHANGES:
        change = _plan_change(detail, prices)
        if change is None:
            report.unpriced += 1
            return Row(record)
        direction, effects = change
        report.changes_up += direction == "up"
        report.changes_down += direction == "down"
        return Row(record, effects, direction)
    if kind is None or (action == RESUBSCRIBE
                        and detail.get("status") not in ("active", "trialing")):
        return Row(record)  # an incomplete restart adds nothing until it is paid
    if mrr is None:
        report.unpriced += 1
        return Row(record)
    return Row(record, _effects(kind, mrr))


def summarize(records: Iterable[Record], prices: Mapping[str, PriceInfo],
              period: Period) -> Report:
    """Everything the analytics page shows for `period`, from the account's audit rows."""
    report = Report(period)
    buckets = period.buckets()
    per_bucket = Counter[date]()
    exact: dict[str, dict[str, Fraction]] = {}
    chosen = sorted((r for r in records if r.actor_type == "customer" and r.result == "ok"
                     and period.contains(r.at)), key=lambda r: _utc(r.at))
    for record in chosen:
        if record.action in SESSIONS:
            report.sessions += 1
            continue
        report.actions_by_type[record.action] += 1
        index = (_utc(record.at) - period.start).days // period.bucket_days
        per_bucket[buckets[index]] += 1
        row = _count(report, record, prices)
        report.rows.append(row)
        for effect in row.effects:
            by_kind = exact.setdefault(effect.currency, {})
            by_kind[effect.kind] = by_kind.get(effect.kind, Fraction(0)) + effect.amount
    report.actions_per_bucket = [(day, per_bucket[day]) for day in buckets]
    report.mrr = {currency: {kind: round_minor(by_kind.get(kind, Fraction(0)))
                             for kind in (ADDED, SAVED, LOST)}
                  for currency, by_kind in exact.items()}
    return report


# --- CSV ---------------------------------------------------------------------------------

CSV_HEADER = ("time_utc", "action", "customer", "subscription", "reason", "comment",
              "change", "effect", "currency", "mrr_amount")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading ``'``
    (OWASP's advice against CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_rows(report: Report) -> list[Sequence[str]]:
    """The header and one line per counted action and MRR effect (amounts are unsigned, in the
    currency's main unit; the effect column says added, saved or lost)."""
    lines: list[Sequence[str]] = [CSV_HEADER]
    for row in report.rows:
        record = row.record
        base = [
            _utc(record.at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            record.action,
            record.actor,
            record.target,
            str(record.detail.get("reason") or "") if record.action == CANCEL else "",
            str(record.detail.get("comment") or "") if record.action == CANCEL else "",
            row.direction,
        ]
        effects = row.effects or (None,)
        for effect in effects:
            money = ([effect.kind, effect.currency.upper(),
                      major_units(round_minor(effect.amount), effect.currency)]
                     if effect is not None else ["", "", ""])
            lines.append([csv_safe(cell) for cell in (*base, *money)])
    return lines
