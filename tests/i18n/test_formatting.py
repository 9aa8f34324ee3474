"""Money and dates are formatted by Babel in the portal's locale; owner overrides win."""

from __future__ import annotations

import pytest
from flask import Flask, g

from widget_server.i18n import _, format_date, format_money, translate

NBSP = "\xa0"
DEC_21_2026 = 1797811200


@pytest.mark.parametrize(("locale", "currency", "amount", "expected"), [
    ("en", "usd", 1200, "$12.00"),
    ("de", "usd", 1200, f"12,00{NBSP}$"),
    ("de", "eur", 123456, f"1.234,56{NBSP}€"),
    ("fr", "eur", 123456, f"1\u202f234,56{NBSP}€"),
    ("ja", "usd", 1200, "$12.00"),
    ("ja", "jpy", 1200, "￥1,200"),  # zero-decimal currency: 1200 is ¥1,200, not ¥12
    ("en", "jpy", 500, "¥500"),
    ("pl", "pln", 4999, f"49,99{NBSP}zł"),
    ("sv", "sek", 9900, f"99,00{NBSP}kr"),
])
def test_money_uses_the_locale_and_the_currency_precision(
        locale: str, currency: str, amount: int, expected: str) -> None:
    assert format_money(amount, currency, locale) == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "Dec 21, 2026"), ("de", "21.12.2026"), ("ja", "2026/12/21"), ("fr", "21 déc. 2026"),
])
def test_dates_use_the_locale(locale: str, expected: str) -> None:
    assert format_date(DEC_21_2026, locale) == expected


def test_rtl_money_is_marked_right_to_left() -> None:
    assert format_money(1200, "usd", "he").startswith("\u200f")


def test_owner_override_wins_over_the_catalog(i18n_app: Flask) -> None:
    overrides = {"Cancel subscription": "Kündigung einreichen"}
    assert translate("Cancel subscription", "de", overrides) == "Kündigung einreichen"
    assert translate("Change plan", "de", overrides) == "Tarif ändern"


def test_override_applies_to_the_request_locale(i18n_app: Flask) -> None:
    with i18n_app.test_request_context("/"):
        g.locale = "fr"
        g.custom_strings = {"Your subscription will end on %(date)s.": "Fin le %(date)s !"}
        assert _("Your subscription will end on %(date)s.", date="3 mars") == "Fin le 3 mars !"
        assert _("Payments are paused.") == "Les paiements sont suspendus."
