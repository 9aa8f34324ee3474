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
