"""Negative amounts in the usage and credit reads: one form, the locale's own (Babel's
``format_currency``), written by the server; the browser adds no sign of its own."""

from __future__ import annotations

import pytest

from tests.portal.helpers import Portal
from tests.portal.test_read_usage import OLGA, credit, usage
from widget_server.billing.usage import BalanceTransaction, UsageEstimate
from widget_server.i18n import SUPPORTED_LOCALES, format_money
from widget_server.i18n.signed_money import format_signed_money
from widget_server.portal.usage import _transaction_json, estimate_rows

ESTIMATE = UsageEstimate(subscription_id="sub_1", currency="usd", subtotal=2000, credits=500,
                         total=1100, balance_applied=300, amount_due=3300, date=None,
                         discount=400, tax=0, balance_added=2500)
EXPECTED = {  # locale -> the discount row: Babel's negative amount, as invoices show it
    "en": "-$4.00", "de": "-4,00\xa0$", "nl": "US$\xa0-4,00", "ar": "\u200f-4.00\xa0US$",
    "pt": "-US$\xa04,00", "sv": "-4,00\xa0US$", "ja": "-$4.00",
}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_row_is_signed_by_the_locale_and_they_add_up(locale: str) -> None:
    rows = estimate_rows(ESTIMATE, locale)
    assert [r["kind"] for r in rows] == ["subtotal", "discount", "credits", "balance_applied",
                                         "balance_added"]  # tax is 0: no row
    assert sum(r["amount"] for r in rows) == ESTIMATE.amount_due
    for row in rows:
        assert "\u2212" not in row["amount_display"]
        if row["amount"] < 0:  # the same text as any negative amount the portal formats
            assert row["amount_display"] == format_money(row["amount"], "usd", locale)
    assert rows[0]["amount_display"] == format_money(2000, "usd", locale)  # unsigned
    added = rows[-1]["amount_display"]
    assert added == format_money(-2500, "usd", locale).replace("-", "+", 1)
    if locale in EXPECTED:
        assert rows[1]["amount_display"] == EXPECTED[locale]


def test_a_plus_sign_stands_where_the_locale_puts_the_minus() -> None:
    assert format_signed_money(2500, "usd", "en") == "+$25.00"
    assert format_signed_money(2500, "usd", "nl") == "US$\xa0+25,00"
    assert format_signed_money(2500, "eur", "de") == "+25,00\xa0€"
    assert format_signed_money(0, "usd", "en") == "$0.00"
    assert format_signed_money(-5, "jpy", "en") == "-¥5"


@pytest.mark.parametrize("locale", ["en", "de", "ar"])
def test_balance_movements_are_signed_like_the_estimate(locale: str) -> None:
    def shown(amount: int) -> str:
        txn = BalanceTransaction(id="cbtxn_1", amount=amount, currency="usd",
                                 type="adjustment", created=1_790_000_000, description=None,
                                 invoice_id=None)
        return str(_transaction_json(txn, locale)["credit_display"])

    # Stripe writes credit as negative: credit added reads "+", credit used "-"
    assert shown(-500) == format_signed_money(500, "usd", locale)
    assert shown(500) == format_money(-500, "usd", locale)
    assert shown(500) == estimate_rows(UsageEstimate(
        subscription_id="sub_1", currency="usd", subtotal=1000, credits=0, total=1000,
        balance_applied=500, amount_due=500, date=None), locale)[1]["amount_display"]


def test_the_reads_carry_the_signed_rows(portal: Portal) -> None:
    portal.configure(show_usage=True, show_credit=True)
    portal.stripe.v1.subscriptions.update("sub_demo_olga",
                                          {"discounts": [{"coupon": "welcome-20"}]})
    [estimate] = usage(portal)["estimates"]
    rows = {r["kind"]: r for r in estimate["rows"]}
    assert rows["discount"]["amount"] == -estimate["discount"]
    assert rows["discount"]["amount_display"] == "-" + estimate["discount_display"]
    assert rows["credits"]["amount_display"] == "-" + estimate["credits_display"]
    assert sum(r["amount"] for r in estimate["rows"]) == estimate["amount_due"]
    [mine] = credit(portal)["customers"]
    assert mine["transactions"]
    for txn in mine["transactions"]:
        sign = "+" if txn["credit"] > 0 else "-"
        assert txn["credit_display"].startswith(sign), txn
    assert mine["customer_id"] == OLGA
