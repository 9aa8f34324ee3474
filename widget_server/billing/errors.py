"""Typed billing errors: what went wrong with Stripe, in words an end user can read.

Every Stripe call of the gateway goes through ``translate_stripe_error``, so the web layer only
ever sees these. They are ``ApiError`` subclasses: the one JSON error handler renders them as
``{"error": {"code", "message"}}`` with the right HTTP status. Stripe's own message is kept on
``stripe_message`` for logs and never shown to the user (it may name internals).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import stripe

from widget_server.billing.error_messages import (
    AUTHENTICATE,
    CODE_MESSAGES,
    DECLINE_MESSAGES,
    GENERIC_DECLINE,
    STATE_CHANGED,
)
from widget_server.errors import ApiError
from widget_server.i18n import N_, _

log = logging.getLogger(__name__)


class BillingError(ApiError):
    """Base of every error coming from the billing gateway; the message is translated."""

    status, code = 502, "billing_error"
    default_message = N_("The billing service could not complete the request.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        param: str | None = None,
        stripe_code: str | None = None,
        stripe_message: str | None = None,
    ) -> None:
        super().__init__(message or _(self.default_message), code=code, param=param)
        self.stripe_code = stripe_code
        self.stripe_message = stripe_message


class ResourceNotFound(BillingError):
    """The object does not exist, or does not belong to the customers of the portal token."""

    status, code = 404, "not_found"
    default_message = N_("This item could not be found. Reload the page and try again.")


class CustomerNotFound(ResourceNotFound):
    code = "customer_not_found"
    default_message = N_("We could not find your billing account.")


class CardDeclined(BillingError):
    status, code = 402, "card_declined"
    default_message = GENERIC_DECLINE

    def __init__(self, message: str | None = None, *, decline_code: str | None = None,
                 **kwargs: str | None) -> None:
        super().__init__(message or card_message(decline_code, kwargs.get("stripe_code"),
                                                 kwargs.get("stripe_message")), **kwargs)
        self.decline_code = decline_code


class PaymentRequiresAction(BillingError):
    """The payment waits for 3-D Secure: the page confirms it with Stripe.js."""

    status, code = 402, "requires_action"
    default_message = AUTHENTICATE

    def __init__(self, client_secret: str, invoice_id: str | None = None) -> None:
        super().__init__(stripe_code="invoice_payment_intent_requires_action")
        self.client_secret = client_secret
        self.invoice_id = invoice_id


class InvalidRequest(BillingError):
    """Stripe refused the parameters (a bad code, a price that cannot be used, ...)."""

    status, code = 400, "invalid_request"
    default_message = N_("This change is not possible. Reload the page and try again.")


class Conflict(BillingError):
    status, code = 409, "conflict"
    default_message = N_("This request is already being processed. Reload the page.")


class RateLimited(BillingError):
    status, code = 429, "rate_limited"
    default_message = N_("Too many requests right now. Please wait a moment and try again.")
    retry_after = 2  # seconds; Stripe's own Retry-After when it sends one


def _retry_after(exc: stripe.StripeError) -> int:
    raw = (exc.headers or {}).get("Retry-After") or (exc.headers or {}).get("retry-after")
    try:
        return max(1, min(int(str(raw)), 300))
    except (TypeError, ValueError):
        return RateLimited.retry_after


class BillingUnavailable(BillingError):
    """Stripe answered 5xx, timed out, or could not be reached; retrying later may work."""

    status, code = 502, "billing_unavailable"
    default_message = N_("The billing service is unavailable. Please try again in a moment.")


class AuthenticationFailed(BillingError):
    """The account's Stripe key is wrong, revoked, or lacks a permission: the owner must act."""

    status, code = 502, "stripe_key_invalid"
    default_message = N_(
        "This billing portal is not connected to Stripe correctly. The site owner needs to "
        "update the Stripe key in the dashboard."
    )


_URL = re.compile(r"(For more (details|information)[^.]*:?\s*)?https?://\S+", re.IGNORECASE)


def safe_text(text: str | None) -> str:
    """Stripe's own sentence without links, short: kept when no translation of ours fits."""
    cleaned = _URL.sub("", text or "").strip().rstrip(":").strip()
    return cleaned[:300]


def card_message(decline_code: str | None, code: str | None, stripe_text: str | None) -> str:
    """The sentence for a card error: by decline code, else by error code, else Stripe's."""
    if decline_code in DECLINE_MESSAGES:
        return _(DECLINE_MESSAGES[decline_code or ""])
    if code in CODE_MESSAGES:
        return _(CODE_MESSAGES[code or ""])
    if stripe_text and safe_text(stripe_text):
        return _("Your card was declined: %(reason)s", reason=safe_text(stripe_text))
    return _(GENERIC_DECLINE)


def _invalid_request(exc: stripe.InvalidRequestError, kwargs: dict[str, str | None],
                     ) -> BillingError:
    code, param = exc.code, exc.param or ""
    if code in CODE_MESSAGES:
        error = InvalidRequest(_(CODE_MESSAGES[code or ""]), code=code, param=exc.param,
                               **kwargs)
        if CODE_MESSAGES[code or ""] == STATE_CHANGED:
            error.status = 409
        return error
    reason = safe_text(exc.user_message)
    if param.startswith(("discounts", "promotion_code", "coupon")) and reason:
        return InvalidRequest(_("This code cannot be used: %(reason)s", reason=reason),
                              code="code_not_applicable", param=exc.param, **kwargs)
    if reason:
        return InvalidRequest(_("Stripe could not complete this request: %(reason)s",
                                reason=reason), param=exc.param, **kwargs)
    return InvalidRequest(param=exc.param, **kwargs)


def translate_stripe_error(exc: stripe.StripeError) -> BillingError:
    """Map any Stripe exception to the matching BillingError (never raises)."""
    code = exc.code
    kwargs: dict[str, str | None] = {"stripe_code": code, "stripe_message": exc.user_message}
    if isinstance(exc, stripe.CardError):
        return CardDeclined(decline_code=getattr(exc.error, "decline_code", None) or code,
                            param=exc.param, **kwargs)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        log.warning("Stripe rejected the account's key: %s", exc.user_message)
        return AuthenticationFailed(**kwargs)
    if isinstance(exc, stripe.RateLimitError) or code in {"rate_limit", "lock_timeout"}:
        limited = RateLimited(**kwargs)
        limited.retry_after = _retry_after(exc)
        return limited
    if isinstance(exc, stripe.APIConnectionError):
        log.warning("Stripe unreachable: %s", exc.user_message)
        return BillingUnavailable(**kwargs)
    if isinstance(exc, stripe.IdempotencyError) or code == "idempotency_key_in_use":
        return Conflict(**kwargs)
    if isinstance(exc, stripe.InvalidRequestError):
        if code == "resource_missing" or exc.http_status == 404:
            if (exc.param or "") in {"customer", "id"} and "customer" in str(exc.user_message):
                return CustomerNotFound(param=exc.param, **kwargs)
            return ResourceNotFound(param=exc.param, **kwargs)
        return _invalid_request(exc, kwargs)
    status = exc.http_status or 500
    if status == 429:
        limited = RateLimited(**kwargs)
        limited.retry_after = _retry_after(exc)
        return limited
    if status >= 500 or isinstance(exc, stripe.APIError):
        log.warning("Stripe error %s: %s", status, exc.user_message)
        return BillingUnavailable(**kwargs)
    return InvalidRequest(param=getattr(exc, "param", None), **kwargs)


@contextmanager
def stripe_errors() -> Iterator[None]:
    """Run Stripe calls (and auto-paging) inside this block: Stripe errors leave it typed."""
    try:
        yield
    except stripe.StripeError as exc:
        raise translate_stripe_error(exc) from exc
