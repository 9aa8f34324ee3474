"""Stripe's integer amounts are converted with Stripe's minor units, for every currency Stripe
lists, and formatted for the locale by Babel (https://docs.stripe.com/currencies)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision, parse_decimal

from widget_server.i18n import format_money
from widget_server.stripe_schema.currencies import (
    SUPPORTED,
    THREE_DECIMAL,
    WHOLE_UNITS_ONLY,
    ZERO_DECIMAL,
    minor_units,
)

# Stripe's own examples and special cases, written out: (currency, minor units)
STRIPE_TABLE = [
    ("usd", 2), ("eur", 2), ("gbp", 2), ("jpy", 0), ("krw", 0), ("vnd", 0), ("clp", 0),
    ("xof", 0), ("bif", 0), ("pyg", 0), ("isk", 2), ("ugx", 2), ("huf", 2), ("twd", 2),
    ("bhd", 3), ("jod", 3), ("kwd", 3), ("omr", 3), ("tnd", 3), ("idr", 2), ("cop", 2),
]


@pytest.mark.parametrize(("currency", "digits"), STRIPE_TABLE)
def test_stripe_minor_units(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits
    assert minor_units(currency.upper()) == digits


def test_the_lists_are_stripe_currencies() -> None:
    assert ZERO_DECIMAL | THREE_DECIMAL | WHOLE_UNITS_ONLY <= SUPPORTED
    assert not ZERO_DECIMAL & THREE_DECIMAL
    assert not WHOLE_UNITS_ONLY & ZERO_DECIMAL  # two-decimal in the API, unlike CLDR
    assert len(SUPPORTED) > 130


def test_babel_differs_where_stripe_says_so() -> None:
    """The reason this table exists: CLDR gives ISK and UGX no decimals; Stripe two."""
    for code in ("isk", "ugx"):
        assert get_currency_precision(code.upper()) == 0
        assert minor_units(code) == 2


@pytest.mark.parametrize("currency", sorted(SUPPORTED))
def test_every_currency_round_trips(currency: str) -> None:
    """Shown == charged: the formatted number, read back, is the integer amount exactly."""
    amount = 1234500 if currency in WHOLE_UNITS_ONLY else 1234567
    shown = format_money(amount, currency, "en")
    number = "".join(ch for ch in shown if ch.isdigit() or ch in ".,-")
    value = parse_decimal(number.strip(".,"), locale="en")
    assert value == Decimal(amount).scaleb(-minor_units(currency)), shown


@pytest.mark.parametrize(("amount", "currency", "locale", "expected"), [
    (1200, "jpy", "ja", "\uffe51,200"),
    (1200, "eur", "de", "12,00\u00a0\u20ac"),
    (1200, "eur", "fr", "12,00\u00a0\u20ac"),
    (120000, "isk", "en", "ISK1,200"),
    (500000, "ugx", "en", "UGX5,000"),
    (5120, "kwd", "en", "KWD5.120"),
    (12000, "twd", "en", "NT$120.00"),
    (1999, "usd", "en", "$19.99"),
    (-2500, "eur", "de", "-25,00\u00a0\u20ac"),
])
def test_locale_formatting(amount: int, currency: str, locale: str, expected: str) -> None:
    assert format_money(amount, currency, locale) == expected


def test_arabic_formats_as_babel_does() -> None:
    shown = format_money(1250, "eur", "ar")
    assert "\u20ac" in shown and "12.50" in shown.replace("\u066b", ".")


def test_fractional_isk_is_shown_not_rounded() -> None:
    """An amount with more digits than CLDR shows keeps them (never a rounded lie)."""
    assert format_money(12345, "isk", "en") == "ISK123.45"
    assert format_money(100050, "huf", "de") == "1.000,50\u00a0HUF"
    assert format_money(100000, "huf", "de") == "1.000\u00a0HUF"
