"""Reading the OpenAPI document: operations, request schemas, sample values per field."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

Doc = dict[str, Any]
SAMPLES = {"email": "ana@example.com", "phone": "+49 30 1234567", "type": "eu_vat",
           "country": "DE", "value": "DE123456789", "return_url": "http://localhost:5000/",
           "reason": "too_expensive", "locale": "de", "account": "acct_unknown",
           "accent_color": "#4f46e5"}


def operations(doc: Doc, prefix: str = "/v1/") -> Iterator[tuple[str, str, Doc]]:
    for path, ops in sorted(doc["paths"].items()):
        if path.startswith(prefix):
            for method, operation in sorted(ops.items()):
                yield path, method, operation


def concrete(path: str) -> str:
    """A path with made-up, well-formed ids (they belong to nobody: a 404 after the body)."""
    ids = {"sub_id": "sub_contract0", "invoice_id": "in_contract0", "pm_id": "pm_contract0",
           "tax_id": "txi_contract0"}
    return re.sub(r"\{([a-z_]+)\}", lambda m: ids.get(m.group(1), "x_contract0"), path)


def body_schema(doc: Doc, operation: Doc) -> Doc | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    return resolve(doc, body["content"]["application/json"]["schema"])


def resolve(doc: Doc, schema: Doc) -> Doc:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def non_null(doc: Doc, schema: Doc) -> Doc:
    """The schema of a nullable member's value (``anyOf: [X, null]`` → X)."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    return resolve(doc, options[0])


def sample(doc: Doc, name: str, schema: Doc) -> Any:
    """A value of the member's documented type, inside its limits."""
    value = non_null(doc, schema)
    kind = value.get("type")
    if value.get("enum"):
        return value["enum"][0]
    if kind == "object" and value.get("examples"):
        return value["examples"][0]
    if kind == "string":
        return SAMPLES.get(name, "x")
    if kind == "integer":
        return max(value.get("minimum", 1), 1) if name != "resumes_at" else int(time.time()) + 86400
    if kind == "boolean":
        return True
    if kind == "array":
        return ["de"]
    return {}


def wrong_type(doc: Doc, schema: Doc) -> Any:
    return 12345 if non_null(doc, schema).get("type") in {"string", "array", "object"} else "x"
