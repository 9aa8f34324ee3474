"""Stripe's documented rules the portal relies on: parameter checks, idempotency, limits,
state refusals, the search grammar, test tokens and test payment methods, includable fields."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

# --- parameter validation (derived from stripe.params) ----------------------------------------


@pytest.mark.parametrize(("method", "path", "data", "code", "param"), [
    ("POST", "/v1/subscriptions", {"customer": "cus_demo_ana",
                                   "items[0][pricee]": "price_pro_monthly"},
     "parameter_unknown", "items[0][pricee]"),
    ("POST", "/v1/subscriptions", {"items[0][price]": "price_pro_monthly"},
     "parameter_missing", "customer"),
    ("POST", "/v1/customers/cus_demo_ana/tax_ids", {"type": "eu_vat"},
     "parameter_missing", "value"),
    ("POST", "/v1/subscriptions/sub_demo_ana", {"proration_date": "soon"},
     "parameter_invalid_integer", "proration_date"),
    ("POST", "/v1/subscriptions/sub_demo_ana", {"proration_behavior": "sometimes"},
     None, "proration_behavior"),
    ("POST", "/v1/subscriptions/sub_demo_ana", {"cancel_at_period_end": "maybe"},
     None, "cancel_at_period_end"),
    ("POST", "/v1/subscriptions/sub_demo_ana", {"proration_behavior": ""},
     "parameter_invalid_empty", "proration_behavior"),
    ("POST", "/v1/subscriptions/sub_demo_ana", {"collection_method": "send_invoice"},
     "parameter_not_emulated", "collection_method"),
    ("POST", "/v1/subscriptions/sub_demo_ana", {"items[0][price_data][currency]": "usd"},
     "parameter_not_emulated", "items[0][price_data]"),
    ("POST", "/v1/invoices/create_preview", {"subscription_details[itemz][0][id]": "x"},
     "parameter_unknown", "subscription_details[itemz]"),
    ("DELETE", "/v1/subscriptions/sub_demo_ana", {"cancellation_details[feedbak]": "x"},
     "parameter_unknown", "cancellation_details[feedbak]"),
    ("GET", "/v1/customers/cus_demo_ana", {"limit": "3"}, "parameter_unknown", "limit"),
    ("GET", "/v1/subscriptions", {"created[gtt]": "1"}, "parameter_unknown", "created[gtt]"),
    ("POST", "/v1/setup_intents", {"payment_method_types[0]": "card"},
     "parameter_unknown", "payment_method_types"),
])
def test_parameters_are_checked_at_every_depth(raw, method, path, data, code, param):
    kwargs = {"params": data} if method in ("GET", "DELETE") else {"data": data}
    response = raw(method, path, **kwargs)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert (error.get("code"), error["param"]) == (code, param), error


def test_bad_enum_names_the_choices(raw):
    error = raw("POST", "/v1/subscriptions/sub_demo_ana",
                data={"proration_behavior": "sometimes"}).json()["error"]
    assert error["message"] == ("Invalid proration_behavior: must be one of always_invoice, "
                                "create_prorations, or none")


@pytest.mark.parametrize(("metadata", "param"), [
    ({f"metadata[k{n}]": "v" for n in range(51)}, "metadata"),
    ({"metadata[" + "k" * 41 + "]": "v"}, "metadata[" + "k" * 41 + "]"),
    ({"metadata[k]": "v" * 501}, "metadata[k]"),
])
def test_metadata_limits(raw, metadata, param):
    response = raw("POST", "/v1/customers/cus_demo_ana", data=metadata)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


# --- idempotency ------------------------------------------------------------------------------


def _create(raw, key: str, **extra: str) -> Any:
    data = {"email": "idem@example.com", **extra}
    return raw("POST", "/v1/customers", data=data, headers={"Idempotency-Key": key})


def test_a_request_refused_by_validation_is_not_saved(raw):
    refused = _create(raw, "idem-1", emaill="x")
    assert refused.status_code == 400
    created = _create(raw, "idem-1")
    assert created.status_code == 200 and "Idempotent-Replayed" not in created.headers
    replay = _create(raw, "idem-1")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == created.json()["id"]


def test_same_key_other_parameters_is_an_idempotency_error(raw):
    assert _create(raw, "idem-2").status_code == 200
    other = _create(raw, "idem-2", name="Other")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"


def test_a_key_longer_than_255_characters_is_refused(raw):
    assert _create(raw, "k" * 255).status_code == 200
    response = _create(raw, "k" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"


# --- limits and state refusals ----------------------------------------------------------------


def _prices(client: stripe.StripeClient, count: int) -> list[str]:
    product = client.v1.products.create({"name": "Many"})
    return [client.v1.prices.create({"product": product.id, "currency": "usd",
                                     "unit_amount": 100 + n,
                                     "recurring": {"interval": "month"}}).id
            for n in range(count)]


def test_at_most_20_items(client, customer_with_card):
    customer, pm = customer_with_card()
    prices = _prices(client, 21)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create({"customer": customer.id, "default_payment_method": pm.id,
                                        "items": [{"price": p} for p in prices]})
    assert "at most 20 items" in error.value.user_message
    sub = client.v1.subscriptions.create({"customer": customer.id,
                                          "default_payment_method": pm.id,
                                          "items": [{"price": p} for p in prices[:20]]})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(sub.id, {"items": [{"price": prices[20]}]})


def test_no_two_items_with_the_same_price(client, customer_with_card):
    customer, pm = customer_with_card()
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create({
            "customer": customer.id, "default_payment_method": pm.id,
            "items": [{"price": "price_pro_monthly"}, {"price": "price_pro_monthly"}]})
    assert "same price" in error.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update("sub_demo_farid", {
            "items": [{"price": "price_pro_monthly"}]})


def test_cancel_fields_of_a_scheduled_subscription_are_refused(client):
    schedule = client.v1.subscription_schedules.create({"from_subscription": "sub_demo_ana"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update("sub_demo_ana", {"cancel_at_period_end": True})
    assert schedule.id in error.value.user_message
    assert error.value.error.param == "cancel_at_period_end"
    client.v1.subscription_schedules.release(schedule.id)
    assert client.v1.subscriptions.update(
        "sub_demo_ana", {"cancel_at_period_end": True}).cancel_at_period_end is True


def test_a_canceled_subscription_takes_only_metadata_and_details(client):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update("sub_demo_dan", {"cancel_at_period_end": False})
    updated = client.v1.subscriptions.update("sub_demo_dan", {"metadata": {"a": "b"}})
    assert updated.metadata["a"] == "b"


# --- search grammar ---------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "emails"), [
    ("email:'ana@example.com'", {"ana@example.com"}),
    ("email:'ANA@example.com'", {"ana@example.com"}),
    ("email~'ana@exa'", {"ana@example.com", "hana@example.com"}),
    ("email:'ana@example.com' OR email:'ben@example.com'",
     {"ana@example.com", "ben@example.com"}),
    ("email:'ana@example.com' AND -name~'Ana'", set()),
    ("email:\"mixed.case@example.com\"", {"Mixed.Case@Example.com"}),
    # a space combines clauses with AND; the keywords are case-insensitive (Stripe's docs)
    ("email:'ana@example.com' name:'Ana Souza'", {"ana@example.com"}),
    ("email:'ana@example.com' name:'Ben Okafor'", set()),
    ("email:'ana@example.com' or email:'ben@example.com'",
     {"ana@example.com", "ben@example.com"}),
    ("name~'x\\' OR email:\\'ana@example.com'", set()),  # an escaped quote stays in the value
])
def test_search_finds(client, query, emails):
    found = client.v1.customers.search({"query": query}).data
    assert {c.email for c in found} == emails


@pytest.mark.parametrize("query", [
    "email:ana@example.com",                      # unquoted text
    "email:'a' AND name:'b' OR phone:'c'",        # AND and OR mixed
    "email:'a' name:'b' OR phone:'c'",            # a space (AND) mixed with OR
    "email:'a'name:'b'",                          # no space between clauses
    "metadata['tier']~'gol'",                     # metadata is a token field: exact only
    "email~'an'",                                 # substring shorter than 3
    "description:'x'",                            # not a searchable customer field
    "email>'a'",                                  # comparison on text
    "email:'unterminated",
    " OR ".join(f"email:'{n}@x.io'" for n in range(11)),  # more than 10 clauses
])
def test_search_refuses_what_stripe_refuses(client, query):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.search({"query": query})
    assert error.value.error.param == "query"


def test_search_by_created_and_metadata(client):
    customer = client.v1.customers.create({"email": "meta@example.com",
                                           "metadata": {"plan": "gold"}})
    found = client.v1.customers.search({
        "query": f"metadata['plan']:'gold' AND created>={customer.created}"}).data
    assert [c.id for c in found] == [customer.id]


# --- test tokens and test payment methods -----------------------------------------------------


def test_tok_visa_makes_a_card(client):
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    assert (pm.card.brand, pm.card.last4) == ("visa", "4242")
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_nope"}})
    assert error.value.code == "resource_missing"


def test_pm_card_visa_is_a_new_card_each_time(client):
    first = client.v1.payment_methods.attach("pm_card_visa", {"customer": "cus_demo_ben"})
    second = client.v1.payment_methods.attach("pm_card_visa", {"customer": "cus_demo_ben"})
    assert first.id != second.id and first.id.startswith("pm_")
    assert first.card.last4 == "4242" and first.customer == "cus_demo_ben"


def test_test_payment_methods_work_in_params(client):
    customer = client.v1.customers.create({"email": "t@example.com",
                                           "payment_method": "pm_card_mastercard"})
    methods = client.v1.customers.payment_methods.list(customer.id).data
    assert [m.card.brand for m in methods] == ["mastercard"]
    with pytest.raises(stripe.CardError) as error:
        client.v1.payment_methods.attach("pm_card_chargeDeclined", {"customer": customer.id})
    assert error.value.code == "card_declined"


def test_declining_test_payment_method_on_invoice_pay(client):
    invoice = client.v1.subscriptions.retrieve("sub_demo_carla").latest_invoice
    with pytest.raises(stripe.CardError) as error:
        client.v1.invoices.pay(invoice, {"payment_method":
                                         "pm_card_chargeDeclinedInsufficientFunds"})
    assert error.value.error.decline_code == "insufficient_funds"
    paid = client.v1.invoices.pay(invoice, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid"


# --- includable and expandable fields ---------------------------------------------------------


def test_tax_ids_only_when_expanded(client):
    plain = client.v1.customers.retrieve("cus_demo_ana")
    assert "tax_ids" not in plain
    expanded = client.v1.customers.retrieve("cus_demo_ana", {"expand": ["tax_ids"]})
    assert expanded.tax_ids.object == "list" and expanded.tax_ids.data[0].type == "eu_vat"
    assert expanded.tax_ids.url == "/v1/customers/cus_demo_ana/tax_ids"


def test_expandable_fields_are_ids_unless_expanded(client):
    sub = client.v1.subscriptions.retrieve("sub_demo_ana")
    assert isinstance(sub.customer, str) and isinstance(sub.latest_invoice, str)
    sub = client.v1.subscriptions.retrieve("sub_demo_ana", {"expand": ["customer"]})
    assert sub.customer.object == "customer" and "tax_ids" not in sub.customer


def test_invoice_lines_are_paged_at_ten(client, customer_with_card):
    customer, pm = customer_with_card()
    prices = _prices(client, 12)
    sub = client.v1.subscriptions.create({"customer": customer.id,
                                          "default_payment_method": pm.id,
                                          "items": [{"price": p} for p in prices]})
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert len(invoice.lines.data) == 10 and invoice.lines.has_more
    every = list(client.v1.invoices.line_items.list(invoice.id, {"limit": 5})
                 .auto_paging_iter())
    assert len(every) == 12 and sum(line.amount for line in every) == invoice.subtotal
    preview = client.v1.invoices.create_preview({"subscription": sub.id})
    assert preview.lines.has_more
    assert len(list(client.v1.invoices.line_items.list(preview.id).auto_paging_iter())) == 12


def test_client_secret_is_accepted_only_from_stripe_js(raw):
    seti = raw("POST", "/v1/setup_intents", data={"customer": "cus_demo_ana"}).json()
    pm = raw("POST", "/v1/payment_methods", key="pk_test_js", data={
        "type": "card", "card[token]": "tok_visa"}).json()
    body = {"payment_method": pm["id"], "client_secret": seti["client_secret"]}
    # the server-side SDK's confirm declares no client_secret: a secret key sending it is
    # refused, Stripe.js (a publishable key) must send it
    refused = raw("POST", f"/v1/setup_intents/{seti['id']}/confirm", data=body)
    assert refused.json()["error"]["code"] == "parameter_unknown"
    allowed = raw("POST", f"/v1/setup_intents/{seti['id']}/confirm", key="pk_test_js",
                  data=body)
    assert allowed.json()["status"] == "succeeded"


def test_customer_create_takes_locales_and_tax_ids(client):
    customer = client.v1.customers.create({
        "email": "locale@example.com", "preferred_locales": ["de", "en"],
        "tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}],
        "expand": ["tax_ids"]})
    assert customer.preferred_locales == ["de", "en"]
    assert [t.value for t in customer.tax_ids.data] == ["DE123456789"]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create({"tax_id_data": [{"type": "eu_vat", "value": "nope"}]})
    assert error.value.error.param == "tax_id_data[0][value]"


def test_a_trial_end_date_on_update_is_refused_by_name(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update("sub_demo_ben", {"trial_end": 1_900_000_000})
    assert (error.value.code, error.value.error.param) == ("parameter_not_emulated",
                                                           "trial_end")


def test_a_trial_is_never_prorated_nor_re_anchored(client):
    """API 2026-10-28: an anchor before trial_end is refused on update and on preview
    (subscription_update_trial_after_billing_cycle_anchor); a price change in a trial
    creates no proration (no paid time) and keeps the trial's end as the anchor."""
    sub = client.v1.subscriptions.retrieve("sub_demo_ben")
    item = sub["items"].data[0].id
    change = {"items": [{"id": item, "price": "price_pro_yearly"}],
              "billing_cycle_anchor": {"type": "now"}, "proration_behavior": "always_invoice"}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.update("sub_demo_ben", change)
    assert refused.value.code == "subscription_update_trial_after_billing_cycle_anchor"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.invoices.create_preview({"subscription": "sub_demo_ben",
                                           "subscription_details": change})
    assert refused.value.code == "subscription_update_trial_after_billing_cycle_anchor"
    del change["billing_cycle_anchor"]
    updated = client.v1.subscriptions.update("sub_demo_ben", change)
    assert updated.latest_invoice == sub.latest_invoice  # nothing to invoice
    assert (updated.status, updated.trial_end) == ("trialing", sub.trial_end)
    assert updated["items"].data[0].current_period_end == sub.trial_end
    upcoming = client.v1.invoices.create_preview({"subscription": "sub_demo_ben"})
    assert [line.amount for line in upcoming.lines.data] == [29000]
