"""Stripe exceptions become typed billing errors (domain errors, no HTTP), which the web layer
answers with the right status and JSON code."""

from __future__ import annotations

import pytest
import stripe

from widget_server.billing.errors import (
    AuthenticationFailed,
    BillingError,
    BillingUnavailable,
    CardDeclined,
    Conflict,
    CustomerNotFound,
    InvalidRequest,
    RateLimited,
    ResourceNotFound,
    missing_as_none,
    stripe_errors,
    translate_stripe_error,
)
from widget_server.billing_web.errors import api_error
from widget_server.errors import ApiError


def _card_error(decline_code: str) -> stripe.CardError:
    body = {"error": {"type": "card_error", "code": "card_declined", "message": "Declined",
                      "decline_code": decline_code, "param": "payment_method"}}
    return stripe.CardError("Declined", "payment_method", "card_declined", json_body=body,
                            http_status=402)


@pytest.mark.parametrize(("exc", "kind", "status", "code"), [
    (stripe.APIError("boom", http_status=500), BillingUnavailable, 502, "billing_unavailable"),
    (stripe.APIConnectionError("timeout"), BillingUnavailable, 502, "billing_unavailable"),
    (stripe.RateLimitError("slow down", http_status=429), RateLimited, 429, "rate_limited"),
    (stripe.AuthenticationError("bad key", http_status=401), AuthenticationFailed, 502,
     "stripe_key_invalid"),
    (stripe.PermissionError("no rights", http_status=403), AuthenticationFailed, 502,
     "stripe_key_invalid"),
    (stripe.InvalidRequestError("No such customer: 'cus_x'", "id", code="resource_missing",
                                http_status=404), CustomerNotFound, 404, "customer_not_found"),
    (stripe.InvalidRequestError("No such price: 'p'", "price", code="resource_missing",
                                http_status=404), ResourceNotFound, 404, "not_found"),
    (stripe.InvalidRequestError("Bad quantity", "quantity", http_status=400), InvalidRequest,
     400, "invalid_request"),
    (stripe.IdempotencyError("replayed", http_status=400), Conflict, 409, "conflict"),
    (_card_error("insufficient_funds"), CardDeclined, 402, "card_declined"),
])
def test_translation(exc: stripe.StripeError, kind: type[BillingError], status: int,
                     code: str) -> None:
    domain = translate_stripe_error(exc)
    assert type(domain) is kind
    assert not isinstance(domain, ApiError)  # billing knows nothing of HTTP
    error = api_error(domain)
    assert (error.status, error.code) == (status, code)
    assert error.to_dict()["error"]["message"]
    assert str(exc.user_message or "") not in {error.message}  # Stripe's text is never shown


def test_card_declined_keeps_the_decline_code() -> None:
    error = translate_stripe_error(_card_error("insufficient_funds"))
    assert isinstance(error, CardDeclined)
    assert error.decline_code == "insufficient_funds"
    assert api_error(error).message == "Your card has insufficient funds."


def test_invalid_request_keeps_the_param() -> None:
    error = translate_stripe_error(stripe.InvalidRequestError("bad", "quantity"))
    assert error.param == "quantity" and api_error(error).to_dict()["error"]["param"] == "quantity"


def test_stripe_errors_block_translates_and_chains() -> None:
    original = stripe.APIConnectionError("reset")
    with pytest.raises(BillingUnavailable) as caught, stripe_errors():
        raise original
    assert caught.value.__cause__ is original


def test_every_billing_error_has_its_own_status_and_sentence() -> None:
    # The web layer's one mapping covers each domain error class by name (none falls back to
    # the base class's 502 by accident).
    from widget_server.billing import errors as billing
    from widget_server.billing_web.errors import BY_CLASS

    kinds = {k for k in vars(billing).values()
             if isinstance(k, type) and issubclass(k, billing.BillingError)}
    assert kinds == set(BY_CLASS)


def _raises(exc: stripe.StripeError) -> object:
    raise exc


@pytest.mark.parametrize("exc", [
    stripe.InvalidRequestError("No such price: 'p'", "price", code="resource_missing",
                               http_status=404),
    stripe.InvalidRequestError("No such clock", "clock", code="resource_missing"),
    stripe.InvalidRequestError("Gone", None, http_status=404),
])
def test_a_missing_object_reads_as_none(exc: stripe.InvalidRequestError) -> None:
    assert missing_as_none(lambda: _raises(exc)) is None
    assert missing_as_none(lambda: "found") == "found"


@pytest.mark.parametrize(("exc", "kind"), [
    (stripe.InvalidRequestError("Bad quantity", "quantity", http_status=400), InvalidRequest),
    (stripe.APIConnectionError("timeout"), BillingUnavailable),
])
def test_any_other_failure_of_a_read_is_a_billing_error(exc: stripe.StripeError,
                                                        kind: type[BillingError]) -> None:
    with pytest.raises(kind):
        missing_as_none(lambda: _raises(exc))
