"""Accept-Language as werkzeug parses it (``request.accept_languages``)."""

from __future__ import annotations

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from widget_server.i18n import negotiate_locale, parse_accept_language


def test_q_zero_means_not_this_language() -> None:
    assert parse_accept_language("de;q=0, fr;q=0.5") == ["fr"]
    assert negotiate_locale(explicit=None, accept_language="de;q=0, ko",
                            account_default="sv") == "sv"


def test_a_malformed_quality_drops_only_that_entry() -> None:
    assert parse_accept_language("de;q=abc, fr") == ["fr"]
    assert parse_accept_language("") == []
    assert parse_accept_language(None) == []


def test_the_parsed_header_of_a_request_is_accepted() -> None:
    parsed = parse_accept_header("it;q=0.4, nl-BE", LanguageAccept)
    assert negotiate_locale(explicit=None, accept_language=parsed, account_default="en") == "nl"
