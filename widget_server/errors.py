"""One error hierarchy and one JSON shape: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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
        # Members next to "error" in the body (a 409 preview_stale carries the fresh preview).
        self.extra: dict[str, Any] = {}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.param:
            body["param"] = self.param
        return {**self.extra, "error": body}


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


class ServiceUnavailable(ApiError):
    """A dependency of ours (the database) is down; retrying shortly may work."""

    status, code = 503, "service_unavailable"
    retry_after = 30


# Werkzeug's and Flask-Limiter's errors on JSON paths: (code, message id).
def N_(message: str) -> str:  # marks a message for extraction (widget_server.i18n imports us)
    return message


_HTTP_ERRORS = {
    404: ("not_found", "This item could not be found."),
    405: ("method_not_allowed", "This action is not available in this billing portal."),
    413: ("request_too_large", N_("This request is too large to be processed.")),
    429: ("rate_limited", "Too many requests right now. Please wait a moment and try again."),
}


def _unavailable_page() -> Response:
    from flask import g

    from widget_server.i18n import _, negotiate_locale
    from widget_server.portal.pages import render_error_page

    if not g.get("locale"):
        g.locale = negotiate_locale(explicit=request.args.get("locale"),
                                    accept_language=request.accept_languages)
    g.custom_strings = {}  # the account's own strings are in the database we cannot reach
    response = render_error_page(
        503, _("The billing portal is temporarily unavailable"),
        _("Please try again in a minute. Nothing was changed."))
    response.headers["Retry-After"] = str(ServiceUnavailable.retry_after)
    return response


def wants_json() -> bool:
    return request.path.startswith("/v1/") or request.accept_mimetypes.best == "application/json"


def error_response(error: ApiError) -> Response:
    response = jsonify(error.to_dict())
    response.status_code = error.status
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None or error.status in {429, 503}:
        response.headers["Retry-After"] = str(retry_after or 1)
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
        message = error.description or error.name
        if error.code in _HTTP_ERRORS:  # one code per condition, in the user's language
            from widget_server.api.locale import set_request_locale
            from widget_server.i18n import _

            set_request_locale()  # a rate limit is checked before any hook of ours runs
            code, english = _HTTP_ERRORS[error.code]
            message = _(english)
        api_error = ApiError(message, code=code)
        api_error.status = error.code or 500
        response = error_response(api_error)
        if error.code == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_down(error: Exception) -> Response:
        """The database is unreachable: 503 and a clear word; the next request tries again."""
        from widget_server.i18n import _

        log.error("database unavailable on %s %s: %s", request.method, request.path,
                  type(getattr(error, "orig", None) or error).__name__)
        api_error = ServiceUnavailable(
            _("The service is temporarily unavailable. Please try again in a minute."))
        if wants_json():
            return error_response(api_error)
        return _unavailable_page()

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response | tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        api_error = ApiError("Something went wrong on our side.", code="internal_error")
        api_error.status = 500
        if wants_json():
            return error_response(api_error)
        return "Internal Server Error", 500
