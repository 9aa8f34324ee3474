"""The Plans picker and the Appearance editor: fed by the account's Stripe catalog and the
translation catalog, saved into the settings the portal reads, checked on the server."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.dashboard.helpers import OwnerWithAccount, load_account, page_token
from widget_server.billing.domain import Price, Product
from widget_server.dashboard.catalog_picker import parse_picker, picker_view

STARTER = Product("prod_starter", "Starter")
SUPPORT = Product("prod_support", "Support")
CATALOG = [
    Price("price_m", STARTER, "eur", 900, "month"),
    Price("price_y", STARTER, "eur", 9000, "year"),
    Price("price_s", SUPPORT, "eur", 1900, "month"),
]
ONE_OFF = Price("price_once", STARTER, "eur", 49900, None)
ARCHIVED = Price("price_old", STARTER, "eur", 500, "month", active=False)


def _lookup(price_id: str) -> Price | None:
    return {"price_once": ONE_OFF, "price_old": ARCHIVED}.get(price_id)


def _form(prices: list[str], intervals: list[str] | None = None, addons: list[str] | None = None,
          **orders: str) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict()
    form.setlist("plan_price", prices)
    form.setlist("plan_interval", ["month", "year"] if intervals is None else intervals)
    form.setlist("addon_product", addons or [])
    for price_id, order in orders.items():
        form[f"plan_order.{price_id}"] = order
    return form


def test_the_picker_saves_prices_in_the_owners_order_and_the_add_ons(app: Flask) -> None:
    with app.test_request_context():
        choice, errors = parse_picker(
            _form(["price_m", "price_y", "price_s"], addons=["prod_support"],
                  price_m="2", price_y="1"), CATALOG, _lookup)
    assert errors == []
    assert choice.settings() == {"catalog_prices": ["price_y", "price_m", "price_s"],
                                 "catalog_addons": ["prod_support"]}


def test_an_interval_not_offered_leaves_its_prices_out(app: Flask) -> None:
    with app.test_request_context():
        choice, errors = parse_picker(_form(["price_m", "price_y"], ["year"]), CATALOG, _lookup)
        assert (choice.prices, errors) == (["price_y"], [])
        _choice, errors = parse_picker(_form(["price_m"], ["year"]), CATALOG, _lookup)
        assert errors and "tick the intervals" in errors[0]


def test_prices_outside_the_catalog_are_refused_by_name_and_reason(app: Flask) -> None:
    with app.test_request_context():
        _choice, errors = parse_picker(
            _form(["price_m", "price_nope", "price_once", "price_old", "<b>x</b>"],
                  intervals=["month", "fortnight"], addons=["prod_ghost"], price_m="0"),
            CATALOG, _lookup)
    assert errors == [
        "fortnight is not a billing interval.",
        "Enter the order of price_m as a whole number from 1 to 9999.",
        "Price price_nope is not in this account's Stripe catalog.",
        "Price price_once is not recurring: only recurring prices can be plans.",
        "Price price_old or its product is archived in Stripe.",
        "Price <b>x</b> is not in this account's Stripe catalog.",
        "Product prod_ghost is not in this account's Stripe catalog.",
    ]


def test_the_view_shows_saved_choices_and_offered_intervals() -> None:
    view = picker_view(CATALOG, {"catalog_prices": ["price_y"], "catalog_addons": []})
    starter = view.rows[0]
    assert [(p.id, chosen, order) for p, chosen, order in starter.prices] == [
        ("price_m", False, ""), ("price_y", True, "1")]
    assert view.intervals == [("month", False), ("year", True)]
    everything = picker_view(CATALOG, {"catalog_prices": []})
    assert everything.intervals == [("month", True), ("year", True)]


def _post(client: FlaskClient, public_id: str, path: str, fields: dict[str, Any]) -> Any:
    data = MultiDict({"csrf_token": page_token(client, public_id)})
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return client.post(f"/dashboard/accounts/{public_id}/{path}", data=data)


def test_the_plans_section_lists_the_stripe_catalog_and_saves_the_settings(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    for price_id in ("price_starter_monthly", "price_pro_yearly", "price_support_monthly"):
        assert f'name="plan_price" value="{price_id}"' in page
    assert "price_onboarding_once" not in page  # one-off prices are never plans
    assert "$9.00 per month · <code>price_starter_monthly</code>" in page
    # Priority support is an add-on by its Stripe metadata: shown so, not a choice here.
    assert 'name="addon_product" value="prod_support"' not in page
    assert "Set in Stripe (product metadata portal_role=addon)." in page
    answer = _post(signed_in, ana.public_id, "plans", {
        "plan_price": ["price_pro_monthly", "price_starter_monthly"],
        "plan_order.price_starter_monthly": "1", "plan_order.price_pro_monthly": "2",
        "plan_interval": ["month", "year"], "addon_product": ["prod_support"]})
    assert answer.status_code == 302
    saved = load_account(app, ana.public_id).settings
    assert saved["catalog_prices"] == ["price_starter_monthly", "price_pro_monthly"]
    assert saved["catalog_addons"] == ["prod_support"]


def test_a_refused_plan_choice_keeps_what_was_ticked_and_saves_nothing(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    answer = _post(signed_in, ana.public_id, "plans", {
        "plan_price": ["price_pro_monthly", "price_onboarding_once"],
        "plan_interval": ["month"]})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Price price_onboarding_once is not recurring" in page
    assert 'value="price_pro_monthly" checked' in page
    assert load_account(app, ana.public_id).settings["catalog_prices"] == []


def _appearance(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"appearance_form": "1", "accent_color": "#112233", "logo_url": "",
                            "font_family": "", "cs_locale": "de"}
    base.update(fields)
    return base


def test_appearance_saves_branding_and_one_locales_strings(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    answer = _post(signed_in, ana.public_id, "appearance", _appearance(
        logo_url="https://cdn.example.com/logo.png",
        font_family="Georgia, 'Times New Roman', serif",
        **{"cs_key.0": "Cancel subscription", "cs_text.0": "Abo beenden",
           "cs_key.1": "", "cs_text.1": ""}))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    saved = load_account(app, ana.public_id).settings
    assert saved["accent_color"] == "#112233"
    assert saved["logo_url"] == "https://cdn.example.com/logo.png"
    assert saved["font_family"] == "Georgia, 'Times New Roman', serif"
    assert saved["custom_strings"] == {"de": {"Cancel subscription": "Abo beenden"}}
    # Another locale's strings are edited on their own; German ones stay.
    _post(signed_in, ana.public_id, "appearance", _appearance(
        cs_locale="fr", **{"cs_key.0": "Cancel subscription", "cs_text.0": "Résilier"}))
    assert load_account(app, ana.public_id).settings["custom_strings"] == {
        "de": {"Cancel subscription": "Abo beenden"}, "fr": {"Cancel subscription": "Résilier"}}
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}?strings_locale=de")
    text = page.get_data(as_text=True)
    assert 'value="Abo beenden"' in text
    assert "<q>Abonnement kündigen</q>" in text  # the catalog's German text beside it


def test_bad_appearance_values_are_named_and_nothing_is_lost(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    pay = "Pay the open invoice of %(amount)s to keep your subscription active."
    cases: list[tuple[dict[str, Any], str]] = [
        ({"accent_color": "red;background:url(x)"}, "six hex digits"),
        ({"logo_url": "http://cdn.example.com/logo.png"}, "https://"),
        ({"logo_url": "javascript:alert(1)"}, "https://"),
        ({"logo_url": 'https://x.example/"onerror="alert(1)'}, "https://"),
        ({"font_family": "x; } body { background: url(https://evil)"}, "listed fonts"),
        ({"cs_key.0": "foo", "cs_text.0": "bar"}, "Unknown key &#34;foo&#34;"),
        ({"cs_key.0": pay, "cs_text.0": "Jetzt zahlen"},
         "must keep the placeholder %(amount)s"),
        ({"cs_key.0": pay, "cs_text.0": "%(amount)s bis %(date)s"},
         "uses the placeholder %(date)s"),
        ({"cs_key.0": "", "cs_text.0": "orphan"}, "Enter the message"),
        ({"cs_locale": "xx"}, "Choose one of the listed languages"),
    ]
    before = load_account(app, ana.public_id).settings
    for fields, expected in cases:
        answer = _post(signed_in, ana.public_id, "appearance", _appearance(**fields))
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, fields
        assert expected in page, (fields, expected)
        if "cs_text.0" in fields:
            assert f'name="cs_text.0" value="{fields["cs_text.0"]}"' in page  # kept
        assert load_account(app, ana.public_id).settings == before


def test_a_plural_override_is_edited_per_cldr_category(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    key = "%(value)s for %(num)s month"
    answer = _post(signed_in, ana.public_id, "appearance", _appearance(
        cs_locale="pl", **{"cs_key.0": key, "cs_plural.0.one": "%(value)s za miesiąc",
                           "cs_plural.0.few": "%(value)s za %(num)s miesiące",
                           "cs_plural.0.other": "%(value)s za %(num)s miesięcy"}))
    assert answer.status_code == 302
    table = load_account(app, ana.public_id).settings["custom_strings"]["pl"]
    assert table[key]["few"] == "%(value)s za %(num)s miesiące"
    page = signed_in.get(f"/dashboard/accounts/{ana.public_id}?strings_locale=pl")
    text = page.get_data(as_text=True)
    for category in ("one", "few", "many", "other"):
        assert f'name="cs_plural.0.{category}"' in text
