"""Locale negotiation, translation catalogs (gettext .po via Babel) and formatting.

Message ids are the English sentences. Catalogs live in
``i18n/translations/<locale>/LC_MESSAGES/messages.po`` and are compiled in memory at startup.
An account may override any string per locale (feature setting ``custom_strings``), plural
messages too: their override maps CLDR plural categories to text (docs/i18n.md).

This is our own glue over Babel rather than Flask-Babel: the catalogs are compiled in memory from
the .po files (Flask-Babel loads compiled .mo files from disk), templates must treat every
translation as text (Flask-Babel installs jinja2.ext.i18n, whose newstyle gettext marks it
Markup), and per-account overrides are not a Flask-Babel concept.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_precision
from babel.numbers import format_percent as babel_format_percent
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context, has_request_context
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from widget_server.features import SUPPORTED_LOCALE_CODES
from widget_server.stripe_schema.currencies import minor_units as stripe_currency_digits

SUPPORTED_LOCALES: tuple[str, ...] = SUPPORTED_LOCALE_CODES
RTL_LOCALES = frozenset({"ar", "he"})
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
EXTENSION = "widget_server.i18n"
# `%(name)s` / `%(name)d` placeholders and `%%`; any other `%` (an owner's "20% off") is text.
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
# An account's overrides for one locale: message id -> text, or for a plural message (keyed by
# its singular id) CLDR plural category -> text.
Overrides = Mapping[str, str | Mapping[str, str]]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


def load_catalogs(directory: Path = TRANSLATIONS_DIR) -> Mapping[str, NullTranslations]:
    """Every locale's catalog, compiled in memory from its .po file (no binary .mo files in the
    repository).

    Compiling all of them takes about 0.1 s, so the result is shared by every app the process
    creates until a .po file changes (the tests create hundreds of apps).
    """
    signature: list[tuple[str, int, int]] = []
    for locale in SUPPORTED_LOCALES:
        try:
            stat = _po_path(directory, locale).stat()
        except FileNotFoundError:
            continue
        signature.append((locale, stat.st_mtime_ns, stat.st_size))
    return _compile_catalogs(directory, tuple(signature))


def _po_path(directory: Path, locale: str) -> Path:
    return directory / locale / "LC_MESSAGES" / "messages.po"


@functools.lru_cache(maxsize=4)
def _compile_catalogs(
    directory: Path, signature: tuple[tuple[str, int, int], ...]
) -> Mapping[str, NullTranslations]:
    catalogs: dict[str, NullTranslations] = dict.fromkeys(SUPPORTED_LOCALES, NullTranslations())
    for locale, _mtime, _size in signature:
        with _po_path(directory, locale).open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        catalogs[locale] = Translations(buffer)
    return MappingProxyType(catalogs)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = load_catalogs()
    # Our own template callables, not jinja2.ext.i18n's: its "newstyle" gettext marks every
    # translation safe (Markup), owners' custom strings included, and %-formats it (a lone % in
    # a custom string raised). Here a translation is text: escaped, then interpolated with
    # escaped values (STYLE: every string that is not a template literal is data).
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)


def _normalize(tag: str) -> str | None:
    """'pt-BR' -> 'pt', 'he-IL' -> 'he', 'iw' -> 'he'; None when unsupported."""
    tag = tag.strip().replace("_", "-").lower()
    if not tag or tag == "*":
        return None
    base = tag.split("-", 1)[0]
    base = {"iw": "he"}.get(base, base)
    return base if base in SUPPORTED_LOCALES else None


def parse_accept_language(header: str | LanguageAccept | None) -> list[str]:
    """Language tags from an Accept-Language header (raw, or werkzeug's parsed
    ``request.accept_languages``), best first; ``q=0`` means "not this one"."""
    if header is None:
        return []
    accept = parse_accept_header(header, LanguageAccept) if isinstance(header, str) else header
    return [tag for tag, quality in accept if quality > 0]


def negotiate_locale(
    *,
    explicit: str | None,
    browser: Iterable[str] = (),
    accept_language: str | LanguageAccept | None = None,
    account_default: str = "en",
    auto_detect: bool = True,
) -> str:
    """DESIGN §9: explicit option, then the browser's languages, then Accept-Language, then
    the account default."""
    if explicit and explicit != "auto":
        chosen = _normalize(explicit)
        if chosen:
            return chosen
    if auto_detect:
        for tag in [*browser, *parse_accept_language(accept_language)]:
            chosen = _normalize(tag)
            if chosen:
                return chosen
    return _normalize(account_default) or "en"


def _request_state() -> dict[str, Any]:
    """The request's ``g`` as a plain dict: through the proxy's documented
    ``_get_current_object`` (260 ns), not attribute access on the proxy (~1.5 µs each, and a
    view of 50 subscriptions asks ~250 times)."""
    state: dict[str, Any] = vars(g._get_current_object())
    return state


def current_locale() -> str:
    if has_request_context():
        locale: str = _request_state().get("locale", "en")
        return locale
    return "en"


def _catalog(locale: str) -> NullTranslations:
    if not has_app_context():
        return NullTranslations()
    catalogs: Mapping[str, NullTranslations] = current_app.extensions.get(EXTENSION, {})
    return catalogs.get(locale) or NullTranslations()


def translate(message: str, locale: str, overrides: Overrides | None = None) -> str:
    override = overrides.get(message) if overrides else None
    if isinstance(override, str):
        return override
    return _catalog(locale).gettext(message)


def translate_plural(singular: str, plural: str, num: int, locale: str,
                     overrides: Overrides | None = None) -> str:
    """The form of a plural message for `num`: the account's override (keyed by the singular
    id: one text for every number, or text per CLDR category with "other" as the fallback),
    else the catalog's form (which tests/i18n keep in step with the CLDR categories)."""
    override = overrides.get(singular) if overrides else None
    if isinstance(override, str):
        return override
    if isinstance(override, Mapping):
        text = override.get(_babel_locale(locale).plural_form(num), override.get("other"))
        if isinstance(text, str):
            return text
    return _catalog(locale).ngettext(singular, plural, num)


def _request_overrides() -> Overrides | None:
    """The account's overrides for the request's locale (set with ``g.locale``)."""
    found: Overrides | None = _request_state().get("custom_strings") \
        if has_request_context() else None
    return found


def interpolate(text: str, variables: Mapping[str, object]) -> str:
    """Fill ``%(name)s`` placeholders; never raises (unknown names and a lone % stay as text).

    The same rule as the portal's JavaScript ``t()``: an owner's custom string is data, so a
    typo in it cannot fail a page (a ``%`` used to raise and burn a one-time hosted link).
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        return str(variables[name]) if name in variables else match.group(0)

    return _PLACEHOLDER.sub(fill, text)


def gettext(message: str, **variables: object) -> str:
    """Translate into the request's locale (with the account's overrides), then format."""
    text = _memo_translate(message)
    return interpolate(text, variables) if variables else text


def _memo_translate(message: str) -> str:
    """``translate`` in the request's locale, remembered for the rest of the request (a view
    of 50 subscriptions asks for the same few badges and labels ~200 times). The memo is
    dropped when the request's locale or overrides change (``g.locale`` is set once the
    account is known)."""
    if not has_request_context():
        return translate(message, "en", None)
    state = _request_state()
    locale: str = state.get("locale", "en")
    overrides: Overrides | None = state.get("custom_strings")
    memo: tuple[str, Overrides | None, dict[str, str]] | None = state.get("_i18n_memo")
    if memo is None or memo[0] != locale or memo[1] is not overrides:
        memo = state["_i18n_memo"] = (locale, overrides, {})
    known = memo[2]
    found = known.get(message)
    if found is None:
        found = known[message] = translate(message, locale, overrides)
    return found


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """The plural form for `num` in the request's locale (with the account's overrides)."""
    text = translate_plural(singular, plural, num, current_locale(), _request_overrides())
    return interpolate(text, {"num": num, **variables})


def template_gettext(message: str, **variables: object) -> Markup:
    """Templates' ``_()``: the translation escaped as text, values escaped, never raw HTML."""
    text = translate(message, current_locale(), _request_overrides())
    return _escaped(text, variables)


def template_ngettext(singular: str, plural: str, num: int, **variables: object) -> Markup:
    """Templates' ``ngettext()``: like ``_()``, the chosen form is escaped text."""
    text = translate_plural(singular, plural, num, current_locale(), _request_overrides())
    return _escaped(text, {"num": num, **variables})


def _escaped(text: str, variables: Mapping[str, object]) -> Markup:
    safe = {name: escape(value) for name, value in variables.items()}
    return Markup(interpolate(str(escape(text)), safe))  # noqa: S704 (every part escaped)


_ = gettext


def text_direction(locale: str) -> str:
    return "rtl" if locale in RTL_LOCALES else "ltr"


# Babel parses its patterns on every call (a third of a view's formatting); the same amounts
# and dates recur across views (catalog prices, period ends), so results are kept, bounded.
@functools.lru_cache(maxsize=8192)
def format_money(amount: int, currency: str, locale: str) -> str:
    """Format an amount in Stripe's minor units of the currency (``stripe_currency_digits``:
    Stripe's, not CLDR's, e.g. ISK and UGX carry two). Babel's digits for the currency are
    shown, more only when the amount has them, so a shown amount is always the charged one."""
    code = currency.upper()
    value = Decimal(amount).scaleb(-stripe_currency_digits(currency))
    shown = Decimal(10) ** -get_currency_precision(code)
    exact = value.quantize(shown) != value  # more digits than CLDR shows: show Stripe's all
    return format_currency(value, code, locale=_babel_locale(locale),
                           currency_digits=not exact, decimal_quantization=not exact)


@functools.lru_cache(maxsize=8192)
def format_date(timestamp: int, locale: str) -> str:
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return babel_format_date(moment.date(), format="medium", locale=_babel_locale(locale))


@functools.lru_cache(maxsize=1024)
def format_percent(percent: float, locale: str) -> str:
    """Format a percentage given in percent (20.0 -> "20%", "20 %" in German)."""
    value = Decimal(str(round(percent, 2))) / 100
    return babel_format_percent(value, locale=_babel_locale(locale), decimal_quantization=False)


@functools.lru_cache(maxsize=64)
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def language_name(code: str) -> str:
    """A supported language's name in that language ("Deutsch" for de), as a language picker
    shows it; the code itself for one Babel does not know."""
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(code))
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code
