"""Stripe's currencies and how many minor units its API amounts carry in each.

Stripe's integer amounts are in the currency's smallest unit, but Stripe's idea of that unit
is not always ISO 4217's (nor CLDR's, which Babel uses) — https://docs.stripe.com/currencies:

- zero-decimal currencies (``ZERO_DECIMAL``): ``500`` is ¥500;
- three-decimal currencies (``THREE_DECIMAL``): ``5120`` is 5.120 KWD (the last digit is 0);
- special cases: ISK and UGX became zero-decimal but stay two-decimal in the API for backwards
  compatibility (``500`` is 5 ISK; amounts must be divisible by 100), and HUF and TWD are
  two-decimal for charges (zero-decimal only for payouts);
- every other currency: two decimals.

Pure data shared by the sandbox (line amounts) and the service (formatting).
"""

from __future__ import annotations


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Stripe's presentment currencies (lowercase, as the API takes them).
SUPPORTED = _codes("""
usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp
byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip
gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt
lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr
nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sll sos
srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xcg xof xpf
yer zar zmw
""")

ZERO_DECIMAL = _codes("bif clp djf gnf jpy kmf krw mga pyg rwf vnd vuv xaf xof xpf")
THREE_DECIMAL = _codes("bhd jod kwd omr tnd")
# two-decimal in the API, but only whole units may be charged (amount % 100 == 0)
WHOLE_UNITS_ONLY = frozenset({"isk", "ugx"})


def minor_units(currency: str) -> int:
    """How many decimal digits Stripe's integer amounts carry in `currency`."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def is_supported(currency: str) -> bool:
    return currency.lower() in SUPPORTED
