"""One error hierarchy and one JSON shape: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with a stable snake_case code, an HTTP status and a human sentence.

    The message is shown to end users, so callers pass an already translated sentence.
    """

    status = 400
    code = "invalid_request"
    default_message = "The request is invalid."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, param: str | None = None
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.param = param
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.param:
            body["param"] = self.param
        return {"error": body}


class BadRequest(ApiError):
    status, code = 400, "invalid_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    default_message = "Authentication is required."


class Forbidden(ApiError):
    status, code = 403, "forbidden"
    default_message = "This action is not allowed."


class NotFound(ApiError):
    status, code = 404, "not_found"
    default_message = "Not found."


class Conflict(ApiError):
    status, code = 409, "conflict"


class Unprocessable(ApiError):
    status, code = 422, "unprocessable"


class UpstreamError(ApiError):
    """Stripe failed or timed out; the user may retry."""

    status, code = 502, "billing_unavailable"
    default_message = "The billing service is unavailable. Please try again in a moment."


def wants_json() -> bool:
    return request.path.startswith("/v1/") or request.accept_mimetypes.best == "application/json"


def error_response(error: ApiError) -> Response:
    response = jsonify(error.to_dict())
    response.status_code = error.status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if not wants_json():
            return error
        code = (error.name or "error").lower().replace(" ", "_")
        api_error = ApiError(error.description or error.name, code=code)
        api_error.status = error.code or 500
        response = error_response(api_error)
        if error.code == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response | tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        api_error = ApiError("Something went wrong on our side.", code="internal_error")
        api_error.status = 500
        if wants_json():
            return error_response(api_error)
        return "Internal Server Error", 500
