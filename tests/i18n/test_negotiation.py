"""DESIGN §9: explicit option → browser languages → Accept-Language → account default."""

from __future__ import annotations

import pytest

from widget_server.i18n import RTL_LOCALES, negotiate_locale, parse_accept_language, text_direction


def test_explicit_locale_wins_over_everything() -> None:
    assert negotiate_locale(explicit="ja", browser=["fr"], accept_language="de",
                            account_default="es") == "ja"


def test_browser_languages_come_before_accept_language() -> None:
    assert negotiate_locale(explicit=None, browser=["fr-CA", "en"], accept_language="de",
                            account_default="es") == "fr"


def test_accept_language_comes_before_the_account_default() -> None:
    assert negotiate_locale(explicit=None, accept_language="nl-BE,nl;q=0.9",
                            account_default="es") == "nl"


def test_account_default_when_nothing_else_is_supported() -> None:
    assert negotiate_locale(explicit="xx", browser=["zz"], accept_language="ko,zh;q=0.8",
                            account_default="sv") == "sv"


def test_auto_is_not_an_explicit_choice() -> None:
    assert negotiate_locale(explicit="auto", accept_language="pl", account_default="en") == "pl"


def test_without_auto_detect_the_browser_is_ignored() -> None:
    assert negotiate_locale(explicit=None, browser=["fr"], accept_language="de",
                            account_default="it", auto_detect=False) == "it"
    assert negotiate_locale(explicit="he", accept_language="de", account_default="it",
                            auto_detect=False) == "he"


def test_accept_language_is_ordered_by_quality() -> None:
    assert parse_accept_language("de;q=0.5, ar, fr;q=0.8, *;q=0.1") == ["ar", "fr", "de", "*"]
    assert negotiate_locale(explicit=None, accept_language="ko, de;q=0.5, fr;q=0.8",
                            account_default="en") == "fr"


@pytest.mark.parametrize(("tag", "expected"), [
    ("pt-BR", "pt"), ("he-IL", "he"), ("iw", "he"), ("zh-Hant", "en"), ("de_AT", "de"),
])
def test_regional_tags_fall_back_to_their_language(tag: str, expected: str) -> None:
    assert negotiate_locale(explicit=tag, account_default="en") == expected


def test_arabic_and_hebrew_are_right_to_left() -> None:
    assert frozenset({"ar", "he"}) == RTL_LOCALES
    assert text_direction("ar") == "rtl"
    assert text_direction("he") == "rtl"
    for locale in ("en", "de", "ja", "pl"):
        assert text_direction(locale) == "ltr"
