"""A request body checked against its model, and pydantic's errors in the API's one shape.

``parse_body(Model)`` is called where the body used to be parsed by hand, so the order of the
checks stays the view's (a disabled feature is a 403 before its body is looked at). The model
must be the one the operation table documents for the route (``contract.operations``): a view
cannot accept a body other than the documented one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from widget_server.contract.operations import documented_body, documented_query
from widget_server.contract.requests import FIELD_ERRORS
from widget_server.errors import BadRequest
from widget_server.i18n import _

M = TypeVar("M", bound=BaseModel)

# pydantic's error types, by the API's code for them.
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_RULE_ERRORS = {"literal_error", "string_pattern_mismatch", "invalid_choice", "enum"}
_LENGTH_ERRORS = {"too_long", "string_too_short", "too_short"}


def validated(model: type[M]) -> M:
    """The JSON body as `model`; an empty body is ``{}``. Anything else is a 400."""
    _check_documented(model, documented_body(request.endpoint))
    raw: Any = request.get_json(silent=True) if request.get_data(cache=True) else {}
    if not isinstance(raw, dict):
        raise BadRequest(_("The request body must be a JSON object."), code="invalid_json")
    try:
        return model.model_validate(json_integers(raw))
    except ValidationError as exc:
        raise body_error(exc) from None


def validated_query(model: type[M]) -> M:
    """The query string's documented parameters as `model` (others are left alone: caches and
    proxies add their own). Anything documented but wrong is a 400 naming it."""
    _check_documented(model, documented_query(request.endpoint))
    raw = {name: request.args[name] for name in model.model_fields if name in request.args}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise body_error(exc) from None


def _check_documented(model: type[BaseModel], expected: type[BaseModel] | None) -> None:
    if expected is not model:  # a programming error, caught by every test of the route
        raise RuntimeError(f"{request.endpoint} parses {model.__name__}, documents {expected}")


def json_integers(value: Any) -> Any:
    """JSON has one number type: 3.0 is the integer 3 (as in JSON Schema); 3.5 stays a float.
    No request field is a float, so this only lets integers written with a ".0" through."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: json_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_integers(item) for item in value]
    return value


def parse_body(model: type[BaseModel]) -> dict[str, Any]:
    """The fields sent, as a dict: absent and ``null`` fields are left out."""
    return validated(model).model_dump(exclude_none=True, exclude_unset=True)


def _param(loc: tuple[int | str, ...]) -> str:
    head, *rest = (str(part) for part in loc)
    return head + "".join(f"[{part}]" for part in rest)


def _first(errors: list[ErrorDetails]) -> ErrorDetails:
    """An unknown field first (it explains the others), then the fields in model order."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    return (unknown or errors)[0]


def body_error(exc: ValidationError) -> BadRequest:
    """The first problem of a body as the API's 400, naming the field in ``param``."""
    error = _first(exc.errors(include_url=False))
    param = _param(error["loc"]) if error["loc"] else ""
    kind = error["type"]
    if not param:
        return BadRequest(_("The request body must be a JSON object."), code="invalid_json")
    if kind == "extra_forbidden":
        return BadRequest(_("This request does not accept the field “%(field)s”.",
                            field=param[:40]), code="unknown_parameter", param=param)
    if kind == "missing" or error.get("input", 0) is None:
        return BadRequest(_("The field “%(field)s” is required.", field=param),
                          code="missing_parameter", param=param)
    if kind in _RULE_ERRORS and param in FIELD_ERRORS and isinstance(error.get("input"), str):
        code, sentence = FIELD_ERRORS[param]
        return BadRequest(_(sentence), code=code, param=param)
    if kind == "string_too_long":
        return BadRequest(_("The field “%(field)s” is too long (at most %(max)s characters).",
                            field=param, max=error["ctx"]["max_length"]),
                          code="invalid_parameter", param=param)
    if kind in _RANGE_ERRORS or kind in _LENGTH_ERRORS:
        return BadRequest(_("The field “%(field)s” is out of range.", field=param),
                          code="invalid_parameter", param=param)
    return BadRequest(_("The field “%(field)s” has the wrong type.", field=param),
                      code="invalid_parameter", param=param)
