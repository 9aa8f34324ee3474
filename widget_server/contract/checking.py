"""In tests, every JSON answer of a documented operation is checked against its model.

So each test that calls the API (hundreds, across tests/portal, tests/api, tests/security) is
also a test of the response half of the contract: a member the views add, drop or retype
without changing ``contract.responses`` fails the test that produced it. Only when
``app.testing`` is on; production answers are never re-validated.
"""

from __future__ import annotations

from flask import Flask, Response, request
from pydantic import BaseModel, ValidationError

from widget_server.contract.operations import OPERATIONS
from widget_server.contract.responses import Error


class ResponseOffContract(AssertionError):
    """An answer does not match the schema the OpenAPI document gives for it."""


def response_model(endpoint: str | None, status: int) -> type[BaseModel] | None:
    operation = OPERATIONS.get(endpoint or "")
    if operation is None:
        return None
    if str(status) in (operation.status, *operation.also):
        return operation.response
    if status >= 400:
        return Error
    return None


def check_response(response: Response) -> Response:
    model = response_model(request.endpoint, response.status_code)
    if model is None or model is BaseModel or not response.is_json:
        return response
    try:
        model.model_validate_json(response.get_data(), strict=True)
    except ValidationError as exc:
        raise ResponseOffContract(
            f"{request.method} {request.path} answered {response.status_code} off its "
            f"documented schema {model.__name__}:\n{exc}") from None
    return response


def init_app(app: Flask) -> None:
    if app.testing:
        app.after_request(check_response)
