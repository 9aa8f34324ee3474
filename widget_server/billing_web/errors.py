"""Billing's domain errors at the edge: one HTTP status and one translated sentence each.

``billing`` raises plain errors with a code and data (``billing.errors``); this is the one
place that decides what the user sees: the status, the public code (a specific Stripe refusal
keeps its own code) and the sentence from ``billing_web.messages`` in the request's locale.
"""

from __future__ import annotations

from flask import Flask, Response

from widget_server.billing import errors as billing
from widget_server.billing_web import messages as m
from widget_server.errors import ApiError, error_response
from widget_server.i18n import _

# (status, sentence) per billing error class; the most specific class wins (by the MRO).
BY_CLASS: dict[type[billing.BillingError], tuple[int, str]] = {
    billing.BillingError: (502, m.BILLING_ERROR),
    billing.ResourceNotFound: (404, m.NOT_FOUND),
    billing.CustomerNotFound: (404, m.CUSTOMER_NOT_FOUND),
    billing.CardDeclined: (402, m.GENERIC_DECLINE),
    billing.PaymentRequiresAction: (402, m.AUTHENTICATE),
    billing.InvalidRequest: (400, m.NOT_POSSIBLE),
    billing.Conflict: (409, m.IN_PROGRESS),
    billing.RateLimited: (429, m.RATE_LIMITED),
    billing.BillingUnavailable: (502, m.UNAVAILABLE),
    billing.AuthenticationFailed: (502, m.KEY_INVALID),
}


class BillingApiError(ApiError):
    """A billing error as the web layer answers it (audit rows count these as ``error``)."""

    status, code = 502, "billing_error"
    retry_after: int | None = None


def card_message(decline_code: str | None, code: str | None, reason: str | None) -> str:
    """The sentence for a card error: by decline code, else by error code, else Stripe's."""
    if decline_code in m.DECLINE_MESSAGES:
        return _(m.DECLINE_MESSAGES[decline_code or ""])
    if code in m.CODE_MESSAGES:
        return _(m.CODE_MESSAGES[code or ""])
    if reason:
        return _("Your card was declined: %(reason)s", reason=reason)
    return _(m.GENERIC_DECLINE)


def _status_and_sentence(error: billing.BillingError) -> tuple[int, str]:
    for kind in type(error).__mro__:
        if kind in BY_CLASS:
            return BY_CLASS[kind]
    return BY_CLASS[billing.BillingError]


def api_error(error: billing.BillingError, message: str | None = None) -> BillingApiError:
    """The HTTP error for a billing error; `message` replaces the sentence when given."""
    status, sentence = _status_and_sentence(error)
    code = error.code
    text = _(sentence)
    if isinstance(error, billing.CardDeclined):
        text = card_message(error.decline_code, error.stripe_code, error.reason)
    elif isinstance(error, billing.InvalidRequest):
        specific = m.CODE_MESSAGES.get(error.stripe_code or "")
        if specific is not None:
            code, text = str(error.stripe_code), _(specific)
            status = 409 if specific == m.STATE_CHANGED else status
        elif error.code == "code_not_applicable":
            text = _("This code cannot be used: %(reason)s", reason=error.reason or "")
        elif error.reason:
            text = _("Stripe could not complete this request: %(reason)s", reason=error.reason)
    mapped = BillingApiError(message or text, code=code, param=error.param)
    mapped.status = status
    if isinstance(error, billing.RateLimited):
        mapped.retry_after = error.retry_after
    return mapped


def register_error_handler(app: Flask) -> None:
    @app.errorhandler(billing.BillingError)
    def _billing_error(error: billing.BillingError) -> Response:
        return error_response(api_error(error))
