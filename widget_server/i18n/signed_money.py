"""Amounts shown with their sign, in the locale's own form (Babel's ``format_currency``).

A row that takes money off a total ("Discount", "Credit grants applied") and a credit balance
movement that used credit show a negative amount; one that adds to it shows a positive amount
with a plus sign. Both come from here, on the server, so every negative amount the portal
shows has the same minus as the invoices and previews (Babel's, where the locale's pattern
puts it: "-$4.00", "-4,00 $", "US$ -4,00", "\u200f-4.00 US$"), never one the browser adds.
"""

from __future__ import annotations

from widget_server.i18n import format_money


def format_signed_money(amount: int, currency: str, locale: str) -> str:
    """A negative amount as Babel writes it; a positive one with "+" where the locale's
    pattern puts the minus (CLDR: the plus sign takes the minus sign's place); zero unsigned."""
    if amount <= 0:
        return format_money(amount, currency, locale)
    return format_money(-amount, currency, locale).replace("-", "+", 1)
