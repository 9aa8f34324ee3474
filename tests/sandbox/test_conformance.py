"""Wire-format conformance: params, expand, pagination, errors, auth, idempotency, search."""

from __future__ import annotations

import pytest
import stripe


def test_bracket_params_and_metadata(client):
    customer = client.v1.customers.create({
        "email": "x@example.com", "metadata": {"plan": "gold", "seats": "3"},
        "address": {"line1": "1 Main St", "country": "US"}})
    assert customer.metadata.to_dict() == {"plan": "gold", "seats": "3"}
    assert customer.address.line1 == "1 Main St" and customer.address.city is None
    updated = client.v1.customers.update(customer.id, {"metadata": {"plan": ""}})
    assert updated.metadata.to_dict() == {"seats": "3"}


def test_expand_nested_through_lists(client):
    subs = client.v1.subscriptions.list({"customer": "cus_demo_ana", "expand": [
        "data.default_payment_method", "data.customer.invoice_settings.default_payment_method",
        "data.latest_invoice"]})
    sub = subs.data[0]
    assert sub.customer.invoice_settings.default_payment_method.card.last4 == "4242"
    assert sub.latest_invoice.object == "invoice"
    prices = client.v1.prices.list({"expand": ["data.product"], "limit": 3})
    assert all(p.product.object == "product" for p in prices.data)


def test_expand_more_than_four_levels_is_refused(raw):
    response = raw("GET", "/v1/subscriptions/sub_demo_ana",
                   params={"expand[]": "customer.a.b.c.d"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "expand"


def test_pagination_starting_after_and_has_more(client):
    first = client.v1.customers.list({"limit": 4})
    assert len(first.data) == 4 and first.has_more
    second = client.v1.customers.list({"limit": 4, "starting_after": first.data[-1].id})
    assert not {c.id for c in first.data} & {c.id for c in second.data}
    back = client.v1.customers.list({"limit": 4, "ending_before": second.data[0].id})
    assert [c.id for c in back.data] == [c.id for c in first.data]
    every = [c.id for c in client.v1.customers.list({"limit": 3}).auto_paging_iter()]
    assert len(every) == len(set(every)) >= 10


def test_list_newest_first(client):
    a = client.v1.customers.create({"email": "a@example.com"})
    b = client.v1.customers.create({"email": "b@example.com"})
    assert [c.id for c in client.v1.customers.list({"limit": 2}).data] == [b.id, a.id]


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_bad_limit_is_400(raw, limit):
    response = raw("GET", "/v1/customers", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_id_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.retrieve("cus_nope")
    assert error.value.http_status == 404
    assert error.value.code == "resource_missing"
    assert error.value.error.message == "No such customer: 'cus_nope'"
    assert error.value.error.param == "id"


def test_unknown_parameter_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create(
            {"customer": "cus_demo_ana", "items": [{"price": "price_pro_monthly"}],
             "coupon": "welcome-20"})  # type: ignore[typeddict-unknown-key]
    assert error.value.error.param == "coupon"


def test_unknown_url_is_404_json(raw):
    response = raw("GET", "/v1/upcoming_invoices")
    assert response.status_code == 404
    assert "Unrecognized request URL" in response.json()["error"]["message"]


@pytest.mark.parametrize("key", ["sk_live_123456789012", "nonsense"])
def test_bad_key_is_401(sandbox, key):
    bad = stripe.StripeClient(key, base_addresses={"api": sandbox.url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as error:
        bad.v1.customers.list()
    assert error.value.http_status == 401


def test_missing_key_is_401(raw):
    response = raw("GET", "/v1/customers", key=None)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_restricted_key_is_accepted(sandbox):
    rk = stripe.StripeClient("rk_test_abc", base_addresses={"api": sandbox.url},
                             max_network_retries=0)
    assert rk.v1.customers.retrieve("cus_demo_ana").email == "ana@example.com"


def test_publishable_key_only_on_stripe_js_endpoints(raw):
    denied = raw("GET", "/v1/customers", key="pk_test_abc")
    assert denied.status_code == 401
    created = raw("POST", "/v1/payment_methods", key="pk_test_abc", data={
        "type": "card", "card[number]": "4242424242424242", "card[exp_month]": "4",
        "card[exp_year]": "2033"})
    assert created.status_code == 200
    assert created.headers["Access-Control-Allow-Origin"] == "*"
    assert "number" not in created.json()["card"]


def test_idempotency_replay_and_mismatch(raw):
    headers = {"Idempotency-Key": "key-1"}
    first = raw("POST", "/v1/customers", data={"email": "i@example.com"}, headers=headers)
    again = raw("POST", "/v1/customers", data={"email": "i@example.com"},
                headers={"Idempotency-Key": "key-1"})
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = raw("POST", "/v1/customers", data={"email": "j@example.com"},
                headers={"Idempotency-Key": "key-1"})
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"


def test_idempotent_subscription_create_through_sdk(client):
    params = {"customer": "cus_demo_ana", "items": [{"price": "price_starter_monthly"}]}
    one = client.v1.subscriptions.create(params, {"idempotency_key": "resub-1"})
    two = client.v1.subscriptions.create(params, {"idempotency_key": "resub-1"})
    assert one.id == two.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.subscriptions.create({**params, "items": [{"price": "price_pro_monthly"}]},
                                       {"idempotency_key": "resub-1"})


def test_failed_request_writes_nothing(client):
    before = len(client.v1.subscriptions.list({"status": "all", "limit": 100}).data)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.create({"customer": "cus_demo_ana", "items": [
            {"price": "price_pro_monthly"}], "discounts": [{"promotion_code": "promo_nope"}]})
    assert len(client.v1.subscriptions.list({"status": "all", "limit": 100}).data) == before


def test_list_email_filter_is_case_sensitive_but_search_is_not(client):
    exact = client.v1.customers.list({"email": "Mixed.Case@Example.com"}).data
    lowered = client.v1.customers.list({"email": "mixed.case@example.com"}).data
    assert [c.id for c in exact] == ["cus_demo_mixed"]
    assert lowered == []
    found = client.v1.customers.search({"query": "email:'mixed.case@example.com'"})
    assert found.object == "search_result"
    assert [c.id for c in found.data] == ["cus_demo_mixed"]


def test_search_substring_and_metadata(client):
    client.v1.customers.update("cus_demo_ana", {"metadata": {"tier": "gold"}})
    assert [c.id for c in client.v1.customers.search(
        {"query": "metadata['tier']:'gold'"}).data] == ["cus_demo_ana"]
    assert "cus_demo_ana" in [c.id for c in client.v1.customers.search(
        {"query": 'email~"ana@"'}).data]


def test_deleted_customer_shape(client):
    customer = client.v1.customers.create({"email": "gone@example.com"})
    client.v1.customers.delete(customer.id)
    again = client.v1.customers.retrieve(customer.id)
    assert again.to_dict() == {"id": customer.id, "object": "customer", "deleted": True}


def test_card_error_has_decline_code(client):
    customer = client.v1.customers.create({})
    pm = client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000000000000002", "exp_month": 1, "exp_year": 2033}})
    with pytest.raises(stripe.CardError) as error:
        client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    assert error.value.http_status == 402
    assert error.value.code == "card_declined"
    assert error.value.error.decline_code == "generic_decline"
