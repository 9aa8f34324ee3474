"""get_json (a Stripe GET parsed once by orjson) and the gate on stripe-python's log calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from stripe import _api_requestor

from widget_server.billing import sdk_json, sdk_logging
from widget_server.billing.gateway import StripeGateway


def test_get_json_returns_the_body_as_plain_dicts(gateway: StripeGateway) -> None:
    found = sdk_json.get_json(gateway.client, "/v1/customers/cus_demo_ana",
                              {"expand": ["tax_ids"]})
    assert found["id"] == "cus_demo_ana" and found["email"] == "ana@example.com"
    assert type(found) is dict and type(found["tax_ids"]) is dict  # no OrderedDict, no objects
    assert found["tax_ids"]["object"] == "list"


def test_get_json_sends_the_params_like_raw_request(
    gateway: StripeGateway, stripe_calls: Callable[[], list[dict[str, Any]]]
) -> None:
    sdk_json.get_json(gateway.client, "/v1/subscriptions",
                      {"customer": "cus_demo_ana", "limit": 3, "expand": ["data.schedule"]})
    (call,) = stripe_calls()
    assert call["method"] == "GET" and call["path"] == "/v1/subscriptions"


def test_get_json_missing_object_raises_the_sdk_error(gateway: StripeGateway) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sdk_json.get_json(gateway.client, "/v1/customers/cus_nobody", {})
    assert raised.value.http_status == 404 and raised.value.code == "resource_missing"


def test_get_json_server_error_raises_the_sdk_error(
    gateway: StripeGateway, faults: Callable[..., None]
) -> None:
    faults(error_status=500, rate=1.0, path="/v1/customers")
    with pytest.raises(stripe.APIError):
        sdk_json.get_json(gateway.client, "/v1/customers/cus_demo_ana", {})


def test_get_json_refuses_a_body_that_is_not_json(monkeypatch: pytest.MonkeyPatch,
                                                  gateway: StripeGateway) -> None:
    """A 200 whose body is not a JSON object is the SDK's 'invalid response' error, not a
    crash in our code."""
    requestor: Any = gateway.client._requestor
    monkeypatch.setattr(requestor, "request_raw",
                        lambda *a, **k: (b"<html>proxy</html>", 200, {}))
    with pytest.raises(stripe.APIError, match="Invalid response body"):
        sdk_json.get_json(gateway.client, "/v1/customers/cus_demo_ana", {})


def test_unheard_log_lines_are_not_formatted(monkeypatch: pytest.MonkeyPatch,
                                             gateway: StripeGateway) -> None:
    """With the stripe logger at WARNING, the requestor's log calls never format their
    arguments (the body's repr was the cost); at DEBUG they log exactly as before."""
    sdk_logging.quiet_unheard_logs()
    sdk_logging.quiet_unheard_logs()  # idempotent: one gate, not two
    formatted: list[str] = []
    real_logfmt = stripe._util.logfmt

    def counting(props: dict[str, Any]) -> str:
        formatted.append(str(props.get("message")))
        return str(real_logfmt(props))

    monkeypatch.setattr(stripe._util, "logfmt", counting)
    monkeypatch.setattr(stripe, "log", None)
    monkeypatch.setenv("STRIPE_LOG", "")
    logger = logging.getLogger("stripe")
    before = logger.level
    try:
        logger.setLevel(logging.WARNING)  # setLevel, not an attribute: it clears the cache
        sdk_json.get_json(gateway.client, "/v1/customers/cus_demo_ana", {})
        assert formatted == []

        logger.setLevel(logging.DEBUG)
        sdk_json.get_json(gateway.client, "/v1/customers/cus_demo_ana", {})
        assert "API response body" in formatted and "Request to Stripe api" in formatted
    finally:
        logger.setLevel(before)


def test_the_console_switch_still_prints(monkeypatch: pytest.MonkeyPatch,
                                         gateway: StripeGateway,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sdk_logging.quiet_unheard_logs()
    logger = logging.getLogger("stripe")
    before = logger.level
    monkeypatch.setattr(stripe, "log", "info")
    try:
        logger.setLevel(logging.WARNING)
        capsys.readouterr()
        sdk_json.get_json(gateway.client, "/v1/customers/cus_demo_ana", {})
        err = capsys.readouterr().err
    finally:
        logger.setLevel(before)
    assert "Stripe API response" in err and "API response body" not in err


def test_gate_wraps_each_function_once() -> None:
    sdk_logging.quiet_unheard_logs()
    first = _api_requestor.log_debug
    sdk_logging.quiet_unheard_logs()
    assert _api_requestor.log_debug is first
