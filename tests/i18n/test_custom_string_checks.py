"""Custom strings are checked against the catalog: known keys, the message's placeholders."""

from __future__ import annotations

from widget_server.i18n.custom_strings import (
    StringProblem,
    check_custom_strings,
    check_table,
    source_messages,
)

PAY = "Pay the open invoice of %(amount)s to keep your subscription active."


def test_the_source_messages_are_the_catalog_ids_with_their_plurals() -> None:
    sources = source_messages()
    assert "Cancel subscription" in sources
    assert sources[PAY].placeholders() == {"amount"}
    plurals = [m for m in sources.values() if m.plural]
    assert plurals and all(m.plural for m in plurals)


def test_good_overrides_have_no_problem() -> None:
    assert check_table("de", {"Cancel subscription": "Abo beenden",
                              PAY: "Bitte %(amount)s zahlen."}) == []


def test_an_unknown_key_is_named() -> None:
    assert check_table("de", {"foo": "bar"}) == [StringProblem("unknown_key", "de", "foo")]


def test_a_missing_and_an_unknown_placeholder_are_named() -> None:
    assert check_table("fr", {PAY: "Payez maintenant"}) == [
        StringProblem("missing_placeholder", "fr", PAY, "amount")]
    assert check_table("fr", {PAY: "Payez %(amount)s avant %(date)s"}) == [
        StringProblem("unknown_placeholder", "fr", PAY, "date")]


def test_a_plural_override_may_leave_out_the_number_but_not_other_placeholders() -> None:
    key = "%(value)s for %(num)s month"
    assert source_messages()[key].plural == "%(value)s for %(num)s months"
    assert check_table("de", {key: {"one": "%(value)s für einen Monat",
                                    "other": "%(value)s für %(num)s Monate"}}) == []
    assert check_table("de", {key: {"other": "%(num)s Monate"}}) == [
        StringProblem("missing_placeholder", "de", key, "value")]
    assert check_table("de", {key: {"other": "%(value)s %(count)s"}}) == [
        StringProblem("unknown_placeholder", "de", key, "count")]


def test_an_unsupported_locale_is_named() -> None:
    assert check_custom_strings({"xx": {}}) == [StringProblem("unknown_locale", "xx", "")]
