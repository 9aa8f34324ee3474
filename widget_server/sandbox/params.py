"""Stripe's form encoding: bracket params (`items[0][price]`) into nested dicts and lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from widget_server.sandbox.errors import bad_request

JSON = dict[str, Any]
_SEGMENT = re.compile(r"\[([^\]]*)\]")
_APPEND = "\x00append"


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> JSON:
    """Turn `(key, value)` pairs with bracket keys into a nested structure."""
    root: JSON = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + ([m.group(1) for m in _SEGMENT.finditer("[" + rest)] if rest else [])
        node: Any = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            name = part if part != "" else _APPEND
            if name == _APPEND:
                node.setdefault(_APPEND, [])
                if last:
                    node[_APPEND].append(value)
                    break
                node[_APPEND].append({})
                node = node[_APPEND][-1]
                continue
            if last:
                node[name] = value
            else:
                child = node.get(name)
                if not isinstance(child, dict):
                    child = {}
                    node[name] = child
                node = child
    return _normalise(root)  # type: ignore[no-any-return]


def _normalise(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if _APPEND in node:
        return [_normalise(v) for v in node[_APPEND]]
    if node and all(k.isdigit() for k in node):
        return [_normalise(node[k]) for k in sorted(node, key=int)]
    return {k: _normalise(v) for k, v in node.items()}


def opt_str(params: JSON, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"Invalid string: {name}", param=name)
    return value


def req_str(params: JSON, name: str) -> str:
    value = opt_str(params, name)
    if not value:
        raise bad_request(f"Missing required param: {name}.", param=name)
    return value


def opt_int(params: JSON, name: str, minimum: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid integer: {value}", param=name) from None
    if minimum is not None and number < minimum:
        raise bad_request(
            f"This value must be greater than or equal to {minimum}.", param=name
        )
    return number


def opt_bool(params: JSON, name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise bad_request(f"Invalid boolean: {value}", param=name)


def opt_enum(params: JSON, name: str, choices: Iterable[str]) -> str | None:
    value = opt_str(params, name)
    options = list(choices)
    if value is not None and value not in options:
        raise bad_request(
            f"Invalid {name}: must be one of {', '.join(options)}", param=name
        )
    return value


def opt_dict(params: JSON, name: str) -> JSON | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise bad_request(f"Invalid object: {name}", param=name)
    return value


def opt_list(params: JSON, name: str) -> list[Any] | None:
    value = params.get(name)
    if value is None:
        return None
    if value == "":
        return []
    if isinstance(value, dict):
        return list(value.values())
    if not isinstance(value, list):
        raise bad_request(f"Invalid array: {name}", param=name)
    return value


def apply_metadata(target: JSON, value: Any, param: str = "metadata") -> None:
    """Merge Stripe-style metadata: an empty value deletes a key, "" clears all."""
    if value is None:
        return
    if value == "":
        target["metadata"] = {}
        return
    if not isinstance(value, dict):
        raise bad_request("Invalid metadata: must be a hash.", param=param)
    metadata = dict(target.get("metadata") or {})
    for key, item in value.items():
        if item == "":
            metadata.pop(key, None)
        else:
            metadata[key] = str(item)
    target["metadata"] = metadata
