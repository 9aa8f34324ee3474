"""The analytics page and its CSV export: what customers did in the portal, and the monthly
recurring revenue it added, saved and lost, over a period the owner picks.

The numbers come from ``widget_server.analytics`` (pure) fed with the account's audit rows and
its Stripe prices; the charts are SVG drawn by the template from ``dashboard.charts``, each
with a title, a description and a data table with the same numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from widget_server import analytics as an
from widget_server.billing.domain import Price
from widget_server.billing.errors import BillingError
from widget_server.dashboard import bp, charts
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.customers import owner_billing
from widget_server.dashboard.views import _owned_account
from widget_server.db import get_session
from widget_server.i18n import N_, _, format_date, format_money, text_direction
from widget_server.models import Account, AuditEvent, utcnow

MAX_ROWS = 100_000
MAX_PRICE_LOOKUPS = 50
COMMENTS_SHOWN = 20

ACTION_LABELS = {
    "subscription.cancel": N_("Cancel"),
    "subscription.resume": N_("Resume"),
    "subscription.resubscribe": N_("Resubscribe"),
    "subscription.change_plan": N_("Change plan"),
    "subscription.quantity": N_("Change quantity"),
    "subscription.discount": N_("Apply a discount"),
    "subscription.retention_offer": N_("Retention offer shown"),
    "subscription.pause": N_("Pause"),
    "subscription.unpause": N_("Unpause"),
    "subscription.cancel_change": N_("Cancel a scheduled change"),
    "payment_method.update": N_("Update card"),
    "payment_method.setup_intent": N_("Start a card update"),
    "payment_method.remove": N_("Remove a card"),
    "invoice.pay": N_("Pay an invoice"),
    "customer.update": N_("Update billing details"),
    "customer.tax_id.create": N_("Add a tax ID"),
    "customer.tax_id.delete": N_("Remove a tax ID"),
}
# Stripe's cancellation feedback values (cancellation_details.feedback)
REASON_LABELS = {
    "customer_service": N_("Customer service was worse than expected"),
    "low_quality": N_("Quality was worse than expected"),
    "missing_features": N_("Some features are missing"),
    "other": N_("Other reason"),
    "switched_service": N_("Switched to another service"),
    "too_complex": N_("Ease of use was worse than expected"),
    "too_expensive": N_("It is too expensive"),
    "unused": N_("Not used enough"),
    an.NO_REASON: N_("No reason given"),
}
KIND_LABELS = {an.ADDED: N_("Added"), an.SAVED: N_("Saved"), an.LOST: N_("Lost")}
PERIOD_ERRORS = {
    "invalid_date": N_("Enter both dates as YYYY-MM-DD."),
    "end_before_start": N_("The end date is before the start date."),
    "range_too_long": N_("A period can be at most 366 days."),
    "unknown_period": N_("Choose 7, 30 or 90 days, or a custom range."),
}


def _period() -> tuple[an.Period, str, str | None]:
    """The period asked for (default: 30 days), its choice, and an error message."""
    choice = request.args.get("period", "30")
    fallback = an.preset_period(30, utcnow())
    try:
        if choice == "custom":
            return (an.custom_period(request.args.get("start", ""),
                                     request.args.get("end", "")), choice, None)
        days = int(choice) if choice.isdigit() else 0
        return an.preset_period(days, utcnow()), choice, None
    except an.PeriodError as exc:
        return fallback, choice, _(PERIOD_ERRORS[exc.code])


def _records(account: Account, period: an.Period) -> list[an.Record]:
    rows = get_session().scalars(
        select(AuditEvent)
        .where(AuditEvent.account_id == account.id,
               AuditEvent.actor_type == "customer",
               AuditEvent.result == "ok",
               AuditEvent.created_at >= period.start,
               AuditEvent.created_at < period.end)
        .order_by(AuditEvent.created_at, AuditEvent.id)
        .limit(MAX_ROWS))
    return [an.Record(row.created_at, row.actor_type, row.actor, row.action, row.target,
                      row.result, row.detail or {}) for row in rows]


def _price_info(price: Price) -> an.PriceInfo:
    return an.PriceInfo(price.currency, price.unit_amount, price.interval, price.interval_count)


def _prices(account: Account, wanted: set[str]) -> tuple[dict[str, an.PriceInfo], bool]:
    """The prices the records name (the cached catalog first, then one read per other price);
    False when Stripe could not be asked (the page then shows counts without money)."""
    if not wanted:
        return {}, True
    billing = owner_billing(account)
    try:
        found = {p.id: _price_info(p) for p in billing.catalog.prices() if p.id in wanted}
        for price_id in sorted(wanted - set(found))[:MAX_PRICE_LOOKUPS]:
            price = billing.price(price_id)
            if price is not None:
                found[price_id] = _price_info(price)
    except BillingError:
        return {}, False
    return found, True


def _report(account: Account) -> tuple[an.Report, str, str | None, bool]:
    period, choice, error = _period()
    records = _records(account, period)
    prices, priced = _prices(account, an.referenced_prices(records))
    return an.summarize(records, prices, period), choice, error, priced


def _charts(report: an.Report) -> dict[str, Any]:
    locale = str(g.get("locale", "en"))
    rtl = text_direction(locale) == "rtl"

    def day(value: Any) -> str:
        return format_date(int(an.midnight(value).timestamp()), locale)

    over_time = [(day(d), float(n), str(n)) for d, n in report.actions_per_bucket]
    reasons = [(_(REASON_LABELS.get(r, r)), float(n), str(n))
               for r, n in report.reasons.most_common()]
    offers = [(_("Offers shown"), float(report.offers_shown), str(report.offers_shown)),
              (_("Offers accepted"), float(report.offers_accepted),
               str(report.offers_accepted))]
    changes = [(_("Upgrades"), float(report.changes_up), str(report.changes_up)),
               (_("Downgrades"), float(report.changes_down), str(report.changes_down))]
    mrr = {}
    for currency in report.currencies:
        amounts = report.mrr[currency]
        mrr[currency] = charts.rows(
            [(_(KIND_LABELS[k]), float(amounts[k]), format_money(amounts[k], currency, locale))
             for k in (an.ADDED, an.SAVED, an.LOST)], rtl=rtl, tones=["good", "a", "bad"])
    return {
        "over_time": charts.columns(over_time, rtl=rtl), "over_time_points": over_time,
        "reasons": charts.rows(reasons, rtl=rtl),
        "offers": charts.rows(offers, rtl=rtl, tones=["a", "good"]),
        "changes": charts.rows(changes, rtl=rtl, tones=["good", "bad"]),
        "mrr": mrr,
    }


@bp.route("/accounts/<public_id>/analytics")
@login_required
def analytics(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    report, choice, error, priced = _report(account)
    locale = str(g.get("locale", "en"))
    return render_template(
        "dashboard/analytics.html", account=account, report=report, choice=choice,
        period_error=error, priced=priced, presets=an.PRESET_DAYS,
        start=request.args.get("start", report.period.start.date().isoformat()),
        end=request.args.get("end", report.period.last_day.isoformat()),
        first_day=format_date(int(report.period.start.timestamp()), locale),
        last_day=format_date(int(an.midnight(report.period.last_day).timestamp()), locale),
        comments=list(reversed(report.comments))[:COMMENTS_SHOWN],
        action_label=lambda a: _(ACTION_LABELS[a]) if a in ACTION_LABELS else a,
        reason_label=lambda r: _(REASON_LABELS[r]) if r in REASON_LABELS else r,
        kind_label=lambda k: _(KIND_LABELS[k]),
        money=lambda amount, currency: format_money(amount, currency, locale),
        date_of=lambda moment: format_date(int(moment.timestamp()), locale),
        **_charts(report),
    ), 400 if error else 200


@bp.route("/accounts/<public_id>/analytics.csv")
@login_required
def analytics_csv(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    report, _choice, error, _priced = _report(account)
    if error:
        return Response(error + "\n", status=400, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(an.csv_rows(report))
    name = (f"portal-analytics-{account.public_id}-{report.period.start.date().isoformat()}"
            f"-{report.period.last_day.isoformat()}.csv")
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
