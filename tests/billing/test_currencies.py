"""Prices in the customer's currency (billing/currencies.py) and their cached form."""

from __future__ import annotations

import dataclasses

import stripe

from widget_server.billing.catalog import CatalogEntry
from widget_server.billing.currencies import (
    currency_options_of,
    customer_currency,
    localize_prices,
    localize_subscription,
    price_in,
)
from widget_server.billing.domain import Price, Product, Subscription, SubscriptionItem

PRO = Product(id="prod_pro", name="Pro")
MONTHLY = Price(id="price_m", product=PRO, currency="usd", unit_amount=2900, interval="month",
                currency_options=(("eur", 2700), ("jpy", 4400)))
ADDON = Price(id="price_a", product=PRO, currency="usd", unit_amount=1900, interval="month")


def sub(currency: str, status: str = "active", price: Price = MONTHLY) -> Subscription:
    item = SubscriptionItem(id="si_1", price=price, quantity=2, current_period_start=0,
                            current_period_end=1)
    return Subscription(id="sub_1", customer_id="cus_1", status=status, currency=currency,
                        created=0, items=(item,))


def test_price_in_a_currency_option_or_none() -> None:
    assert price_in(MONTHLY, "usd") is MONTHLY
    eur = price_in(MONTHLY, "eur")
    assert eur is not None and (eur.currency, eur.unit_amount, eur.id) == ("eur", 2700, "price_m")
    assert price_in(MONTHLY, "gbp") is None
    assert price_in(ADDON, "eur") is None
    assert [p.id for p in localize_prices([MONTHLY, ADDON], "jpy")] == ["price_m"]


def test_options_from_a_stripe_object_and_from_json() -> None:
    raw = stripe.Price.construct_from({"id": "price_m", "object": "price", "currency_options": {
        "usd": {"unit_amount": 2900}, "jpy": {"unit_amount": 4400},
        "eur": {"unit_amount": 2700}}}, "sk_test")
    expected = (("eur", 2700), ("jpy", 4400))  # sorted, the base left out
    assert currency_options_of(raw.currency_options, "usd") == expected
    assert currency_options_of({"eur": {"unit_amount": 2700}}, "usd") == (("eur", 2700),)
    assert currency_options_of(None, "usd") == ()


def test_the_cached_catalog_keeps_the_options() -> None:
    entry = CatalogEntry(prices=(MONTHLY,), products={"prod_pro": PRO}, fetched_at=1.0)
    again = CatalogEntry.from_json(entry.to_json())
    assert again.prices[0] == MONTHLY
    assert hash(again.prices[0]) == hash(MONTHLY)


def test_a_subscription_is_shown_in_its_currency() -> None:
    shown = localize_subscription(sub("eur"), {"price_m": MONTHLY})
    assert (shown.items[0].price.currency, shown.items[0].price.unit_amount) == ("eur", 2700)
    unknown = localize_subscription(sub("eur"), {})
    # not in the catalog (an archived price): no amount rather than one in the wrong currency
    assert (unknown.items[0].price.currency, unknown.items[0].price.unit_amount) == ("eur", None)
    same = localize_subscription(sub("usd"), {})
    assert (same.items[0].price.currency, same.items[0].price.unit_amount) == ("usd", 2900)


def test_the_customers_currency_is_that_of_the_live_subscriptions() -> None:
    assert customer_currency([]) is None
    assert customer_currency([sub("usd", "canceled"), sub("eur")]) == "eur"
    assert customer_currency([sub("jpy", "canceled")]) == "jpy"


def test_a_subscription_already_in_its_currency_is_returned_as_it_is() -> None:
    """The common case costs nothing: no copy of the subscription, its items or prices."""
    usd = sub("usd")
    assert localize_subscription(usd, {"price_m": MONTHLY}) is usd
    mixed_items = (*sub("eur").items, SubscriptionItem(
        id="si_2", price=Price(id="price_e", product=PRO, currency="eur", unit_amount=500,
                               interval="month"),
        quantity=1, current_period_start=0, current_period_end=1))
    mixed = dataclasses.replace(sub("eur"), items=mixed_items)
    shown = localize_subscription(mixed, {"price_m": MONTHLY})
    assert shown is not mixed
    assert [(i.price.currency, i.price.unit_amount) for i in shown.items] == [
        ("eur", 2700), ("eur", 500)]
    assert shown.items[1] is mixed_items[1]  # the item Stripe gave in euros is kept
