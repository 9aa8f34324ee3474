"""Checks of an owner's custom strings (setting ``custom_strings``) against the catalogs.

An override is keyed by a message id of the catalog (the English source text; a plural
message by its singular) and must keep that message's placeholders: ``%(amount)s`` missing
from the override would drop the amount, an unknown one would show as typed. Problems are
returned as values naming the locale, key and placeholder, so each caller says them in its
own words (the dashboard translates them; ``features`` keeps checking only the shape).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel.messages.pofile import read_po

from widget_server.features import SUPPORTED_LOCALE_CODES
from widget_server.i18n import _

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass(frozen=True)
class SourceMessage:
    """A message id of the catalog, with its plural id when it has one."""

    msgid: str
    plural: str | None

    def placeholders(self) -> frozenset[str]:
        return placeholders_of(self.msgid) | placeholders_of(self.plural or "")


@dataclass(frozen=True)
class StringProblem:
    """One thing wrong with a custom string: ``unknown_key``, ``unknown_locale``,
    ``missing_placeholder`` or ``unknown_placeholder`` (with the placeholder's name)."""

    code: str
    locale: str
    key: str
    placeholder: str = ""


def placeholders_of(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


@lru_cache(maxsize=1)
def source_messages() -> Mapping[str, SourceMessage]:
    """Every message id of the catalogs (read from the template ``messages.pot``)."""
    from widget_server.i18n import TRANSLATIONS_DIR

    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as handle:
        catalog = read_po(handle)
    found: dict[str, SourceMessage] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, plural = str(message.id[0]), str(message.id[1])
            found[singular] = SourceMessage(singular, plural)
        else:
            found[str(message.id)] = SourceMessage(str(message.id), None)
    return found


def check_table(locale: str, table: Mapping[str, object]) -> list[StringProblem]:
    """The problems of one locale's overrides (empty when every one is good)."""
    problems: list[StringProblem] = []
    if locale not in SUPPORTED_LOCALE_CODES:
        return [StringProblem("unknown_locale", locale, "")]
    sources = source_messages()
    for key, value in table.items():
        source = sources.get(key)
        if source is None:
            problems.append(StringProblem("unknown_key", locale, key))
            continue
        problems.extend(_placeholder_problems(locale, source, value))
    return problems


def _placeholder_problems(locale: str, source: SourceMessage,
                          value: object) -> list[StringProblem]:
    allowed = source.placeholders()
    texts = list(value.values()) if isinstance(value, Mapping) else [value]
    used: set[str] = set()
    for text in texts:
        used |= placeholders_of(str(text))
    problems = [StringProblem("unknown_placeholder", locale, source.msgid, name)
                for name in sorted(used - allowed)]
    # Every form must keep the singular's placeholders but %(num)s: a "one" form may say
    # "a month" instead of "1 month", and so may a single text for a plural message.
    required = placeholders_of(source.msgid) - ({"num"} if source.plural else set())
    for text in texts:
        for name in sorted(required - placeholders_of(str(text))):
            problems.append(StringProblem("missing_placeholder", locale, source.msgid, name))
    return list(dict.fromkeys(problems))


def check_custom_strings(value: Mapping[str, Mapping[str, object]]) -> list[StringProblem]:
    """The problems of a whole ``custom_strings`` setting, locale by locale."""
    problems: list[StringProblem] = []
    for locale, table in value.items():
        problems.extend(check_table(locale, table))
    return problems


def problem_message(problem: StringProblem) -> str:
    """A custom string problem in the owner's words, naming the key and placeholder."""
    placeholder = f"%({problem.placeholder})s"
    if problem.code == "unknown_key":
        return _("Unknown key \"%(key)s\": use the English text of a portal message, as "
                 "listed.", key=problem.key)
    if problem.code == "missing_placeholder":
        return _("The text for \"%(key)s\" must keep the placeholder %(placeholder)s.",
                 key=problem.key, placeholder=placeholder)
    if problem.code == "unknown_placeholder":
        return _("The text for \"%(key)s\" uses the placeholder %(placeholder)s, which "
                 "this message does not have.", key=problem.key, placeholder=placeholder)
    return _("Choose one of the listed languages.")
