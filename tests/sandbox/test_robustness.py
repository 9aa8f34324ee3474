"""Bad inputs and failures inside handlers: Stripe-shaped 400s, nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest

from widget_server.sandbox import create_sandbox_app
from widget_server.sandbox.resources import customers

AUTH = {"Authorization": "Bearer sk_test_x"}


@pytest.fixture
def app() -> Any:
    app = create_sandbox_app(seed=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_unexpected_handler_error_rolls_the_write_back(app, monkeypatch):
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("handler bug")

    monkeypatch.setattr(customers, "apply_metadata", boom)
    response = app.test_client().post("/v1/customers", data={"email": "x@example.com"},
                                      headers=AUTH)
    assert response.status_code == 500
    assert app.extensions["sandbox"].table("customer") == {}


@pytest.fixture
def seeded() -> Any:
    app = create_sandbox_app(seed=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app.test_client()


def _schedule(client: Any) -> str:
    response = client.post("/v1/subscription_schedules",
                           data={"from_subscription": "sub_demo_ana"}, headers=AUTH)
    return str(response.get_json()["id"])


@pytest.mark.parametrize(("method", "path", "data", "param"), [
    ("POST", "/v1/coupons", {"percent_off": "abc"}, "percent_off"),
    ("POST", "/v1/coupons", {"percent_off": "150"}, "percent_off"),
    ("POST", "/v1/coupons", {"percent_off": "0"}, "percent_off"),
    ("GET", "/v1/customers/search", {"query": "email:'a'", "limit": "abc"}, "limit"),
    ("GET", "/v1/customers/search", {"query": "email:'a'", "limit": "0"}, "limit"),
    ("GET", "/v1/customers/search", {"query": "email:'a'", "limit": "101"}, "limit"),
    ("GET", "/v1/customers/search", {"query": "email:'a'", "page": "x"}, "page"),
    ("POST", "/v1/prices", {"product": "prod_pro", "currency": "usd",
                            "billing_scheme": "tiered", "tiers_mode": "volume",
                            "tiers[0]": "x"}, "tiers[0]"),
    ("POST", "SCHEDULE", {"phases[0][items][0][price]": "price_pro_monthly",
                          "phases[0][start_date]": "soon"}, "phases[0][start_date]"),
    ("POST", "SCHEDULE", {"phases[0][items][0]": "x"}, "phases[0][items][0]"),
])
def test_bad_input_is_a_400_naming_the_param(seeded, method, path, data, param):
    if path == "SCHEDULE":
        path = f"/v1/subscription_schedules/{_schedule(seeded)}"
    if method == "GET":
        response = seeded.get(path, query_string=data, headers=AUTH)
    else:
        response = seeded.post(path, data=data, headers=AUTH)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
