"""Every Stripe error code and decline code the portal can get has its own translated
sentence; an unknown one keeps Stripe's text (without links) inside a translated sentence."""

from __future__ import annotations

import pytest
import stripe
from flask import Flask, g

from widget_server.billing.errors import CardDeclined, InvalidRequest, translate_stripe_error
from widget_server.billing_web.errors import BillingApiError, api_error
from widget_server.billing_web.messages import CODE_MESSAGES, DECLINE_MESSAGES

CARD_CODES = {"expired_card", "incorrect_cvc", "invalid_cvc", "incorrect_number",
              "invalid_number", "invalid_expiry_month", "invalid_expiry_year", "incorrect_zip",
              "processing_error", "insufficient_funds", "card_decline_rate_limit_exceeded",
              "invalid_card_type", "authentication_required",
              "invoice_payment_intent_requires_action", "payment_intent_authentication_failure",
              "setup_intent_authentication_failure", "expired_payment_method"}


def shown(exc: stripe.StripeError) -> BillingApiError:
    """The error as the web layer answers it."""
    return api_error(translate_stripe_error(exc))


def card_error(code: str, decline_code: str | None) -> stripe.CardError:
    body = {"error": {"type": "card_error", "code": code, "message": "Stripe's own words.",
                      "decline_code": decline_code}}
    return stripe.CardError("Stripe's own words.", None, code, json_body=body, http_status=402)


def request_error(code: str | None, param: str | None = None,
                  message: str = "Stripe's own words.") -> stripe.InvalidRequestError:
    body = {"error": {"type": "invalid_request_error", "code": code, "message": message,
                      "param": param}}
    return stripe.InvalidRequestError(message, param, code=code, json_body=body,
                                      http_status=400)


@pytest.mark.parametrize("decline_code", sorted(DECLINE_MESSAGES))
def test_each_decline_code_has_its_sentence(decline_code: str) -> None:
    domain = translate_stripe_error(card_error("card_declined", decline_code))
    error = api_error(domain)
    assert isinstance(domain, CardDeclined) and error.status == 402
    assert error.message == DECLINE_MESSAGES[decline_code]
    assert domain.decline_code == decline_code


@pytest.mark.parametrize("code", sorted(CODE_MESSAGES))
def test_each_error_code_has_its_sentence(code: str) -> None:
    exc = card_error(code, None) if code in CARD_CODES else request_error(code, "x")
    error = shown(exc)
    assert error.message == CODE_MESSAGES[code]
    assert "Stripe's own words" not in error.message
    if code not in CARD_CODES:
        assert isinstance(translate_stripe_error(exc), InvalidRequest) and error.code == code


@pytest.mark.parametrize(("code", "decline_code"), [
    *(("card_declined", d) for d in sorted(DECLINE_MESSAGES)),
    *((c, None) for c in sorted(CODE_MESSAGES)),
])
def test_each_sentence_is_translated(app: Flask, code: str, decline_code: str | None) -> None:
    exc = (card_error(code, decline_code) if decline_code or code in CARD_CODES
           else request_error(code, "x"))
    english = shown(exc).message
    for locale in ("de", "ar", "ja"):
        with app.test_request_context():
            g.locale = locale
            translated = shown(exc).message
        assert translated and translated != english, (locale, code, decline_code)


def test_unknown_codes_keep_stripes_text_without_links() -> None:
    text = ("This promotion code can only be used on a customer's first transaction. "
            "For more details see: https://docs.stripe.com/x")
    error = shown(request_error(None, "discounts[0][promotion_code]", text))
    assert error.code == "code_not_applicable"
    assert error.message == ("This code cannot be used: This promotion code can only be used "
                             "on a customer's first transaction.")
    other = shown(request_error("brand_new_code", "items", "Nope here."))
    assert other.message == "Stripe could not complete this request: Nope here."
    card = shown(card_error("card_declined", "a_new_decline_code"))
    assert card.message == "Your card was declined: Stripe's own words."


def test_state_changes_are_conflicts() -> None:
    error = shown(request_error("invoice_not_editable"))
    assert error.status == 409
