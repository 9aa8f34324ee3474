"""The analytics page and its CSV export, fed by real portal actions against the sandbox."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.owner_fixtures import BASE, Owned, page
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.models import AuditEvent, utcnow


@pytest.fixture
def activity(portal: Portal, owned: Owned) -> Portal:
    """Ana is shown the retention offer, cancels with a reason and a comment, then resumes."""
    portal.configure(cancellation=True, cancellation_reason=True, undo_cancel=True,
                     retention_offer=True, retention_coupon="retention-50")
    offer = portal.call("GET", "/v1/portal/retention_offer?subscription=sub_demo_ana")
    assert offer.get_json()["offer"] is not None
    cancel = portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel", json={
        "reason": "too_expensive", "comment": "=HYPERLINK(\"http://evil.test\") <b>x</b>"})
    assert cancel.status_code == 200, cancel.get_json()
    assert portal.post("/v1/portal/subscriptions/sub_demo_ana/resume",
                       json={}).status_code == 200
    return portal


def test_portal_audit_rows_carry_what_the_analytics_need(activity: Portal) -> None:
    cancel = activity.audit("subscription.cancel")[-1]
    assert cancel.detail["items"] == [{"price": "price_pro_monthly", "quantity": 1}]
    assert cancel.detail["reason"] == "too_expensive"
    assert cancel.detail["comment"].startswith("=HYPERLINK")
    assert activity.audit("subscription.resume")[-1].detail["items"][0]["quantity"] == 1
    assert activity.audit("subscription.retention_offer")[-1].detail == {
        "coupon": "retention-50"}


def test_the_page_draws_every_chart_with_its_table(dash: FlaskClient,
                                                   owned: Owned,
                                                   activity: Portal) -> None:
    html = page(dash, f"{BASE}/{owned.public_id}/analytics?period=7")
    for chart in ("chart-mrr-usd", "chart-actions", "chart-reasons", "chart-offers",
                  "chart-changes"):
        assert f'<svg class="chart" id="{chart}"' in html
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    assert html.count("<rect class=\"bar") >= 7 + 3 + 1 + 2 + 2
    assert "Added $0.00, saved $29.00, lost $29.00 per month." in html
    assert "It is too expensive" in html
    assert "=HYPERLINK(&#34;http://evil.test&#34;) &lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html
    assert "<script" not in html.split("</head>")[1]
    assert "3 portal actions in this period." in html
    assert "1 shown, 0 accepted." in html


def test_csv_export(dash: FlaskClient, owned: Owned, activity: Portal) -> None:
    response = dash.get(f"{BASE}/{owned.public_id}/analytics.csv?period=30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["time_utc", "action", "customer"]
    body = {(r[1], r[7], r[8], r[9]) for r in rows[1:]}
    assert ("subscription.cancel", "lost", "USD", "29.00") in body
    assert ("subscription.resume", "saved", "USD", "29.00") in body
    cancel = next(r for r in rows if r[1] == "subscription.cancel")
    assert cancel[5].startswith("'=HYPERLINK")


def test_a_custom_period_outside_the_activity_is_empty(dash: FlaskClient,
                                                       owned: Owned,
                                                       activity: Portal) -> None:
    html = page(dash, f"{BASE}/{owned.public_id}/analytics?period=custom"
                      "&start=2020-01-01&end=2020-01-31")
    assert "No portal actions in this period." in html
    assert "No cancellations in this period." in html


@pytest.mark.parametrize(("query", "message"), [
    ("period=custom&start=2026-02-30&end=2026-03-01", "Enter both dates as YYYY-MM-DD."),
    ("period=custom&start=2026-03-02&end=2026-03-01", "The end date is before the start date."),
    ("period=custom&start=2020-01-01&end=2026-03-01", "A period can be at most 366 days."),
    ("period=12", "Choose 7, 30 or 90 days, or a custom range."),
])
def test_bad_periods_are_explained(dash: FlaskClient, owned: Owned,
                                   query: str, message: str) -> None:
    response = dash.get(f"{BASE}/{owned.public_id}/analytics?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    csv_answer = dash.get(f"{BASE}/{owned.public_id}/analytics.csv?{query}")
    assert csv_answer.status_code == 400 and csv_answer.mimetype == "text/plain"


def test_rtl_pages_mirror_the_charts(app: Flask, dash: FlaskClient,
                                     owned: Owned, activity: Portal) -> None:
    html = page_in(dash, f"{BASE}/{owned.public_id}/analytics?period=7", "ar")
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    # the rows' labels sit on the right, anchored at their start
    assert 'text-anchor="start" dominant-baseline="middle"' in html
    ltr = page(dash, f"{BASE}/{owned.public_id}/analytics?period=7")
    assert 'text-anchor="end" dominant-baseline="middle"' in ltr


def page_in(client: FlaskClient, path: str, locale: str) -> str:
    response = client.get(path, headers={"Accept-Language": locale})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_activity_of_other_accounts_is_not_counted(app: Flask, dash: FlaskClient,
                                                   owned: Owned,
                                                   portal: Portal) -> None:
    with db.session_scope(app) as session:
        session.add(AuditEvent(account_id=None, actor_type="customer", actor="cus_x",
                               action="subscription.cancel", target="sub_x", result="ok",
                               detail={"reason": "unused"},
                               created_at=utcnow() - timedelta(hours=1)))
    html = page(dash, f"{BASE}/{owned.public_id}/analytics?period=7")
    assert "No cancellations in this period." in html
