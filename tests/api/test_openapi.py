"""GET /v1/openapi.json describes every /v1 route Flask serves, and DESIGN §3.3's surface."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

DESIGN_SURFACE = {
    ("post", "/v1/embed/session"), ("get", "/v1/portal"), ("get", "/v1/portal/invoices"),
    ("post", "/v1/portal/subscriptions/{id}/cancel"),
    ("post", "/v1/portal/subscriptions/{id}/resume"),
    ("post", "/v1/portal/subscriptions/{id}/change_plan/preview"),
    ("post", "/v1/portal/subscriptions/{id}/change_plan"),
    ("post", "/v1/portal/subscriptions/{id}/quantity"),
    ("post", "/v1/portal/subscriptions/{id}/resubscribe"),
    ("post", "/v1/portal/subscriptions/{id}/discount"),
    ("post", "/v1/portal/subscriptions/{id}/pause"),
    ("post", "/v1/portal/subscriptions/{id}/unpause"),
    ("post", "/v1/portal/payment_method/setup_intent"), ("post", "/v1/portal/payment_method"),
    ("post", "/v1/portal/invoices/{id}/pay"), ("patch", "/v1/portal/customer"),
    ("post", "/v1/portal_sessions"), ("get", "/healthz"), ("get", "/readyz"),
    ("get", "/embed/v1/portal.js"),
}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", lambda m: "{" + m.group(1) + "}", rule)


def _normalized(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "{}", path)


def test_document_is_openapi_31_with_the_error_schema(client: FlaskClient) -> None:
    doc = client.get("/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    error = schemas["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert schemas["ErrorDetail"]["required"] == ["code", "message"]


def test_design_surface_is_documented(client: FlaskClient) -> None:
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    documented = {(m, _normalized(p)) for p, ops in paths.items() for m in ops}
    for method, path in DESIGN_SURFACE:
        assert (method, _normalized(path)) in documented, f"{method.upper()} {path} is missing"


def test_every_registered_v1_route_is_documented(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    documented = {(m, _normalized(p)) for p, ops in paths.items() for m in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            key = (method.lower(), _normalized(_openapi_path(rule.rule)))
            if key not in documented:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from /v1/openapi.json: {missing}"


def test_every_operation_documents_json_errors(client: FlaskClient) -> None:
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if (path, status) == ("/readyz", "503"):
                    continue  # a probe's answer (status: unavailable), not an API error
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
            for name in re.findall(r"\{([a-z_]+)\}", path):
                params = [p["name"] for p in operation.get("parameters", [])]
                assert name in params, (method, path, name)


def test_refs_resolve(client: FlaskClient) -> None:
    doc = client.get("/v1/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([A-Za-z]+)"',
                          client.get("/v1/openapi.json").get_data(as_text=True).replace(
                              '"$ref":"', '"$ref": "')))
    assert refs and refs <= set(doc["components"]["schemas"])
