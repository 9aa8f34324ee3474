"""Check sandbox JSON against stripe-python's resource annotations (the API's shapes)."""

from __future__ import annotations

import sys
import typing
from typing import Any

import stripe

# every list envelope carries these, whatever the SDK's list classes annotate
ENVELOPE = {"object", "url"}


class _Names(dict):  # type: ignore[type-arg]
    """Resolves the SDK's TYPE_CHECKING-only names lazily; unknown names become Any."""

    def __missing__(self, name: str) -> Any:
        for candidate in (name, name.removesuffix("Resource")):
            found = getattr(stripe, candidate, None)
            if found is not None:
                return found
        return Any


def declared(cls: type) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("stripe") and "__annotations__" in vars(klass):
            module = sys.modules[klass.__module__]
            hints.update(typing.get_type_hints(klass, globalns=dict(vars(module)),
                                               localns=_Names(vars(klass))))
    return {k: v for k, v in hints.items() if not k.startswith("_") and k != "OBJECT_NAME"}


def _classes(annotation: Any) -> list[type]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, stripe.StripeObject):
        found.append(annotation)
    for arg in typing.get_args(annotation):
        found += _classes(arg)
    return found


def undeclared_fields(value: dict[str, Any], cls: type, path: str = "") -> list[str]:
    """Paths of fields in `value` (recursively) that `cls` does not declare."""
    hints = declared(cls)
    problems = [f"{path}{key}" for key in value
                if key not in hints and not (key in ENVELOPE and (
                    "data" in hints or key == "object"))]
    for key, item in value.items():
        candidates = _classes(hints.get(key))
        if not candidates:
            continue
        items = item if isinstance(item, list) else [item]
        for entry in items:
            if isinstance(entry, dict):
                problems += _check_entry(entry, candidates, f"{path}{key}.")
    return problems


def _check_entry(entry: dict[str, Any], candidates: list[type], path: str) -> list[str]:
    if entry.get("object") in ("list", "search_result"):
        inner = [c for c in candidates if not issubclass(c, stripe.ListObject)]
        problems = undeclared_fields({k: v for k, v in entry.items() if k != "data"},
                                     stripe.ListObject, path)
        for row in entry.get("data", []):
            problems += _check_entry(row, inner, path + "data.")
        return problems
    named = [c for c in candidates if getattr(c, "OBJECT_NAME", None) == entry.get("object")]
    cls = (named or [c for c in candidates if not issubclass(c, stripe.ListObject)])[0]
    return undeclared_fields(entry, cls, path)
