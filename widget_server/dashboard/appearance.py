"""Appearance: the portal's accent colour, logo, font and the owner's custom strings.

Each value is data for the portal, never markup or CSS: the colour is ``#`` and six hex
digits, the logo an ``https://`` address, the font one of a fixed list of font stacks, and a
custom string is text whose key must be a message of the catalog and whose placeholders must
be that message's (``i18n.custom_strings``). Custom strings are edited one locale at a time,
with the English source and the catalog's translation shown beside each; the other locales'
overrides are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from werkzeug.datastructures import MultiDict

from widget_server.features import PLURAL_CATEGORIES, SUPPORTED_LOCALE_CODES
from widget_server.i18n import _, translate
from widget_server.i18n.custom_strings import check_table, problem_message, source_messages
from widget_server.i18n.ui_strings import UI_STRINGS

MARKER = "appearance_form"
BLANK_ROWS = 3
MAX_ROWS = 200
MAX_TEXT = 2000
_COLOR = re.compile(r"\A#[0-9a-fA-F]{6}\Z")
# Font stacks offered; each is a plain font-family list (names, quotes, commas).
SAFE_FONTS: tuple[tuple[str, str], ...] = (
    ("", ""),
    ("system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "System UI"),
    ("Helvetica, Arial, sans-serif", "Helvetica, Arial"),
    ("Verdana, Geneva, sans-serif", "Verdana"),
    ("'Trebuchet MS', Tahoma, sans-serif", "Trebuchet MS"),
    ("Georgia, 'Times New Roman', serif", "Georgia"),
    ("ui-monospace, Menlo, Consolas, monospace", "Monospace"),
)


@dataclass
class StringRow:
    """One custom string row of the editor."""

    index: int
    key: str
    text: str  # a single text ("" for a plural override given per category)
    plural: dict[str, str]  # category -> text, for plural overrides
    reference: str  # the English source text ("" for an unknown or blank key)
    translated: str  # the catalog's text in the edited locale


def font_choices(current: str) -> list[tuple[str, str]]:
    """The fonts offered; a saved font not on the list (set through the API) stays one."""
    choices = [(value, label or _("The visitor's system font (default)"))
               for value, label in SAFE_FONTS]
    if current and current not in {value for value, _label in SAFE_FONTS}:
        choices.append((current, current))
    return choices


def portal_message_ids() -> list[str]:
    """The message ids offered as keys: the portal's own strings."""
    known = source_messages()
    return [msgid for msgid in dict.fromkeys(UI_STRINGS) if msgid in known]


def plural_categories(locale: str) -> list[str]:
    rules = Locale.parse(locale).plural_form
    return [c for c in PLURAL_CATEGORIES if c in rules.tags or c == "other"]


def string_rows(locale: str, table: Mapping[str, Any],
                submitted: MultiDict[str, str] | None = None) -> list[StringRow]:
    """The editor's rows: the locale's overrides (or the submitted rows) and blank ones."""
    rows: list[StringRow] = []
    if submitted is not None:
        for index in _row_indexes(submitted):
            key = submitted.get(f"cs_key.{index}", "").strip()
            plural = {c: submitted.get(f"cs_plural.{index}.{c}", "")
                      for c in PLURAL_CATEGORIES if f"cs_plural.{index}.{c}" in submitted}
            rows.append(_row(len(rows), locale, key, submitted.get(f"cs_text.{index}", ""),
                             plural))
    else:
        for key, value in table.items():
            if isinstance(value, Mapping):
                rows.append(_row(len(rows), locale, key, "", dict(value)))
            else:
                rows.append(_row(len(rows), locale, key, str(value), {}))
    for _blank in range(BLANK_ROWS):
        rows.append(_row(len(rows), locale, "", "", {}))
    return rows


def _row(index: int, locale: str, key: str, text: str, plural: dict[str, str]) -> StringRow:
    known = key in source_messages()
    return StringRow(index, key, text, plural, key if known else "",
                     translate(key, locale) if known else "")


def _row_indexes(form: MultiDict[str, str]) -> list[int]:
    found: set[int] = set()
    for name in form:
        if name.startswith(("cs_key.", "cs_text.", "cs_plural.")):
            part = name.split(".")[1]
            if part.isdigit() and int(part) < MAX_ROWS:
                found.add(int(part))
    return sorted(found)


def parse_appearance(form: MultiDict[str, str], settings: Mapping[str, Any],
                     ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The settings posted by the appearance form and the errors per field (translated)."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    color = form.get("accent_color", "").strip()
    if _COLOR.match(color):
        changes["accent_color"] = color.lower()
    else:
        errors["accent_color"] = [_("Enter a colour as # and six hex digits, like #4f46e5.")]
    logo = form.get("logo_url", "").strip()
    if logo and not is_https_url(logo):
        errors["logo_url"] = [_("Enter the logo's address starting with https:// (or leave "
                                "it empty).")]
    else:
        changes["logo_url"] = logo
    font = form.get("font_family", "")
    if font not in {value for value, _label in font_choices(str(settings.get("font_family")
                                                                 or ""))}:
        errors["font_family"] = [_("Choose one of the listed fonts.")]
    else:
        changes["font_family"] = font
    locale = form.get("cs_locale", "")
    if locale not in SUPPORTED_LOCALE_CODES:
        errors["custom_strings"] = [_("Choose one of the listed languages.")]
        return changes, errors
    table, string_errors = _parse_strings(form, locale)
    if string_errors:
        errors["custom_strings"] = string_errors
    else:
        others = {k: v for k, v in (settings.get("custom_strings") or {}).items() if k != locale}
        changes["custom_strings"] = {**others, **({locale: table} if table else {})}
    return changes, errors


def is_https_url(value: str) -> bool:
    if len(value) > MAX_TEXT or any(c.isspace() or c in "\"'<>\\" for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and not parts.username


def _parse_strings(form: MultiDict[str, str], locale: str,
                   ) -> tuple[dict[str, Any], list[str]]:
    table: dict[str, Any] = {}
    errors: list[str] = []
    for index in _row_indexes(form):
        key = form.get(f"cs_key.{index}", "").strip()
        text = form.get(f"cs_text.{index}", "")
        plural = {c: v for c in PLURAL_CATEGORIES
                  if (v := form.get(f"cs_plural.{index}.{c}", "")).strip()}
        if not key:
            if text.strip() or plural:
                errors.append(_("Enter the message (its English text) that \"%(text)s\" "
                                "replaces.", text=(text or next(iter(plural.values())))[:80]))
            continue
        if len(key) > MAX_TEXT or len(text) > MAX_TEXT or any(
                len(v) > MAX_TEXT for v in plural.values()):
            errors.append(_("A custom string is longer than %(max)s characters.", max=MAX_TEXT))
            continue
        if plural:
            if "other" not in plural:
                errors.append(_("The override of \"%(key)s\" needs its \"other\" form.",
                                key=key))
                continue
            table[key] = plural
        elif text.strip():
            table[key] = text
    errors.extend(problem_message(p) for p in check_table(locale, table))
    return table, errors
