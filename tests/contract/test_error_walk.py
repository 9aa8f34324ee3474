"""Every route of the document, times every way a request can be wrong → the one error shape, one
stable code per condition, and a message in the user's language (datasette's habit)."""

# ruff: noqa: B023  (each closure is called within its own loop iteration)

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.contract.conftest import Contract
from tests.contract.support import body_schema, concrete, operations, wrong_type
from tests.helpers import make_test_app
from widget_server import db
from widget_server.sandbox import SandboxServer

NO_TOKEN = {"portalToken": "missing_token", "apiKey": "invalid_api_key"}
BAD_TOKEN = {"portalToken": "invalid_token", "apiKey": "invalid_api_key"}
LOCALES = ("de", "ar")  # a left-to-right and a right-to-left language besides English

Request = Callable[[str], Any]  # Accept-Language → response


def _scheme(operation: dict[str, Any]) -> str | None:
    return next(iter(operation["security"][0])) if operation["security"] else None


def _assert_error(response: Any, status: int, code: str, param: str | None = None) -> str:
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "param"} and error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    if param is not None:
        assert error["param"] == param
    return str(error["message"])


def _assert_translated(request: Request, status: int, code: str) -> None:
    english = _assert_error(request("en"), status, code)
    for locale in LOCALES:
        translated = _assert_error(request(locale), status, code)
        assert translated != english, (code, locale, translated)


def _cases(contract: Contract) -> list[tuple[str, str, dict[str, Any]]]:
    return list(operations(contract.document))


def test_no_token_and_bad_token(contract: Contract) -> None:
    checked = 0
    for path, method, operation in _cases(contract):
        scheme = _scheme(operation)
        if scheme is None:
            continue
        url = concrete(path)

        def call(locale: str, headers: dict[str, str]) -> Any:
            return contract.client.open(url, method=method.upper(), json={},
                                        headers={"Accept-Language": locale, **headers})

        _assert_translated(lambda lang: call(lang, {}), 401, NO_TOKEN[scheme])
        bad = {"Authorization": "Bearer not-a-token"}
        _assert_translated(lambda lang: call(lang, bad), 401, BAD_TOKEN[scheme])
        checked += 1
    assert checked >= 24


def test_malformed_json_unknown_field_wrong_type(contract: Contract) -> None:
    checked = 0
    for path, method, operation in _cases(contract):
        schema = body_schema(contract.document, operation)
        if schema is None:
            continue
        url = concrete(path)
        headers = {**contract.headers_for(operation), "Idempotency-Key": "contract-walk-0001"}

        def call(locale: str, **kwargs: Any) -> Any:
            return contract.client.open(url, method=method.upper(),
                                        headers={"Accept-Language": locale, **headers}, **kwargs)

        _assert_translated(lambda lang: call(lang, data="{not json",
                                             content_type="application/json"),
                           400, "invalid_json")
        _assert_translated(lambda lang: call(lang, json=[1]), 400, "invalid_json")
        _assert_translated(lambda lang: call(lang, json={"colour": "red"}), 400,
                           "unknown_parameter")
        example = operation["requestBody"]["content"]["application/json"]["example"]
        for name, member in schema["properties"].items():
            response = call("en", json={**example, name: wrong_type(contract.document, member)})
            _assert_error(response, 400, "invalid_parameter", param=name)
        if schema["properties"]:
            name, member = next(iter(schema["properties"].items()))
            _assert_translated(lambda lang: call(lang, json={
                **example, name: wrong_type(contract.document, member)}), 400,
                "invalid_parameter")
        checked += 1
    assert checked >= 15


def test_wrong_method(contract: Contract) -> None:
    for path, _method, operation in _cases(contract):
        allowed = set(contract.document["paths"][path])
        wrong = next(m for m in ("put", "patch", "delete", "post") if m not in allowed)
        assert "405" in operation["responses"], path

        def call(locale: str) -> Any:
            return contract.client.open(concrete(path), method=wrong.upper(),
                                        headers={"Accept-Language": locale})

        _assert_translated(call, 405, "method_not_allowed")


@pytest.fixture
def limited_app(tmp_path: Path, sandbox: SandboxServer) -> Any:
    application = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                                RATELIMIT_DEFAULT="2 per minute", RATELIMIT_SESSION="2 per minute",
                                RATELIMIT_API="2 per minute")
    yield application
    db.get_database(application).engine.dispose()


def test_rate_limited(limited_app: Flask) -> None:
    client: FlaskClient = limited_app.test_client()
    doc = client.get("/v1/openapi.json").get_json()
    checked = 0
    for index, (path, method, operation) in enumerate(operations(doc)):
        if "429" not in operation["responses"]:
            continue
        # Each route from its own address: limits are per client IP.
        environ = {"REMOTE_ADDR": f"10.0.{index // 250}.{index % 250 + 1}"}

        def call(locale: str) -> Any:
            return client.open(concrete(path), method=method.upper(), json={},
                               environ_base=environ, headers={"Accept-Language": locale})

        for _ in range(2):
            assert call("en").status_code != 429
        _assert_translated(call, 429, "rate_limited")
        assert call("en").headers["Retry-After"].isdigit()
        checked += 1
    assert checked >= 25
