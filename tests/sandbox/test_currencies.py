"""Multi-currency prices in the sandbox, as Stripe does them: `currency_options` (created,
updated, includable), subscriptions and previews in one currency, and Stripe's refusals."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .test_shapes import assert_shape


def price(client: stripe.StripeClient, **extra: Any) -> stripe.Price:
    params: Any = {"product": "prod_pro", "currency": "usd", "unit_amount": 1000,
                   "recurring": {"interval": "month"}, **extra}
    return client.v1.prices.create(params)


def test_currency_options_are_includable_and_list_the_base_too(client):
    created = price(client, currency_options={
        "eur": {"unit_amount": 900, "tax_behavior": "inclusive"}, "jpy": {"unit_amount": 1500}})
    assert "currency_options" not in created.to_dict()
    shown = client.v1.prices.retrieve(created.id, {"expand": ["currency_options"]})
    options = shown.to_dict()["currency_options"]
    declared = set(stripe.Price.CurrencyOptions.__annotations__)
    assert all(set(option) == declared for option in options.values()), options
    assert set(options) == {"usd", "eur", "jpy"}
    assert (options["eur"]["unit_amount"], options["eur"]["tax_behavior"]) == (900, "inclusive")
    assert options["usd"]["unit_amount"] == 1000
    listed = client.v1.prices.list({"limit": 100, "expand": ["data.currency_options"]})
    assert listed.to_dict()["data"][0]["currency_options"]["jpy"]["unit_amount"] == 1500
    assert_shape(client.v1.prices.retrieve(created.id))


def test_tiered_options_bill_their_own_tiers(client):
    tiered = price(client, unit_amount=None, billing_scheme="tiered", tiers_mode="graduated",
                   tiers=[{"up_to": 5, "unit_amount": 100}, {"up_to": "inf", "unit_amount": 50}],
                   currency_options={"eur": {"tiers": [
                       {"up_to": 5, "unit_amount": 90}, {"up_to": "inf", "unit_amount": 40}]}})
    customer = client.v1.customers.create({"email": "tiers@example.com"})
    preview = client.v1.invoices.create_preview({
        "customer": customer.id, "currency": "eur",
        "subscription_details": {"items": [{"price": tiered.id, "quantity": 7}]}})
    assert (preview.currency, preview.total) == ("eur", 5 * 90 + 2 * 40)


@pytest.mark.parametrize(("options", "param"), [
    ({"currency_options[eur][unit_amount]": "x"}, "currency_options[eur][unit_amount]"),
    ({"currency_options[usd][unit_amount]": "100"}, "currency_options[usd]"),
    ({"currency_options[zzz][unit_amount]": "100"}, "currency_options[zzz]"),
    ({"currency_options[eur][tax_behavior]": "often"}, "currency_options[eur][tax_behavior]"),
    ({"currency_options[isk][unit_amount]": "12345"}, "currency_options[isk][unit_amount]"),
    ({"currency_options[eur][unit_amount]": "100", "currency_options[eur][unit_amountt]": "1"},
     "currency_options[eur][unit_amountt]"),
])
def test_bad_currency_options_are_refused(raw, options, param):
    response = raw("POST", "/v1/prices", data={
        "product": "prod_pro", "currency": "usd", "unit_amount": "1000",
        "recurring[interval]": "month", **options})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_isk_and_ugx_amounts_are_whole_units(raw):
    response = raw("POST", "/v1/prices", data={"product": "prod_pro", "currency": "isk",
                                               "unit_amount": "12345"})
    error = response.json()["error"]
    assert error["code"] == "invalid_charge_amount_no_decimal_compatible"
    ok = raw("POST", "/v1/prices", data={"product": "prod_pro", "currency": "ugx",
                                         "unit_amount": "500000"})
    assert ok.status_code == 200


def test_a_subscription_in_the_option_currency_bills_the_option(client):
    eur = price(client, currency_options={"eur": {"unit_amount": 900}})
    customer = client.v1.customers.create({"email": "new@example.com"})
    pm = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    sub = client.v1.subscriptions.create({
        "customer": customer.id, "currency": "eur", "items": [{"price": eur.id}],
        "default_payment_method": pm.id})
    assert (sub.currency, sub.status) == ("eur", "active")
    assert sub["items"].data[0].price.currency == "usd"  # Stripe's item price: the base
    invoice = client.v1.invoices.retrieve(str(sub.latest_invoice))
    assert (invoice.currency, invoice.total, invoice.amount_paid) == ("eur", 900, 900)
    assert client.v1.customers.retrieve(customer.id).currency == "eur"


def test_a_price_without_the_currency_is_refused(client):
    usd_only = price(client)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.create({"customer": "cus_demo_ana", "currency": "eur",
                                        "items": [{"price": usd_only.id}]})
    assert refused.value.param == "items[0][price]"
    assert "only supports `usd`" in str(refused.value.user_message)
    item = client.v1.subscriptions.retrieve("sub_demo_kenji")["items"].data[0].id
    with pytest.raises(stripe.InvalidRequestError) as updated:
        client.v1.subscriptions.update("sub_demo_kenji", {"items": [
            {"id": item, "price": "price_support_monthly"}]})
    assert updated.value.param == "items[0][price]"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.create_preview({"subscription": "sub_demo_kenji",
                                           "subscription_details": {"items": [
                                               {"id": item, "price": "price_support_monthly"}]}})


def test_a_customer_cannot_mix_currencies(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.create({"customer": "cus_demo_elena",
                                        "items": [{"price": "price_support_monthly"}]})
    assert "cannot combine currencies" in str(refused.value.user_message)
    assert client.v1.subscriptions.list({"customer": "cus_demo_elena"}).data[0].currency == "eur"


def test_preview_currency_must_be_the_subscriptions(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.invoices.create_preview({"subscription": "sub_demo_elena", "currency": "usd"})
    assert refused.value.param == "currency"
    same = client.v1.invoices.create_preview({"subscription": "sub_demo_elena",
                                              "currency": "eur"})
    assert (same.currency, same.total) == ("eur", 2700)


def test_seeded_jpy_invoices_are_whole_yen(client):
    invoices = client.v1.invoices.list({"customer": "cus_demo_kenji"}).data
    assert invoices and all((i.currency, i.total) == ("jpy", 1400) for i in invoices)
