"""Owner overrides (setting ``custom_strings``) of plural messages, and overrides stay text."""

from __future__ import annotations

import pytest
from flask import Flask, g, render_template_string

from tests.portal.helpers import Portal
from widget_server.features import FeatureError, validate_settings
from widget_server.i18n import ngettext, translate_plural

MONTH, MONTHS = "%(value)s for %(num)s month", "%(value)s for %(num)s months"
PL = {"one": "%(value)s na miesiąc", "few": "%(value)s na %(num)s miesiące",
      "many": "%(value)s na %(num)s miesięcy", "other": "%(value)s na %(num)s miesiąca"}
AR = {"zero": "ZERO %(num)s", "one": "ONE", "two": "TWO", "few": "FEW %(num)s",
      "many": "MANY %(num)s", "other": "OTHER %(num)s"}


def in_request(app: Flask, locale: str, overrides: dict[str, object], num: int) -> str:
    with app.test_request_context():
        g.locale, g.custom_strings = locale, overrides
        return ngettext(MONTH, MONTHS, num, value="20%")


@pytest.mark.parametrize(("num", "expected"), [
    (1, "20% na miesiąc"), (2, "20% na 2 miesiące"), (5, "20% na 5 miesięcy"),
    (22, "20% na 22 miesiące"), (112, "20% na 112 miesięcy"),
])
def test_a_polish_override_gives_each_number_its_category(
        i18n_app: Flask, num: int, expected: str) -> None:
    assert in_request(i18n_app, "pl", {MONTH: PL}, num) == expected


@pytest.mark.parametrize(("num", "expected"), [
    (0, "ZERO 0"), (1, "ONE"), (2, "TWO"), (3, "FEW 3"), (11, "MANY 11"), (100, "OTHER 100"),
])
def test_an_arabic_override_has_all_six_forms(i18n_app: Flask, num: int, expected: str) -> None:
    assert in_request(i18n_app, "ar", {MONTH: AR}, num) == expected


def test_english_override_for_one_and_five(i18n_app: Flask) -> None:
    override = {MONTH: {"one": "one month of %(value)s", "other": "%(num)s months of %(value)s"}}
    assert in_request(i18n_app, "en", override, 1) == "one month of 20%"
    assert in_request(i18n_app, "en", override, 5) == "5 months of 20%"


def test_a_missing_category_falls_back_to_other(i18n_app: Flask) -> None:
    override = {MONTH: {"one": "a month", "other": "%(num)s × month"}}  # noqa: RUF001
    assert in_request(i18n_app, "pl", override, 1) == "a month"
    assert in_request(i18n_app, "pl", override, 5) == "5 × month"  # noqa: RUF001 ("many")


def test_one_text_overrides_every_number(i18n_app: Flask) -> None:
    for num in (1, 2, 5):
        assert in_request(i18n_app, "de", {MONTH: "%(num)s Mon."}, num) == f"{num} Mon."


def test_without_an_override_the_catalog_speaks(i18n_app: Flask) -> None:
    assert in_request(i18n_app, "pl", {}, 5) == "20% przez 5 miesięcy"
    assert in_request(i18n_app, "pl", {"Other message": "x"}, 2) == "20% przez 2 miesiące"
    assert translate_plural(MONTH, MONTHS, 1, "de") == "%(value)s für %(num)s Monat"


def test_an_override_of_another_locale_is_not_used(i18n_app: Flask) -> None:
    """The request's overrides are those of its locale (``g.custom_strings``)."""
    assert in_request(i18n_app, "de", {}, 5) == "20% für 5 Monate"


def test_plural_overrides_in_templates_are_text_not_markup(i18n_app: Flask) -> None:
    from widget_server import i18n

    i18n.init_app(i18n_app)
    template = "<p>{{ ngettext(one, many, n, value=value) }}</p>"
    override = {MONTH: {"one": "<b>one</b>", "few": "<img src=x onerror=alert(1)> %(value)s",
                        "other": "<i>%(num)s</i>"}}
    with i18n_app.test_request_context():
        g.locale, g.custom_strings = "pl", override
        html = [render_template_string(template, one=MONTH, many=MONTHS, n=n,
                                       value="<script>x</script>") for n in (1, 3, 5)]
    assert html == ["<p>&lt;b&gt;one&lt;/b&gt;</p>",
                    "<p>&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;x&lt;/script&gt;</p>",
                    "<p>&lt;i&gt;5&lt;/i&gt;</p>"]


@pytest.mark.parametrize("bad", [
    {"one": "x"},  # no "other"
    {"other": "x", "several": "y"},  # not a CLDR category
    {"other": 3},
    ["x", "y"],  # gettext's msgstr[N] order is not the format
])
def test_malformed_plural_overrides_are_refused(bad: object) -> None:
    with pytest.raises(FeatureError, match="plural message id"):
        validate_settings({"custom_strings": {"pl": {MONTH: bad}}}, live_mode=False)


def test_a_plural_override_reaches_the_portal_api(portal: Portal) -> None:
    """Through HTTP: the discount sentence of a 3-month coupon, in Polish ("few") and Arabic."""
    path = "/v1/portal/subscriptions/sub_demo_ana/discount?locale="
    portal.configure(coupons=True, custom_strings={"pl": {MONTH: PL}, "ar": {MONTH: AR}})
    response = portal.post(path + "pl", json={"code": "welcome20"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["message"] == "Zastosowano rabat: 20% zniżki na 3 miesiące."
    portal.control("POST", "/seed")
    response = portal.post(path + "ar", json={"code": "welcome20"})
    assert response.status_code == 200, response.get_json()
    assert "FEW 3" in response.get_json()["message"]
