"""Request validation derived from the pinned stripe-python's typed parameters.

Every /v1 route is matched to its SDK service method (`stripe_schema.endpoints`), whose params
TypedDict says, at every depth, which parameters exist and what they hold. A request is
checked against it before the handler runs, as Stripe does:

- an unknown parameter: 400 `parameter_unknown`, `param` spelled like Stripe (`items[0][pricee]`);
- a missing required one: 400 `parameter_missing` (the SDK's required keys, plus the spec's);
- a bad integer: `parameter_invalid_integer`; an empty string where a value cannot be unset:
  `parameter_invalid_empty`; a bad enum value, boolean, decimal, hash or array: 400 with the
  parameter named (Stripe sets no code for those);
- a parameter the API version declares but the sandbox does not emulate: a 400 that names it,
  never silently ignored. Each route lists what it implements (`Route.implements`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from widget_server.sandbox.errors import StripeAPIError
from widget_server.stripe_schema import params as sdk
from widget_server.stripe_schema.spec_facts import required_paths

JSON = dict[str, Any]
API_VERSION = "2026-10-28.endive"
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


def invalid(message: str, param: str, code: str | None = None) -> StripeAPIError:
    return StripeAPIError(400, message, param=param, code=code)


class Implemented:
    """The bracket patterns a route emulates; a pattern covers everything below it."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = frozenset(patterns) | {"expand"}

    def covers(self, pattern: str) -> bool:
        return any(pattern == p or pattern.startswith(p + "[") or p.startswith(pattern + "[")
                   for p in self.patterns)


def _unknown(value: Any, node: sdk.Shape, param: str) -> None:
    """Refuse the first parameter, at any depth, that the SDK does not declare."""
    if isinstance(node, sdk.OneOf):
        kinds = [o for o in node.options if isinstance(o, sdk.Hash | sdk.ListOf | sdk.Map)]
        if isinstance(value, dict) and any(isinstance(o, sdk.Hash) for o in kinds):
            hashes = [o for o in kinds if isinstance(o, sdk.Hash)]
            hashes.sort(key=lambda o: -_fit(value, o))
            _unknown(value, hashes[0], param)
        elif isinstance(value, dict):
            for option in kinds:
                if isinstance(option, sdk.Map):
                    _unknown(value, option, param)
        elif isinstance(value, list):
            for option in kinds:
                if isinstance(option, sdk.ListOf):
                    _unknown(value, option, param)
    elif isinstance(node, sdk.Hash) and isinstance(value, dict):
        for key, item in value.items():
            child = f"{param}[{key}]" if param else key
            if key not in node.fields:
                raise invalid(f"Received unknown parameter: {child}", child, "parameter_unknown")
            _unknown(item, node.fields[key], child)
    elif isinstance(node, sdk.ListOf) and isinstance(value, list):
        for index, entry in enumerate(value):
            _unknown(entry, node.item, f"{param}[{index}]")
    elif isinstance(node, sdk.Map) and node.value is not None and isinstance(value, dict):
        for key, item in value.items():
            _unknown(item, node.value, f"{param}[{key}]")


def _fit(value: JSON, node: sdk.Shape) -> int:
    if not isinstance(node, sdk.Hash):
        return 0
    known = sum(1 for key in value if key in node.fields)
    return known * 2 + (1 if known == len(value) else 0)


class Validator:
    def __init__(self, endpoint_key: str, implemented: Implemented) -> None:
        self.endpoint_key = endpoint_key
        self.implemented = implemented
        self.spec_required = required_paths(endpoint_key)

    def check(self, params: JSON, shape: sdk.Hash) -> None:
        _unknown(params, shape, "")  # an unknown name wins over every other complaint
        self._hash(params, shape, "", "")

    # --- one node per kind ------------------------------------------------------------------

    def _value(self, value: Any, node: sdk.Shape, param: str, pattern: str) -> None:
        if isinstance(node, sdk.OneOf):
            self._one_of(value, node, param, pattern)
        elif value == "" and not isinstance(node, sdk.Scalar | sdk.Enum):
            self._empty(param)
        elif isinstance(node, sdk.Hash):
            if not isinstance(value, dict):
                raise invalid(f"Invalid object: {param} must be a hash.", param)
            self._hash(value, node, param, pattern)
        elif isinstance(node, sdk.ListOf):
            if not isinstance(value, list):
                raise invalid(f"Invalid array: {param} must be an array.", param)
            for index, entry in enumerate(value):
                self._value(entry, node.item, f"{param}[{index}]", f"{pattern}[]")
        elif isinstance(node, sdk.Map) and node.value is not None:
            if not isinstance(value, dict):
                raise invalid(f"Invalid object: {param} must be a hash.", param)
            for key, item in value.items():
                self._value(item, node.value, f"{param}[{key}]", f"{pattern}[{key}]")
        elif isinstance(node, sdk.Map):
            self._map(value, param)
        elif isinstance(node, sdk.Enum):
            self._enum(value, node, param)
        else:
            self._scalar(value, node.kind, param)

    def _one_of(self, value: Any, node: sdk.OneOf, param: str, pattern: str) -> None:
        if value == "" and sdk.Enum(("",)) in node.options:
            return
        if isinstance(value, dict):
            kinds: tuple[type, ...] = (sdk.Hash, sdk.Map)
        elif isinstance(value, list):
            kinds = (sdk.ListOf,)
        else:
            kinds = (sdk.Scalar, sdk.Enum)
        options = [o for o in node.options if isinstance(o, kinds) and o != sdk.Enum(("",))]
        if isinstance(value, dict):
            # several hash forms (a card's number/expiry or its token): the closest one
            options.sort(key=lambda o: -_fit(value, o))
            options = options[:1]
        if not options:
            wanted = "a hash" if any(isinstance(o, sdk.Hash | sdk.Map) for o in node.options) \
                else "an array" if any(isinstance(o, sdk.ListOf) for o in node.options) \
                else "a string"
            raise invalid(f"Invalid {param}: must be {wanted}.", param)
        error: StripeAPIError | None = None
        for option in options:
            try:
                self._value(value, option, param, pattern)
                return
            except StripeAPIError as failed:
                if failed.param != param:
                    raise  # a problem deeper inside the value that matched this option
                error = failed
        assert error is not None
        raise error

    def _hash(self, value: JSON, node: sdk.Hash, param: str, pattern: str) -> None:
        fields = node.fields
        for key in value:
            child = f"{param}[{key}]" if param else key
            if key not in fields:
                raise invalid(f"Received unknown parameter: {child}", child, "parameter_unknown")
        for key, item in value.items():
            child = f"{param}[{key}]" if param else key
            child_pattern = f"{pattern}[{key}]" if pattern else key
            if not self.implemented.covers(child_pattern):
                raise invalid(
                    f"The sandbox does not emulate the parameter {child} (declared by API "
                    f"version {API_VERSION}); it would be ignored here but not by Stripe, so "
                    "the request is refused.", child, "parameter_not_emulated")
            self._value(item, fields[key], child, child_pattern)
        required = set(node.required)
        prefix = f"{pattern}[" if pattern else ""
        for path in self.spec_required:
            name = path[len(prefix):].rstrip("]") if path.startswith(prefix) else ""
            if name and "[" not in name and name in fields:
                required.add(name)
        for key in sorted(required):
            if value.get(key) in (None, ""):
                child = f"{param}[{key}]" if param else key
                raise invalid(f"Missing required param: {child}.", child, "parameter_missing")

    def _empty(self, param: str) -> None:
        raise invalid(
            f"You passed an empty string for '{param}'. We assume empty values are an attempt "
            f"to unset a parameter; however '{param}' cannot be unset. You should remove "
            f"'{param}' from your request or supply a non-empty value.",
            param, "parameter_invalid_empty")

    def _map(self, value: Any, param: str) -> None:
        if not isinstance(value, dict):
            raise invalid(f"Invalid object: {param} must be a hash.", param)
        if param.endswith("metadata") and len(value) > METADATA_MAX_KEYS:
            raise invalid(f"Invalid {param}: metadata can have at most {METADATA_MAX_KEYS} "
                          "keys.", param)
        for key, item in value.items():
            if not isinstance(item, str):
                raise invalid(f"Invalid string: {param}[{key}] must be a string.",
                              f"{param}[{key}]")
            if param.endswith("metadata") and len(key) > METADATA_KEY_MAX:
                raise invalid(f"Invalid {param}: keys must be at most {METADATA_KEY_MAX} "
                              f"characters ('{key}').", f"{param}[{key}]")
            if param.endswith("metadata") and len(item) > METADATA_VALUE_MAX:
                raise invalid(f"Invalid {param}: values must be at most {METADATA_VALUE_MAX} "
                              f"characters.", f"{param}[{key}]")

    def _enum(self, value: Any, node: sdk.Enum, param: str) -> None:
        if isinstance(value, str) and value in node.values:
            return
        if value == "":
            self._empty(param)
        choices = [v for v in node.values if v]
        listed = ", ".join(choices[:-1]) + f", or {choices[-1]}" if len(choices) > 1 \
            else choices[0] if choices else ""
        raise invalid(f"Invalid {param}: must be one of {listed}", param)

    def _scalar(self, value: Any, kind: str, param: str) -> None:
        if kind == "any":
            return
        if not isinstance(value, str):
            raise invalid(f"Invalid {kind}: {param} must be a {kind}, not a "
                          f"{'hash' if isinstance(value, dict) else 'array'}.", param)
        if kind == "string":
            return
        if value == "":
            self._empty(param)
        if kind == "integer" and not re.fullmatch(r"-?\d+", value.strip()):
            raise invalid(f"Invalid integer: {value}", param, "parameter_invalid_integer")
        if kind == "boolean" and value not in ("true", "false"):
            raise invalid(f"Invalid boolean: {value}", param)
        if kind == "decimal":
            try:
                Decimal(value)
            except InvalidOperation:
                raise invalid(f"Invalid decimal: {value}", param) from None
