"""The analytics computation (widget_server.analytics): MRR added, saved and lost with known
prices, interval normalisation, currencies kept apart, period boundaries, CSV safety."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from widget_server import analytics as an

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PRICES = {
    "pro_month": an.PriceInfo("usd", 2900, "month"),
    "pro_year": an.PriceInfo("usd", 29000, "year"),
    "starter_month": an.PriceInfo("usd", 900, "month"),
    "team_quarter": an.PriceInfo("usd", 3000, "month", 3),
    "weekly": an.PriceInfo("usd", 1200, "week"),
    "daily": an.PriceInfo("usd", 100, "day"),
    "eur_month": an.PriceInfo("eur", 1000, "month"),
    "jpy_month": an.PriceInfo("jpy", 1500, "month"),
    "once": an.PriceInfo("usd", 49900, None),
    "metered": an.PriceInfo("usd", None, "month"),
}
PERIOD = an.preset_period(30, NOW)


def rec(action: str, *, at: datetime = NOW, result: str = "ok", actor_type: str = "customer",
        **detail: Any) -> an.Record:
    return an.Record(at, actor_type, "cus_1", action, "sub_1", result, detail)


def items(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"price": p, "quantity": q} for p, q in pairs]


def report(*records: an.Record, period: an.Period = PERIOD) -> an.Report:
    return an.summarize(records, PRICES, period)


# --- interval normalisation --------------------------------------------------------------

@pytest.mark.parametrize(("price", "quantity", "monthly"), [
    ("pro_month", 1, Fraction(2900)),
    ("pro_month", 3, Fraction(8700)),
    ("pro_year", 1, Fraction(29000, 12)),
    ("team_quarter", 2, Fraction(2000)),  # every 3 months: a third a month
    ("weekly", 1, Fraction(1200 * 52, 12)),
    ("daily", 1, Fraction(100 * 365, 12)),
])
def test_monthly_amount_normalises_intervals(price: str, quantity: int,
                                             monthly: Fraction) -> None:
    assert an.monthly_amount(PRICES[price], quantity) == monthly


def test_no_monthly_amount_for_one_off_or_unit_less_prices() -> None:
    assert an.monthly_amount(PRICES["once"], 1) is None
    assert an.monthly_amount(PRICES["metered"], 1) is None
    assert an.monthly_amount(an.PriceInfo("usd", 100, "fortnight"), 1) is None


def test_items_mrr_sums_items_and_skips_one_offs() -> None:
    assert an.items_mrr(items(("pro_month", 1), ("once", 1), ("pro_year", 2)), PRICES) == {
        "usd": Fraction(2900) + Fraction(58000, 12)}
    assert an.items_mrr(items(("unknown", 1)), PRICES) is None
    assert an.items_mrr([], PRICES) is None
    assert an.items_mrr("junk", PRICES) is None
    assert an.items_mrr([{"price": "pro_month", "quantity": True}], PRICES) is None


# --- MRR added, saved, lost --------------------------------------------------------------

def test_cancel_loses_resume_saves_resubscribe_adds() -> None:
    result = report(
        rec(an.CANCEL, reason="too_expensive", items=items(("pro_month", 1))),
        rec(an.CANCEL, reason="unused", items=items(("pro_year", 1))),
        rec(an.RESUME, items=items(("pro_month", 1))),
        rec(an.RESUBSCRIBE, status="active", items=items(("starter_month", 2))),
    )
    assert result.mrr == {"usd": {"added": 1800, "saved": 2900, "lost": 2900 + 2417}}
    assert result.total_actions == 4


def test_yearly_amounts_are_summed_exactly_then_rounded_once() -> None:
    # 3 x 29000/12 = 7250 exactly; rounding each (2417) would give 7251
    result = report(*[rec(an.CANCEL, items=items(("pro_year", 1))) for _ in range(3)])
    assert result.mrr["usd"]["lost"] == 7250


def test_an_accepted_retention_offer_saves_and_is_counted() -> None:
    result = report(
        rec(an.OFFER_SHOWN, coupon="retention-50"),
        rec(an.OFFER_SHOWN, coupon="retention-50"),
        rec(an.DISCOUNT, retention=True, coupon="retention-50", items=items(("pro_month", 1))),
        rec(an.DISCOUNT, retention=False, code="WELCOME", items=items(("pro_month", 1))),
    )
    assert (result.offers_shown, result.offers_accepted) == (2, 1)
    assert result.mrr == {"usd": {"added": 0, "saved": 2900, "lost": 0}}


def test_plan_changes_up_and_down_add_and_lose_the_difference() -> None:
    result = report(
        rec("subscription.change_plan", from_price="starter_month", from_quantity=1,
            price="pro_month", quantity=None),
        rec("subscription.change_plan", from_price="pro_month", from_quantity=1,
            price="pro_year", quantity=1),
        rec("subscription.quantity", from_price="starter_month", from_quantity=5, quantity=3),
        rec("subscription.change_plan", from_price="pro_month", from_quantity=1,
            price="pro_month", quantity=1),
    )
    assert (result.changes_up, result.changes_down) == (1, 2)
    lost = Fraction(2900) - Fraction(29000, 12) + 1800
    assert result.mrr["usd"] == {"added": 2000, "saved": 0, "lost": an.round_minor(lost)}


def test_currencies_are_never_mixed() -> None:
    result = report(
        rec(an.CANCEL, items=items(("pro_month", 1))),
        rec(an.CANCEL, items=items(("eur_month", 2))),
        rec(an.RESUME, items=items(("jpy_month", 1))),
        rec("subscription.change_plan", from_price="eur_month", from_quantity=1,
            price="pro_month", quantity=1),
    )
    assert result.mrr == {
        "usd": {"added": 2900, "saved": 0, "lost": 2900},
        "eur": {"added": 0, "saved": 0, "lost": 3000},
        "jpy": {"added": 0, "saved": 1500, "lost": 0},
    }
    assert result.currencies == ["eur", "jpy", "usd"]
    assert (result.changes_up, result.changes_down) == (0, 0)  # across currencies: neither


def test_unknown_prices_are_counted_but_not_guessed() -> None:
    result = report(rec(an.CANCEL, reason="other", items=items(("gone", 1))),
                    rec("subscription.change_plan", from_price="gone", from_quantity=1,
                        price="pro_month"))
    assert result.mrr == {} and result.unpriced == 2
    assert result.reasons == {"other": 1}


def test_only_successful_customer_actions_count() -> None:
    result = report(
        rec(an.CANCEL, result="refused", items=items(("pro_month", 1))),
        rec(an.CANCEL, result="error", items=items(("pro_month", 1))),
        rec("dashboard.subscription.cancel_now", actor_type="owner",
            items=items(("pro_month", 1))),
        rec(an.RESUBSCRIBE, status="incomplete", items=items(("pro_month", 1))),
    )
    assert result.total_actions == 1  # the incomplete restart: counted, adds nothing yet
    assert result.mrr == {}


def test_opening_the_portal_is_a_session_not_an_action() -> None:
    result = report(rec("portal.session"), rec("portal.hosted_open"),
                    rec("payment_method.update"))
    assert result.sessions == 2
    assert result.total_actions == 1 and dict(result.actions_by_type) == {
        "payment_method.update": 1}
    assert [n for _d, n in result.actions_per_bucket if n] == [1]


def test_reasons_and_comments() -> None:
    result = report(
        rec(an.CANCEL, reason="too_expensive", comment="  Too pricey for us  ",
            items=items(("pro_month", 1))),
        rec(an.CANCEL, reason=None, comment=None, items=items(("pro_month", 1))),
        rec(an.CANCEL, reason="too_expensive", comment="", items=items(("pro_month", 1))),
    )
    assert result.reasons == {"too_expensive": 2, an.NO_REASON: 1}
    assert [(c[1], c[2]) for c in result.comments] == [("too_expensive", "Too pricey for us")]


# --- periods -----------------------------------------------------------------------------

def test_preset_period_includes_today_and_n_days() -> None:
    period = an.preset_period(7, NOW)
    assert period.start == datetime(2026, 6, 9, tzinfo=UTC)
    assert period.end == datetime(2026, 6, 16, tzinfo=UTC)
    assert period.days == 7 and len(period.buckets()) == 7
    with pytest.raises(an.PeriodError):
        an.preset_period(12, NOW)


def test_period_boundaries_start_inclusive_end_exclusive() -> None:
    period = an.custom_period("2026-03-01", "2026-03-31")
    inside = [datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)]
    outside = [datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)]
    result = report(*[rec(an.RESUME, at=t, items=items(("pro_month", 1)))
                      for t in inside + outside], period=period)
    assert result.total_actions == 2
    assert result.actions_per_bucket[0] == (date(2026, 3, 1), 1)
    assert result.actions_per_bucket[-1] == (date(2026, 3, 31), 1)
    assert len(result.actions_per_bucket) == 31


def test_naive_times_are_utc() -> None:
    period = an.custom_period("2026-03-01", "2026-03-01")
    assert period.contains(datetime(2026, 3, 1, 0, 0))
    assert not period.contains(datetime(2026, 3, 2, 0, 0))


def test_long_periods_are_shown_per_week() -> None:
    period = an.preset_period(90, NOW)
    buckets = period.buckets()
    assert period.bucket_days == 7 and len(buckets) == 13
    last = rec(an.RESUME, at=period.end - timedelta(seconds=1), items=items(("pro_month", 1)))
    result = report(last, period=period)
    assert result.actions_per_bucket[-1] == (buckets[-1], 1)


@pytest.mark.parametrize(("start", "end", "code"), [
    ("2026-13-01", "2026-12-31", "invalid_date"),
    ("", "2026-01-01", "invalid_date"),
    ("2026-02-01", "2026-01-01", "end_before_start"),
    ("2025-01-01", "2026-01-02", "range_too_long"),
])
def test_bad_custom_periods(start: str, end: str, code: str) -> None:
    with pytest.raises(an.PeriodError) as caught:
        an.custom_period(start, end)
    assert caught.value.code == code


# --- CSV ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_csv_cells_starting_like_formulas_are_quoted_as_text(text: str) -> None:
    assert an.csv_safe(text) == "'" + text
    assert an.csv_safe("plain") == "plain"


def test_csv_rows_one_per_effect_in_main_units() -> None:
    result = report(
        rec(an.CANCEL, reason="other", comment='=HYPERLINK("http://x")',
            items=items(("pro_month", 1), ("eur_month", 1))),
        rec(an.CANCEL, items=items(("jpy_month", 1))),
        rec(an.OFFER_SHOWN))
    lines = an.csv_rows(result)
    text = io.StringIO()
    csv.writer(text).writerows(lines)
    parsed = list(csv.reader(io.StringIO(text.getvalue())))
    assert parsed[0] == list(an.CSV_HEADER)
    assert [(r[1], r[7], r[8], r[9]) for r in parsed[1:]] == [
        (an.CANCEL, "lost", "EUR", "10.00"), (an.CANCEL, "lost", "USD", "29.00"),
        (an.CANCEL, "lost", "JPY", "1500"), (an.OFFER_SHOWN, "", "", "")]
    assert parsed[1][5] == "'" + '=HYPERLINK("http://x")'
    assert parsed[1][0] == "2026-06-15T12:00:00Z"


def test_referenced_prices() -> None:
    records = [rec(an.CANCEL, items=items(("a", 1), ("b", 2))),
               rec("subscription.change_plan", from_price="c", price="d")]
    assert an.referenced_prices(records) == {"a", "b", "c", "d"}
