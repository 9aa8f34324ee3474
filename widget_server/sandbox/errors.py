"""Stripe-shaped API errors raised by sandbox handlers and rendered by one handler."""

from __future__ import annotations

from typing import Any


class StripeAPIError(Exception):
    """An error rendered as Stripe's `{"error": {...}}` JSON with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        # card errors that leave a trace (an attempt count, a last_setup_error) keep the
        # request's writes; every other error rolls the request back
        self.persist = False

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        return {"error": error}


def bad_request(message: str, param: str | None = None, code: str | None = None) -> StripeAPIError:
    return StripeAPIError(400, message, param=param, code=code)


def missing(label: str, object_id: str, param: str = "id") -> StripeAPIError:
    return StripeAPIError(
        404, f"No such {label}: '{object_id}'", code="resource_missing", param=param
    )


def unauthorized(message: str) -> StripeAPIError:
    return StripeAPIError(401, message)


def card_error(
    code: str, decline_code: str | None, message: str, extra: dict[str, Any] | None = None
) -> StripeAPIError:
    return StripeAPIError(
        402, message, type="card_error", code=code, decline_code=decline_code, extra=extra
    )


def api_error() -> StripeAPIError:
    return StripeAPIError(
        500, "An unknown error occurred (injected by the sandbox).", type="api_error"
    )


def rate_limited() -> StripeAPIError:
    return StripeAPIError(
        429,
        "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
        code="rate_limit",
    )
