"""Every sandbox endpoint against the pinned stripe-python (issue 8's acceptance walk).

For each route the sandbox serves (all the portal uses, and the few its tests need):
- a valid call whose response must carry exactly the fields the SDK declares for the
  endpoint's result type (no missing and no undeclared field, at every depth);
- an unknown top-level parameter, refused with 400 `parameter_unknown`;
- an unknown parameter inside a hash the SDK declares for the endpoint (one the route
  emulates when there is one: `items[0][zzz_unknown]`), refused the same way with Stripe's
  bracket spelling. A route whose SDK params declare no hash at all (retrieve calls: only
  `expand`) is probed with an unknown hash instead.
A route without a scenario below fails the coverage test, so the walk stays at 100 %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from widget_server.sandbox import create_sandbox_app
from widget_server.sandbox.api import _TABLES
from widget_server.stripe_schema import params as sdk
from widget_server.stripe_schema.endpoints import endpoint_for
from widget_server.stripe_schema.objects import check_response

from .clock_scenarios import CLOCK_SCENARIOS
from .usage_scenarios import USAGE_SCENARIOS

AUTH = {"Authorization": "Bearer sk_test_fidelity"}
Call = tuple[str, dict[str, Any]]  # (path after /v1, params)


def encode(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs += encode(value, name)
        elif isinstance(value, list):
            for index, entry in enumerate(value):
                pairs += encode({str(index): entry}, name) if isinstance(entry, dict | list) \
                    else [(f"{name}[{index}]", str(entry))]
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value)))
    return pairs


class Api:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(self, method: str, path: str, params: dict[str, Any] | None = None
                 ) -> tuple[int, dict[str, Any]]:
        pairs = MultiDict(encode(params or {}))
        if method == "POST":
            response = self.client.post("/v1" + path, data=pairs, headers=AUTH)
        else:
            response = self.client.open("/v1" + path, method=method, query_string=pairs,
                                        headers=AUTH)
        return response.status_code, response.get_json()

    def ok(self, method: str, path: str, params: dict[str, Any] | None = None
           ) -> dict[str, Any]:
        status, body = self(method, path, params)
        assert status == 200, (method, path, body)
        return body


def _card(api: Api, customer: str | None = None) -> str:
    pm = api.ok("POST", "/payment_methods", {"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 1, "exp_year": 2040}})["id"]
    if customer:
        api.ok("POST", f"/payment_methods/{pm}/attach", {"customer": customer})
    return str(pm)


def _customer(api: Api) -> str:
    return str(api.ok("POST", "/customers", {"email": "walk@example.com"})["id"])


def _tax_id(api: Api) -> str:
    return str(api.ok("POST", "/customers/cus_demo_ana/tax_ids",
                      {"type": "us_ein", "value": "12-3456789"})["id"])


def _schedule(api: Api, sub: str) -> str:
    return str(api.ok("POST", "/subscription_schedules", {"from_subscription": sub})["id"])


def _subscription(api: Api) -> str:
    customer = _customer(api)
    pm = _card(api, customer)
    return str(api.ok("POST", "/subscriptions", {
        "customer": customer, "default_payment_method": pm,
        "items": [{"price": "price_pro_monthly"}]})["id"])


def _open_invoice(api: Api) -> str:
    sub = api.ok("GET", "/subscriptions/sub_demo_carla")
    return str(sub["latest_invoice"])


def _intent(api: Api) -> str:
    """The PaymentIntent of a new subscription's first invoice, its card declined."""
    customer = _customer(api)
    pm = api.ok("POST", "/payment_methods", {"type": "card", "card": {
        "number": "4000000000000341", "exp_month": 1, "exp_year": 2040}})["id"]
    api.ok("POST", f"/payment_methods/{pm}/attach", {"customer": customer})
    sub = api.ok("POST", "/subscriptions", {
        "customer": customer, "items": [{"price": "price_pro_monthly"}],
        "default_payment_method": pm, "payment_behavior": "allow_incomplete",
        "expand": ["latest_invoice.payments"]})
    payments = sub["latest_invoice"]["payments"]["data"]
    return str(payments[-1]["payment"]["payment_intent"])


def _item(api: Api, sub: str = "sub_demo_grace") -> str:
    return str(api.ok("GET", f"/subscriptions/{sub}")["items"]["data"][0]["id"])


# "METHOD /rule" -> a function that prepares what it needs and returns a valid call
SCENARIOS: dict[str, Callable[[Api], Call]] = {
    "POST /customers": lambda a: ("/customers", {
        "email": "w@example.com", "address": {"country": "US", "line1": "1 Main"},
        "invoice_settings": {}, "metadata": {"k": "v"}, "preferred_locales": ["en"],
        "tax_id_data": [{"type": "us_ein", "value": "12-3456789"}]}),
    "GET /customers/<customer_id>": lambda a: ("/customers/cus_demo_ana",
                                              {"expand": ["tax_ids"]}),
    "POST /customers/<customer_id>": lambda a: ("/customers/cus_demo_ana", {
        "name": "Ana B", "address": {"city": "Lisbon"}}),
    "DELETE /customers/<customer_id>": lambda a: (f"/customers/{_customer(a)}", {}),
    "GET /customers": lambda a: ("/customers", {"email": "ana@example.com", "limit": 3}),
    "GET /customers/search": lambda a: ("/customers/search", {
        "query": "email:'ana@example.com'"}),
    "POST /customers/<customer_id>/tax_ids": lambda a: ("/customers/cus_demo_ana/tax_ids", {
        "type": "gb_vat", "value": "GB123456789"}),
    "GET /customers/<customer_id>/tax_ids": lambda a: ("/customers/cus_demo_ana/tax_ids", {}),
    "GET /customers/<customer_id>/tax_ids/<tax_id>": lambda a: (
        f"/customers/cus_demo_ana/tax_ids/{_tax_id(a)}", {}),
    "DELETE /customers/<customer_id>/tax_ids/<tax_id>": lambda a: (
        f"/customers/cus_demo_ana/tax_ids/{_tax_id(a)}", {}),
    "GET /customers/<customer_id>/payment_methods": lambda a: (
        "/customers/cus_demo_ana/payment_methods", {"type": "card"}),
    "POST /products": lambda a: ("/products", {"name": "Walk", "metadata": {"a": "b"}}),
    "POST /products/<product_id>": lambda a: ("/products/prod_pro", {"description": "d"}),
    "GET /products/<product_id>": lambda a: ("/products/prod_pro", {}),
    "GET /products": lambda a: ("/products", {"active": True, "ids": ["prod_pro"]}),
    "POST /prices": lambda a: ("/prices", {
        "product": "prod_pro", "currency": "usd", "unit_amount": 100,
        "recurring": {"interval": "month"}}),
    "POST /prices/<price_id>": lambda a: ("/prices/price_pro_monthly", {"nickname": "Pro"}),
    "GET /prices/<price_id>": lambda a: ("/prices/price_pro_monthly", {"expand": ["tiers"]}),
    "GET /prices": lambda a: ("/prices", {"active": True, "type": "recurring",
                                          "expand": ["data.product"]}),
    "POST /coupons": lambda a: ("/coupons", {"percent_off": 5, "duration": "once",
                                             "applies_to": {"products": ["prod_pro"]}}),
    "GET /coupons/<coupon_id>": lambda a: ("/coupons/welcome-20", {"expand": ["applies_to"]}),
    "DELETE /coupons/<coupon_id>": lambda a: (
        "/coupons/" + a.ok("POST", "/coupons", {"amount_off": 100, "currency": "usd"})["id"],
        {}),
    "GET /coupons": lambda a: ("/coupons", {"limit": 5}),
    "POST /promotion_codes": lambda a: ("/promotion_codes", {
        "promotion": {"type": "coupon", "coupon": "welcome-20"}, "code": "WALK1",
        "restrictions": {"minimum_amount": 100, "minimum_amount_currency": "usd"}}),
    "POST /promotion_codes/<promo_id>": lambda a: ("/promotion_codes/promo_welcome20",
                                                   {"metadata": {"a": "b"}}),
    "GET /promotion_codes/<promo_id>": lambda a: ("/promotion_codes/promo_welcome20", {
        "expand": ["promotion.coupon.applies_to"]}),
    "GET /promotion_codes": lambda a: ("/promotion_codes", {"code": "WELCOME20"}),
    "POST /payment_methods": lambda a: ("/payment_methods", {"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 1, "exp_year": 2040}}),
    "GET /payment_methods/<pm_id>": lambda a: ("/payment_methods/pm_demo_ana", {}),
    "POST /payment_methods/<pm_id>": lambda a: ("/payment_methods/pm_demo_ana", {
        "billing_details": {"name": "Ana"}}),
    "POST /payment_methods/<pm_id>/attach": lambda a: (
        f"/payment_methods/{_card(a)}/attach", {"customer": "cus_demo_ana"}),
    "POST /payment_methods/<pm_id>/detach": lambda a: (
        f"/payment_methods/{_card(a, 'cus_demo_ana')}/detach", {}),
    "GET /payment_methods": lambda a: ("/payment_methods", {"customer": "cus_demo_ana",
                                                            "type": "card"}),
    "POST /setup_intents": lambda a: ("/setup_intents", {
        "customer": "cus_demo_ana", "usage": "off_session",
        "allowed_payment_method_types": ["card"]}),
    "GET /setup_intents/<seti_id>": lambda a: (
        "/setup_intents/" + a.ok("POST", "/setup_intents", {"customer": "cus_demo_ana"})["id"],
        {}),
    "POST /setup_intents/<seti_id>/confirm": lambda a: (
        "/setup_intents/" + a.ok("POST", "/setup_intents", {"customer": "cus_demo_ana"})["id"]
        + "/confirm", {"payment_method": _card(a)}),
    "POST /subscriptions": lambda a: ("/subscriptions", {
        "customer": "cus_demo_ben", "items": [{"price": "price_team_monthly", "quantity": 2}],
        "payment_behavior": "allow_incomplete", "expand": ["latest_invoice"]}),
    "GET /subscriptions/<sub_id>": lambda a: ("/subscriptions/sub_demo_hana", {
        "expand": ["discounts.source.coupon", "discounts.promotion_code",
                   "default_payment_method", "latest_invoice"]}),
    "GET /subscriptions": lambda a: ("/subscriptions", {"customer": "cus_demo_ivan",
                                                        "status": "all"}),
    "POST /subscriptions/<sub_id>": lambda a: ("/subscriptions/sub_demo_grace", {
        "items": [{"id": _item(a), "quantity": 6}], "proration_behavior": "create_prorations",
        "cancellation_details": {"comment": "walk"}, "metadata": {"w": "1"}}),
    "DELETE /subscriptions/<sub_id>": lambda a: (f"/subscriptions/{_subscription(a)}", {
        "cancellation_details": {"feedback": "unused"}, "prorate": True}),
    "GET /subscription_items": lambda a: ("/subscription_items", {
        "subscription": "sub_demo_farid"}),
    "GET /subscription_items/<item_id>": lambda a: (f"/subscription_items/{_item(a)}", {}),
    "POST /subscription_items/<item_id>": lambda a: (f"/subscription_items/{_item(a)}", {
        "quantity": 7, "proration_behavior": "none"}),
    "GET /invoices/<invoice_id>": lambda a: (f"/invoices/{_open_invoice(a)}", {}),
    "GET /invoices/<invoice_id>/lines": lambda a: (f"/invoices/{_open_invoice(a)}/lines",
                                                   {"limit": 5}),
    "GET /invoices": lambda a: ("/invoices", {"customer": "cus_demo_ana", "limit": 3}),
    "POST /invoices/<invoice_id>/pay": lambda a: (f"/invoices/{_open_invoice(a)}/pay", {
        "payment_method": _card(a, "cus_demo_carla")}),
    "POST /invoices/create_preview": lambda a: ("/invoices/create_preview", {
        "customer": "cus_demo_grace", "subscription": "sub_demo_grace",
        "subscription_details": {"items": [{"id": _item(a), "quantity": 9}],
                                 "proration_behavior": "create_prorations"}}),
    "GET /payment_intents/<pi_id>": lambda a: (f"/payment_intents/{_intent(a)}", {}),
    "POST /payment_intents/<pi_id>/confirm": lambda a: (
        f"/payment_intents/{_intent(a)}/confirm", {"payment_method": _card(a)}),
    "POST /subscription_schedules": lambda a: ("/subscription_schedules", {
        "from_subscription": _subscription(a), "end_behavior": "release"}),
    "GET /subscription_schedules/<sched_id>": lambda a: (
        f"/subscription_schedules/{_schedule(a, _subscription(a))}", {}),
    "GET /subscription_schedules": lambda a: ("/subscription_schedules", {}),
    "POST /subscription_schedules/<sched_id>": lambda a: _schedule_update(a),
    "GET /events/<event_id>": lambda a: ("/events/" + _event(a), {}),
    "GET /events": lambda a: ("/events", {"type": "customer.updated",
                                          "created": {"gte": 0}}),
    "POST /webhook_endpoints": lambda a: ("/webhook_endpoints", {
        "url": "http://127.0.0.1:9/hook", "enabled_events": ["invoice.paid"]}),
    "GET /webhook_endpoints/<endpoint_id>": lambda a: (f"/webhook_endpoints/{_hook(a)}", {}),
    "GET /webhook_endpoints": lambda a: ("/webhook_endpoints", {"limit": 2}),
    "POST /webhook_endpoints/<endpoint_id>": lambda a: (f"/webhook_endpoints/{_hook(a)}", {
        "enabled_events": ["*"], "metadata": {"a": "b"}}),
    "DELETE /webhook_endpoints/<endpoint_id>": lambda a: (f"/webhook_endpoints/{_hook(a)}",
                                                          {}),
    "POST /subscription_schedules/<sched_id>/release": lambda a: (
        f"/subscription_schedules/{_schedule(a, _subscription(a))}/release", {}),
    "POST /subscription_schedules/<sched_id>/cancel": lambda a: (
        f"/subscription_schedules/{_schedule(a, _subscription(a))}/cancel", {}),
}


def _event(api: Api) -> str:
    api.ok("POST", "/customers/cus_demo_ana", {"name": "Evt"})
    return str(api.ok("GET", "/events", {"limit": 1})["data"][0]["id"])


def _hook(api: Api) -> str:
    return str(api.ok("POST", "/webhook_endpoints", {
        "url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})["id"])


def _feature(api: Api) -> str:
    """A new feature (lookup keys are unique among active features)."""
    count = len(api.ok("GET", "/entitlements/features", {"limit": 100})["data"])
    return str(api.ok("POST", "/entitlements/features", {
        "lookup_key": f"walk_{count}", "name": "Walk"})["id"])


def _attachment(api: Api) -> str:
    return str(api.ok("POST", "/products/prod_starter/features",
                      {"entitlement_feature": _feature(api)})["id"])


ENTITLEMENT_SCENARIOS: dict[str, Callable[[Api], Call]] = {
    "POST /entitlements/features": lambda a: ("/entitlements/features", {
        "lookup_key": f"walk_new_{_feature(a)}", "name": "New", "metadata": {"k": "v"}}),
    "GET /entitlements/features/<feature_id>": lambda a: (
        "/entitlements/features/feat_demo_sso", {}),
    "POST /entitlements/features/<feature_id>": lambda a: (
        f"/entitlements/features/{_feature(a)}", {"name": "Renamed", "metadata": {"k": "v"}}),
    "GET /entitlements/features": lambda a: ("/entitlements/features", {"limit": 3}),
    "POST /products/<product_id>/features": lambda a: (
        "/products/prod_starter/features", {"entitlement_feature": _feature(a)}),
    "GET /products/<product_id>/features/<attachment_id>": lambda a: (
        "/products/prod_pro/features/prodft_demo_pro_projects", {}),
    "DELETE /products/<product_id>/features/<attachment_id>": lambda a: (
        f"/products/prod_starter/features/{_attachment(a)}", {}),
    "GET /products/<product_id>/features": lambda a: ("/products/prod_pro/features",
                                                      {"limit": 2}),
    "GET /entitlements/active_entitlements": lambda a: ("/entitlements/active_entitlements", {
        "customer": "cus_demo_ana", "expand": ["data.feature"]}),
    "GET /entitlements/active_entitlements/<entitlement_id>": lambda a: (
        "/entitlements/active_entitlements/" + a.ok(
            "GET", "/entitlements/active_entitlements", {"customer": "cus_demo_ana"}
        )["data"][0]["id"], {}),
}
SCENARIOS.update(ENTITLEMENT_SCENARIOS)


def _schedule_update(api: Api) -> Call:
    sub = _subscription(api)
    schedule = api.ok("POST", "/subscription_schedules", {"from_subscription": sub})
    phase = schedule["phases"][0]
    return (f"/subscription_schedules/{schedule['id']}", {"end_behavior": "release", "phases": [
        {"items": [{"price": "price_pro_monthly"}], "start_date": phase["start_date"],
         "end_date": phase["end_date"]},
        {"items": [{"price": "price_starter_monthly"}], "duration": {"interval": "month"}}]})


SCENARIOS.update(USAGE_SCENARIOS)
SCENARIOS.update(CLOCK_SCENARIOS)
ROUTES = [route for table in _TABLES for route in table.routes]
KEYS = [f"{r.method} {r.rule}" for r in ROUTES]


@pytest.fixture(scope="module")
def api() -> Api:
    app = create_sandbox_app(seed=True)
    return Api(app.test_client())


def test_every_route_has_a_scenario() -> None:
    assert sorted(set(KEYS) - set(SCENARIOS)) == []
    assert sorted(set(SCENARIOS) - set(KEYS)) == []


@pytest.mark.parametrize("key", KEYS)
def test_response_has_exactly_the_declared_fields(api: Api, key: str) -> None:
    method, rule = key.split(" ", 1)
    endpoint = endpoint_for(method, "/v1" + rule)
    assert endpoint is not None
    path, params = SCENARIOS[key](api)
    body = api.ok(method, path, params)
    report = check_response(body, endpoint.result)
    assert report.missing == [], f"{key}: missing {report.missing}"
    assert report.undeclared == [], f"{key}: undeclared {report.undeclared}"


def nested_probe(route_key: str) -> str | None:
    """A parameter inside a declared hash the route emulates, e.g. `items[0][zzz_unknown]`."""
    method, rule = route_key.split(" ", 1)
    endpoint = endpoint_for(method, "/v1" + rule)
    route = ROUTES[KEYS.index(route_key)]
    assert endpoint is not None
    if endpoint.params is None:
        return None
    fields = sdk.shape(endpoint.params).fields
    # a hash the route emulates first, else any hash the SDK declares: an unknown name is
    # refused before "not emulated"
    names = [p.split("[", 1)[0] for p in route.implements] + sorted(fields)
    for name in names:
        node = fields.get(name)
        options = node.options if isinstance(node, sdk.OneOf) else (node,)
        for option in options:
            if isinstance(option, sdk.Hash):
                return f"{name}[zzz_unknown]"
            if isinstance(option, sdk.ListOf) and isinstance(option.item, sdk.Hash):
                return f"{name}[0][zzz_unknown]"
            if isinstance(option, sdk.Map) and isinstance(option.value, sdk.Hash):
                return f"{name}[usd][zzz_unknown]"
    return None


@pytest.mark.parametrize("key", KEYS)
def test_unknown_parameters_are_refused(api: Api, key: str) -> None:
    method = key.split(" ", 1)[0]
    path, params = SCENARIOS[key](api)
    status, body = api(method, path, {**params, "zzz_unknown": "1"})
    assert status == 400, (key, body)
    assert body["error"]["code"] == "parameter_unknown"
    assert body["error"]["param"] == "zzz_unknown"
    probe = nested_probe(key)
    pairs = MultiDict(encode(params))
    if probe is None:
        pairs["zzz_hash[inner]"] = "1"
        expected = "zzz_hash"
    else:
        pairs[probe] = "1"
        expected = probe
    response = (api.client.post("/v1" + path, data=pairs, headers=AUTH) if method == "POST"
                else api.client.open("/v1" + path, method=method, query_string=pairs,
                                     headers=AUTH))
    assert response.status_code == 400, (key, response.get_json())
    error = response.get_json()["error"]
    assert (error["code"], error["param"]) == ("parameter_unknown", expected)
