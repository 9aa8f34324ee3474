"""Billing's domain errors: what went wrong with Stripe, as a stable code and data.

Every Stripe call of the gateway goes through ``translate_stripe_error``, so the layers above
only ever see these. They are plain exceptions: no HTTP status, no words for users. The web
layer (``widget_server.billing_web.errors``) maps each one to a status and a translated
sentence. Stripe's own message is kept on ``stripe_message`` for logs; ``reason`` is that
message without links, for the cases where no sentence of ours fits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import stripe

log = logging.getLogger(__name__)


class BillingError(Exception):
    """Base of every error coming from the billing gateway."""

    code = "billing_error"

    def __init__(
        self,
        *,
        code: str | None = None,
        param: str | None = None,
        stripe_code: str | None = None,
        stripe_message: str | None = None,
        reason: str | None = None,
    ) -> None:
        if code:
            self.code = code
        self.param = param
        self.stripe_code = stripe_code
        self.stripe_message = stripe_message
        self.reason = reason  # Stripe's sentence without links, when it may be shown
        super().__init__(self.code)


class ResourceNotFound(BillingError):
    """The object does not exist, or does not belong to the customers of the portal token."""

    code = "not_found"


class CustomerNotFound(ResourceNotFound):
    code = "customer_not_found"


class CardDeclined(BillingError):
    """The card was refused; ``decline_code`` (else ``stripe_code``) says why."""

    code = "card_declined"

    def __init__(self, *, decline_code: str | None = None, param: str | None = None,
                 stripe_code: str | None = None, stripe_message: str | None = None) -> None:
        super().__init__(param=param, stripe_code=stripe_code, stripe_message=stripe_message,
                         reason=safe_text(stripe_message) or None)
        self.decline_code = decline_code


class PaymentRequiresAction(BillingError):
    """The payment waits for 3-D Secure: the page confirms it with Stripe.js."""

    code = "requires_action"

    def __init__(self, client_secret: str, invoice_id: str | None = None) -> None:
        super().__init__(stripe_code="invoice_payment_intent_requires_action")
        self.client_secret = client_secret
        self.invoice_id = invoice_id


class InvalidRequest(BillingError):
    """Stripe refused the parameters (a bad code, a price that cannot be used, ...).

    ``stripe_code`` names the refusal; ``code`` is ``code_not_applicable`` when Stripe refused
    a promotion code or coupon and said why."""

    code = "invalid_request"


class Conflict(BillingError):
    """The same idempotency key is in use by a request still running."""

    code = "conflict"


class RateLimited(BillingError):
    code = "rate_limited"
    retry_after = 2  # seconds; Stripe's own Retry-After when it sends one


class BillingUnavailable(BillingError):
    """Stripe answered 5xx, timed out, or could not be reached; retrying later may work."""

    code = "billing_unavailable"


class AuthenticationFailed(BillingError):
    """The account's Stripe key is wrong, revoked, or lacks a permission: the owner must act."""

    code = "stripe_key_invalid"


_URL = re.compile(r"(For more (details|information)[^.]*:?\s*)?https?://\S+", re.IGNORECASE)
DISCOUNT_PARAMS = ("discounts", "promotion_code", "coupon")


def safe_text(text: str | None) -> str:
    """Stripe's own sentence without links, short: kept when no sentence of ours fits."""
    cleaned = _URL.sub("", text or "").strip().rstrip(":").strip()
    return cleaned[:300]


def _retry_after(exc: stripe.StripeError) -> int:
    raw = (exc.headers or {}).get("Retry-After") or (exc.headers or {}).get("retry-after")
    try:
        return max(1, min(int(str(raw)), 300))
    except (TypeError, ValueError):
        return RateLimited.retry_after


def _rate_limited(exc: stripe.StripeError, kwargs: dict[str, str | None]) -> RateLimited:
    limited = RateLimited(**kwargs)
    limited.retry_after = _retry_after(exc)
    return limited


def _invalid_request(exc: stripe.InvalidRequestError, kwargs: dict[str, str | None],
                     ) -> InvalidRequest:
    reason = safe_text(exc.user_message) or None
    discount = (exc.param or "").startswith(DISCOUNT_PARAMS) and reason is not None
    return InvalidRequest(code="code_not_applicable" if discount else None, param=exc.param,
                          reason=reason, **kwargs)


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
        return _rate_limited(exc, kwargs)
    if isinstance(exc, stripe.APIConnectionError):
        log.warning("Stripe unreachable: %s", exc.user_message)
        return BillingUnavailable(**kwargs)
    if isinstance(exc, stripe.IdempotencyError) or code == "idempotency_key_in_use":
        return Conflict(**kwargs)
    if isinstance(exc, stripe.InvalidRequestError):
        if is_missing(exc):
            if (exc.param or "") in {"customer", "id"} and "customer" in str(exc.user_message):
                return CustomerNotFound(param=exc.param, **kwargs)
            return ResourceNotFound(param=exc.param, **kwargs)
        return _invalid_request(exc, kwargs)
    status = exc.http_status or 500
    if status == 429:
        return _rate_limited(exc, kwargs)
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


T = TypeVar("T")


def is_missing(exc: stripe.InvalidRequestError) -> bool:
    """Stripe's "no such object": a 404, or the code ``resource_missing``."""
    return exc.http_status == 404 or exc.code == "resource_missing"


def missing_as_none(call: Callable[[], T]) -> T | None:
    """Run a read; a missing object is None, any other Stripe failure a BillingError."""
    try:
        return call()
    except stripe.InvalidRequestError as exc:
        if is_missing(exc):
            return None
        raise translate_stripe_error(exc) from None
    except stripe.StripeError as exc:
        raise translate_stripe_error(exc) from None
