"""Every catalog is complete and correct, and the template matches the source."""

from __future__ import annotations

import gettext
import json
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask import Flask

from widget_server.i18n import SUPPORTED_LOCALES, TRANSLATIONS_DIR, load_catalogs, translate
from widget_server.i18n.ui_strings import UI_STRINGS
from widget_server.portal.pages import PORTAL_SCRIPTS

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
JS_STRING = re.compile(r'(?<![\w$])(?:t|N_)\(\s*"((?:[^"\\]|\\.)*)"')


def template() -> Catalog:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as fh:
        return read_po(fh)


def catalog(locale: str) -> Catalog:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def message_ids(cat: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}


def forms(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)


def placeholders(text: str, *, plural: bool) -> set[str]:
    found = set(PLACEHOLDER.findall(text))
    # A plural form may spell out its number ("one month"), so %(num)s is optional there.
    return found - {"num"} if plural else found


def test_twelve_locales_are_supported() -> None:
    assert set(SUPPORTED_LOCALES) == {"en", "de", "fr", "es", "it", "nl", "pt", "ja", "ar",
                                      "he", "pl", "sv"}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_translates_every_message_of_the_template(locale: str) -> None:
    translated = catalog(locale)
    expected = message_ids(template())
    assert message_ids(translated) >= expected
    nplurals = get_plural(locale).num_plurals
    for message in translated:
        if not message.id:
            continue
        assert not message.fuzzy, f"{locale}: fuzzy translation of {message.id!r}"
        strings = forms(message)
        assert all(s and s.strip() for s in strings), f"{locale}: empty msgstr for {message.id!r}"
        if message.pluralizable:
            assert len(strings) == nplurals, f"{locale}: plural forms of {message.id!r}"


# Every n up to 1,000 covers the rules that look at n % 10 and n % 100; the millions cover
# the "many" form of French, Spanish, Italian and Portuguese (n % 1,000,000 == 0).
PLURAL_SAMPLES = [*range(1001), 1_000_000, 1_000_001, 2_000_000, 21_000_000, 1_000_000_000]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_forms_header_follows_babel_rules(locale: str) -> None:
    """The header is what gettext uses at run time to pick a form: it must choose, for every n,
    the form Babel's CLDR rules choose for the locale."""
    ours, theirs = catalog(locale), get_plural(locale)
    assert ours.num_plurals == theirs.num_plurals, f"{locale}: {ours.plural_forms}"
    pick, want = gettext.c2py(ours.plural_expr), gettext.c2py(theirs.plural_expr)
    wrong = [n for n in PLURAL_SAMPLES if pick(n) != want(n)]
    assert not wrong, f"{locale}: {ours.plural_forms} picks another form for n in {wrong[:10]}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_messages_are_not_copies_of_one_form(locale: str) -> None:
    """A message whose forms are all the same is no plural message: use _() instead."""
    if get_plural(locale).num_plurals == 1:
        pytest.skip(f"{locale} has a single plural form")
    for message in catalog(locale):
        if message.id and message.pluralizable:
            assert len(set(forms(message))) > 1, (locale, message.id)


MONTHS = ("%(value)s for %(num)s month", "%(value)s for %(num)s months")


@pytest.mark.parametrize(("locale", "num", "expected"), [
    ("en", 1, "20% off for 1 month"), ("en", 3, "20% off for 3 months"),
    ("de", 1, "20% off für 1 Monat"), ("de", 12, "20% off für 12 Monate"),
    ("fr", 0, "20% off pendant 0 mois"), ("fr", 1_000_000, "20% off pendant 1000000 de mois"),
    ("es", 1, "20% off durante 1 mes"), ("es", 6, "20% off durante 6 meses"),
    ("pt", 1, "20% off por 1 mês"), ("it", 2, "20% off per 2 mesi"),
    ("he", 1, "20% off למשך חודש אחד"), ("he", 2, "20% off למשך חודשיים"),
    ("he", 3, "20% off למשך 3 חודשים"),
    ("ar", 2, "20% off لمدة شهرين"), ("ar", 3, "20% off لمدة 3 أشهر"),
    ("ar", 11, "20% off لمدة 11 شهرًا"), ("ar", 100, "20% off لمدة 100 شهر"),
    ("pl", 2, "20% off przez 2 miesiące"), ("pl", 5, "20% off przez 5 miesięcy"),
    ("pl", 22, "20% off przez 22 miesiące"), ("ja", 3, "20% off（3 か月間）"),  # noqa: RUF001
])
def test_compiled_catalogs_pick_the_plural_form_of_the_number(
        locale: str, num: int, expected: str) -> None:
    text = load_catalogs()[locale].ngettext(*MONTHS, num)
    assert text % {"value": "20% off", "num": num} == expected


def test_compiled_catalogs_follow_changes_to_a_po_file(tmp_path: Path) -> None:
    """The compiled catalogs are shared by the apps of a process, but never stale."""
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "messages.po", po)
    first = load_catalogs(tmp_path)
    assert load_catalogs(tmp_path) is first
    assert first["de"].gettext("Cancel subscription") == "Abonnement kündigen"
    assert first["fr"].gettext("Cancel subscription") == "Cancel subscription"  # no fr file
    text = po.read_text(encoding="utf-8").replace('"Abonnement kündigen"', '"Kündigen"')
    po.write_text(text + "\n", encoding="utf-8")
    assert load_catalogs(tmp_path)["de"].gettext("Cancel subscription") == "Kündigen"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    for message in catalog(locale):
        if not message.id:
            continue
        plural = message.pluralizable
        source = message.id[0] if plural else message.id
        want = placeholders(source, plural=plural)
        for text in forms(message):
            assert placeholders(text, plural=plural) == want, (locale, message.id, text)
            values: dict[str, object] = {n: "x" for n in PLACEHOLDER.findall(source) if n}
            assert text % {**values, "num": 1}  # formats without a KeyError or ValueError


def test_template_is_up_to_date_with_the_source() -> None:
    """Fails when someone adds a _("…") string without re-extracting (see docs/i18n.md)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    source: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        source.add(message if isinstance(message, str) else tuple(message))
    stale = source ^ message_ids(template())
    assert not stale, "run the extraction in docs/i18n.md; differing ids: " + repr(stale)


def portal_js_strings() -> list[str]:
    strings: list[str] = []
    for name in PORTAL_SCRIPTS:
        text = (ROOT / "widget_server" / "static" / "portal" / name).read_text(encoding="utf-8")
        strings += [json.loads(f'"{raw}"') for raw in JS_STRING.findall(text)]
    return strings


def test_every_string_the_portal_js_shows_is_in_ui_strings() -> None:
    shown = set(portal_js_strings())
    assert shown, "the extraction pattern found nothing"
    assert shown - set(UI_STRINGS) == set()
    assert set(UI_STRINGS) - shown == set(), "UI_STRINGS lists strings the JS no longer shows"


def test_stripe_cancellation_reasons_have_labels() -> None:
    actions_js = (ROOT / "widget_server/static/portal/actions.js").read_text(encoding="utf-8")
    for reason in ("too_expensive", "missing_features", "switched_service", "unused",
                   "customer_service", "too_complex", "low_quality", "other"):
        assert f'["{reason}", N_(' in actions_js


@pytest.mark.parametrize(("locale", "expected"), [
    ("de", "Abonnement kündigen"), ("fr", "Résilier l’abonnement"),  # noqa: RUF001
    ("ja", "サブスクリプションを解約"), ("ar", "إلغاء الاشتراك"), ("he", "ביטול המינוי"),
    ("en", "Cancel subscription"),
])
def test_compiled_catalogs_translate(i18n_app: Flask, locale: str, expected: str) -> None:
    assert translate("Cancel subscription", locale) == expected


def test_every_ui_string_is_translated_in_every_locale(i18n_app: Flask) -> None:
    for locale in SUPPORTED_LOCALES:
        if locale == "en":
            continue
        same = [s for s in UI_STRINGS if translate(s, locale) == s]
        # Only strings that are the same in every language (a format, "PDF") may stay.
        allowed = {"%(quantity)s × %(price)s", "PDF", "Status", "Details",  # noqa: RUF001
                   "Name", "Date", "Mode", "Dashboard", "Email", "Hash",
                   "Subtotal"}  # "Subtotal" is the word in Spanish and Portuguese too
        assert set(same) <= allowed, (locale, same)
