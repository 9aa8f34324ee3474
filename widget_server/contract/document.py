"""The OpenAPI 3.1 document, generated from the app's routes and the contract's models.

Paths and methods come from Flask's url_map, so a route cannot exist undocumented: a ``/v1``
route without a row in ``contract.operations`` makes the build fail. Schemas come from the
pydantic models (``model_json_schema``), so a field exists in one place only.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from widget_server.contract import requests as rq
from widget_server.contract import responses as rs
from widget_server.contract.operations import OPERATIONS, Operation

VERSION = "1.0.0"
JSON = "application/json"
REF = "#/components/schemas/{model}"
_ERROR_STATUSES = {
    "400": "The request is malformed or not allowed by the account's settings.",
    "401": "Missing, invalid or expired credentials.",
    "402": "The card was declined (a specific, translated message per decline code).",
    "403": "The account's settings do not allow this action.",
    "404": "No such object for this customer.",
    "405": "The path exists, the method does not.",
    "409": "The state changed since the page was drawn (a stale preview, a duplicate).",
    "429": "Too many requests.",
    "502": "Stripe failed or timed out; retry.",
    "503": "A store of ours is unavailable; retry later (Stripe resends webhooks by itself).",
}
_SECURITY_SCHEMES = {
    "portalToken": {"type": "http", "scheme": "bearer",
                    "description": "A portal token from POST /v1/embed/session or a hosted "
                                   "portal page."},
    "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "wsk_…",
               "description": "The account's server-to-server API key."},
}


class RouteUndocumented(RuntimeError):
    """A route under /v1 has no row in ``contract.operations``."""


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def component_schemas() -> dict[str, Any]:
    """Every request and response model, with ``$ref``s between them."""
    models: list[tuple[type[BaseModel], Any]] = [(m, "validation") for m in rq.REQUEST_MODELS]
    models += [(o.response, "serialization") for o in OPERATIONS.values()
               if o.response is not None and o.response is not BaseModel]
    models.append((rs.Error, "serialization"))
    _keys, top = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas


def openapi_path(rule: str) -> str:
    """``/v1/x/<sub_id>`` as ``/v1/x/{sub_id}``."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string: its schema is the string member."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    found = {key: value for key, value in options[0].items() if key != "title"}
    if "description" in schema:
        found.setdefault("description", schema["description"])
    return found


def _operation(operation: Operation, path: str) -> dict[str, Any]:
    if operation.response is None:
        media = {JSON: {"schema": {"type": "object"}}} if path.endswith(".json") else {
            "text/javascript": {"schema": {"type": "string"}}}
    else:
        media = {JSON: {"schema": _ref(operation.response)}}
    responses: dict[str, Any] = {status: {"description": "OK" if status < "300" else "Not OK",
                                          "content": media}
                                 for status in (operation.status, *operation.also)}
    for status in (*operation.errors, "405"):
        responses[status] = {"description": _ERROR_STATUSES[status],
                             "content": {JSON: {"schema": _ref(rs.Error)}}}
    doc: dict[str, Any] = {
        "summary": operation.summary, "tags": [operation.tag], "responses": responses,
        "security": [{operation.security: []}] if operation.security else [],
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([a-z_]+)\}", path)]
    if operation.query is not None:
        query = operation.query.model_json_schema()
        parameters += [{"name": name, "in": "query", "required": name in query.get("required", ()),
                        "schema": _without_null(schema)}
                       for name, schema in query["properties"].items()]
    if operation.idempotency_key:
        parameters.append({
            "name": "Idempotency-Key", "in": "header",
            "required": operation.idempotency_key == "required",
            "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_\-:.]{8,128}$"},
            "description": "A nonce from the page; a retry with the same key is not repeated.",
        })
    if parameters:
        doc["parameters"] = parameters
    if operation.body is not None:
        schema = operation.body.model_json_schema()
        doc["requestBody"] = {
            # An absent body is {}: required when {} would not do.
            "required": any(schema.get(key) for key in ("required", "anyOf", "oneOf")),
            "content": {JSON: {"schema": _ref(operation.body), "example": schema["examples"][0]}}}
    return doc


def build_paths(app: Flask) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = OPERATIONS.get(rule.endpoint)
        if operation is None:
            if rule.rule.startswith("/v1/"):
                raise RouteUndocumented(f"{rule.rule} ({rule.endpoint}) has no operation row")
            continue
        path = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(operation, path)
    return paths


def build_openapi(app: Flask, server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `app`, with `server_url` as the server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "widget-server API",
            "version": VERSION,
            "summary": "Embeddable Stripe customer billing portal.",
            "description": "Every error has the shape "
                           '{"error": {"code": "snake_case_code", "message": "…", '
                           '"param": "field at fault, if any"}}.',
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "embed"}, {"name": "portal"}, {"name": "hosted"}, {"name": "account"},
                 {"name": "meta"}],
        "paths": build_paths(app),
        "components": {"schemas": component_schemas(),
                       "securitySchemes": _SECURITY_SCHEMES},
    }
