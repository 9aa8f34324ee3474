"""The OpenAPI document is served exactly as documented: its routes are the app's, and each
request body accepts every documented field and refuses anything else (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from pydantic import BaseModel

from tests.contract.conftest import Contract
from tests.contract.support import (
    body_schema,
    concrete,
    non_null,
    operations,
    resolve,
    sample,
    wrong_type,
)
from widget_server.contract.document import RouteUndocumented, build_paths, openapi_path
from widget_server.contract.operations import OPERATIONS
from widget_server.contract.requests import REQUEST_MODELS

SCHEMA_CODES = {"invalid_json", "unknown_parameter", "invalid_parameter", "missing_parameter"}
# contract.validation's sentences (English: the test client sends no Accept-Language).
SCHEMA_MESSAGES = ("The field “", "This request does not accept", "The request body must be")


def _send(contract: Contract, path: str, method: str, operation: dict[str, Any],
          body: Any) -> Any:
    headers = {**contract.headers_for(operation), "Idempotency-Key": "contract-test-0001"}
    return contract.client.open(concrete(path), method=method.upper(), json=body,
                                headers=headers)


def _base_body(contract: Contract, operation: dict[str, Any]) -> dict[str, Any]:
    example: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["example"]
    return dict(example)


def _body_operations(contract: Contract) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, o) for p, m, o in operations(contract.document) if "requestBody" in o]


def test_openapi_31_with_security_and_the_one_error_shape(contract: Contract) -> None:
    doc = contract.document
    assert doc["openapi"] == "3.1.0"
    assert set(doc["components"]["securitySchemes"]) == {"portalToken", "apiKey"}
    error = resolve(doc, {"$ref": "#/components/schemas/Error"})
    assert error["required"] == ["error"]
    detail = resolve(doc, error["properties"]["error"])
    assert detail["required"] == ["code", "message"]
    assert "param" in detail["properties"]


def test_routes_and_document_agree_both_ways(contract: Contract) -> None:
    served = set()
    for rule in contract.app.url_map.iter_rules():
        if rule.rule.startswith("/v1/"):
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                served.add((openapi_path(rule.rule), method.lower()))
    documented = {(path, method) for path, method, _op in operations(contract.document)}
    assert documented == served
    every_rule = {openapi_path(r.rule) for r in contract.app.url_map.iter_rules()}
    assert set(contract.document["paths"]) <= every_rule


def test_an_undocumented_v1_route_fails_the_build() -> None:
    app = Flask(__name__)
    app.add_url_rule("/v1/contract_probe", "contract_probe", lambda: "")
    with pytest.raises(RouteUndocumented):
        build_paths(app)
    assert "contract_probe" not in OPERATIONS


def test_every_request_model_is_used_and_has_an_example() -> None:
    used = {o.body for o in OPERATIONS.values() if o.body is not None}
    assert used == set(REQUEST_MODELS)
    for model in REQUEST_MODELS:
        examples = model.model_json_schema()["examples"]
        model.model_validate(examples[0])  # the documented example is a valid body
        assert model.model_config.get("extra") == "forbid", model


def _schema_refusal(response: Any) -> dict[str, Any] | None:
    """The error when the body's validation (not a rule of the action) refused it."""
    error = (response.get_json() or {}).get("error") or {}
    if (response.status_code == 400 and error.get("code") in SCHEMA_CODES
            and str(error.get("message")).startswith(SCHEMA_MESSAGES)):
        return dict(error)
    return None


def test_each_example_body_passes_validation(contract: Contract) -> None:
    for path, method, operation in _body_operations(contract):
        response = _send(contract, path, method, operation, _base_body(contract, operation))
        assert _schema_refusal(response) is None, (method, path, response.get_json())


def test_each_documented_field_is_accepted(contract: Contract) -> None:
    checked = 0
    for path, method, operation in _body_operations(contract):
        schema = body_schema(contract.document, operation)
        assert schema is not None and schema["additionalProperties"] is False
        for name, member in schema["properties"].items():
            body = {**_base_body(contract, operation), name: sample(contract.document, name,
                                                                    member)}
            refused = _schema_refusal(_send(contract, path, method, operation, body))
            assert refused is None, (method, path, name, refused)
            checked += 1
    assert checked >= 40


def test_an_undocumented_field_and_a_wrong_type_are_refused(contract: Contract) -> None:
    for path, method, operation in _body_operations(contract):
        body = {**_base_body(contract, operation), "undocumented": 1}
        error = _schema_refusal(_send(contract, path, method, operation, body))
        assert error is not None and error["code"] == "unknown_parameter", (method, path)
        assert error["param"] == "undocumented"
        schema = body_schema(contract.document, operation)
        assert schema is not None
        for name, member in schema["properties"].items():
            body = {**_base_body(contract, operation),
                    name: wrong_type(contract.document, member)}
            error = _schema_refusal(_send(contract, path, method, operation, body))
            assert error == {**(error or {}), "code": "invalid_parameter", "param": name}, (
                method, path, name)


def test_limits_are_served_as_documented(contract: Contract) -> None:
    """At each documented limit a value passes; one past it is refused, naming the field."""
    checked = 0
    for path, method, operation in _body_operations(contract):
        schema = body_schema(contract.document, operation)
        assert schema is not None
        required = set(schema.get("required", []))
        for name, member in schema["properties"].items():
            value = non_null(contract.document, member)
            cases: list[tuple[Any, bool]] = []
            if "maxLength" in value and name not in {"email", "return_url", "phone"}:
                cases += [("x" * value["maxLength"], True), ("x" * (value["maxLength"] + 1),
                                                              False)]
            if "maximum" in value:
                cases += [(value["maximum"] + 1, False)]
            if "minimum" in value:
                cases += [(value["minimum"] - 1, False)]
            if name in required:
                cases += [(None, False)]
            for given, accepted in cases:
                body = {**_base_body(contract, operation), name: given}
                error = _schema_refusal(_send(contract, path, method, operation, body))
                if accepted:
                    assert error is None or error.get("param") != name, (path, name, given)
                else:
                    assert error is not None and error["param"] == name, (path, name, given)
                checked += 1
    assert checked >= 30


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=lambda m: m.__name__)
def test_models_are_nullable_exactly_where_optional(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    for name, member in schema["properties"].items():
        nullable = any(s.get("type") == "null" for s in member.get("anyOf", []))
        assert nullable == (name not in schema.get("required", [])), (model.__name__, name)
