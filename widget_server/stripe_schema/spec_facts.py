"""Facts the SDK's types cannot tell, taken from Stripe's OpenAPI spec and shipped as data.

- Required parameters. The SDK marks a parameter required only when every form of the call
  needs it; it leaves `customer` optional on subscription create (the newer `customer_account`
  may replace it), so the spec's `required` lists are added, for parameters the SDK still
  declares (the spec is older than the pinned version: `promotion_codes` required `coupon`
  before `promotion[coupon]` replaced it).
- Includable fields: fields Stripe leaves out unless asked with `expand[]` (a customer's
  `tax_ids`, a coupon's `applies_to`). The SDK annotates them like any optional field; the spec
  lists them in `x-expandableFields` while leaving them neither required nor nullable, which
  also catches a few objects that are always there (a customer's `invoice_settings`), so a
  candidate counts only when Stripe's published example object leaves it out.

Sources (shared/reference/): `stripe-openapi-spec3-2023-08-16.json`, the newest full spec that
can be had offline, and `stripe-fixtures3.json`, Stripe's example objects. `spec_facts.json`
beside this file is the output of `build()`; tests/stripe_schema/test_spec_facts.py rebuilds
it from the reference files when they are present.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from widget_server.stripe_schema import params as sdk_params
from widget_server.stripe_schema.endpoints import endpoints, normalise_path

FACTS_FILE = Path(__file__).with_name("spec_facts.json")
MAX_DEPTH = 6


def _required_paths(schema: Any, prefix: str, out: set[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH or not isinstance(schema, dict):
        return
    structured = [a for a in schema.get("anyOf", []) if a.get("type") in ("object", "array")
                  or "properties" in a]
    if len(structured) == 1:  # `anyOf: [hash, ""]`; with two hash forms neither is required
        _required_paths(structured[0], prefix, out, depth + 1)
    if schema.get("type") == "array":
        _required_paths(schema.get("items", {}), prefix + "[]", out, depth + 1)
        return
    for name in schema.get("required", []):
        out.add(f"{prefix}[{name}]" if prefix else name)
    for name, child in (schema.get("properties") or {}).items():
        _required_paths(child, f"{prefix}[{name}]" if prefix else name, out, depth + 1)


def declared_path(hash_shape: sdk_params.Hash, path: str) -> bool:
    """Whether the SDK declares a bracket path such as `items[][price_data][currency]`."""
    node: sdk_params.Shape = hash_shape
    for part in path.replace("]", "").split("["):
        node = _step(node, part)  # type: ignore[assignment]
        if node is None:
            return False
    return True


def _step(node: sdk_params.Shape, part: str) -> sdk_params.Shape | None:
    options = node.options if isinstance(node, sdk_params.OneOf) else (node,)
    for option in options:
        if part == "" and isinstance(option, sdk_params.ListOf):
            return option.item
        if part and isinstance(option, sdk_params.Hash) and part in option.fields:
            return option.fields[part]
    return None


def _includable(schema: dict[str, Any], declared: set[str],
                example: dict[str, Any] | None) -> list[str]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    return sorted(
        name for name in schema.get("x-expandableFields") or ()
        if name in declared and name not in required and name not in (example or {})
        and not properties.get(name, {}).get("nullable")
        and _is_included_object(properties.get(name, {}))
    )


def _is_included_object(prop: dict[str, Any]) -> bool:
    # an expandable id is `anyOf: [string, {$ref}]`; an includable field is an object or list
    # that is simply absent by default
    return not any(alt.get("type") == "string" for alt in prop.get("anyOf", []))


def build(spec_path: Path, fixtures_path: Path) -> dict[str, Any]:
    """The facts file's content, computed from the spec, the fixtures and the installed SDK."""
    from widget_server.stripe_schema.objects import declared_fields, resource_classes

    spec = json.loads(spec_path.read_text())
    examples = json.loads(fixtures_path.read_text())["resources"]
    sdk = endpoints()
    required: dict[str, list[str]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            endpoint = sdk.get(f"{method.upper()} {normalise_path(path)}")
            if endpoint is None or endpoint.params is None:
                continue
            found: set[str] = set()
            body = (operation.get("requestBody", {}).get("content", {})
                    .get("application/x-www-form-urlencoded", {}).get("schema"))
            if body:
                _required_paths(body, "", found)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("required"):
                    found.add(parameter["name"])
            shape = sdk_params.shape(endpoint.params)
            kept = sorted(p for p in found if declared_path(shape, p))
            if kept:
                required[endpoint.key] = kept
    includable: dict[str, list[str]] = {}
    schemas = spec["components"]["schemas"]
    for object_name, cls in sorted(resource_classes().items()):
        if object_name in schemas:
            fields = _includable(schemas[object_name], set(declared_fields(cls)),
                                 examples.get(object_name))
            if fields:
                includable[object_name] = fields
    return {"sources": [spec_path.name, fixtures_path.name], "required": required,
            "includable": includable}


@functools.cache
def facts() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FACTS_FILE.read_text())
    return loaded


def required_paths(endpoint_key: str) -> tuple[str, ...]:
    return tuple(facts()["required"].get(endpoint_key, ()))


# Includable fields added after the 2023 spec, which the files above cannot know. Source:
# Stripe's changelog for 2025-03-31.basil, whose guides expand them explicitly
# (`expand[]=latest_invoice.confirmation_secret`, `expand[]=payments` on invoices).
NEWER_INCLUDABLE: dict[str, tuple[str, ...]] = {"invoice": ("confirmation_secret", "payments")}


def includable_fields(object_name: str) -> frozenset[str]:
    return frozenset(facts()["includable"].get(object_name, ())) | frozenset(
        NEWER_INCLUDABLE.get(object_name, ()))
