"""The fields each stripe-python resource class declares, and checks of JSON against them.

`declared_fields(stripe.Subscription)` reads the class annotations (through the class's
bases, nested classes included), so the sandbox fills and the tests and `stripe check`
compare objects against exactly what the pinned version declares. An `ExpandableField[X]`
annotation (`Union[str, X]`) marks a field that is an id unless expanded.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any, Union

import stripe
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import UntypedStripeObject

from widget_server.stripe_schema.spec_facts import includable_fields

ENVELOPE = frozenset({"object", "data", "has_more", "url"})
SEARCH_ENVELOPE = frozenset({"object", "data", "has_more", "next_page", "url"})
# fields the SDK adds to every StripeObject class that are not API fields
_NOT_FIELDS = frozenset({"OBJECT_NAME"})


class _Names(dict):  # type: ignore[type-arg]
    """Resolves names the SDK imports only under TYPE_CHECKING; unknown names become Any."""

    def __missing__(self, name: str) -> Any:
        for candidate in (name, name.removesuffix("Resource")):
            found = getattr(stripe, candidate, None)
            if found is not None:
                return found
        return Any


@functools.cache
def declared_fields(cls: type) -> dict[str, Any]:
    """Field name -> resolved annotation, for a StripeObject subclass."""
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("stripe") and "__annotations__" in vars(klass):
            module = sys.modules[klass.__module__]
            hints.update(typing.get_type_hints(klass, globalns=dict(vars(module)),
                                               localns=_Names(vars(klass))))
    return {k: v for k, v in hints.items() if not k.startswith("_") and k not in _NOT_FIELDS}


@functools.cache
def resource_classes() -> dict[str, type]:
    """`"subscription"` -> stripe.Subscription, for every top-level resource class."""
    found: dict[str, type] = {}
    for name, (module, class_name) in OBJECT_CLASSES.items():
        # of the namespaced objects, only Billing's (meters, credit grants) are emulated
        if name in ("list", "search_result") or ("." in name and not name.startswith("billing.")):
            continue
        cls = getattr(importlib.import_module(module), class_name)
        found.setdefault(name, cls)
    return found


def classes_in(annotation: Any) -> list[type]:
    """The StripeObject classes an annotation may hold (through Optional, List, Union)."""
    found: list[type] = []
    if _typed_object(annotation):
        found.append(annotation)
    origin = typing.get_origin(annotation)
    if origin is UntypedStripeObject:
        return found  # a map keyed by the caller (currency_options): values are not fields
    if _typed_object(origin):
        found.append(origin)
    for arg in typing.get_args(annotation):
        found += classes_in(arg)
    return found


def _typed_object(annotation: Any) -> bool:
    """A StripeObject class with declared fields (not metadata's free-form object)."""
    return (isinstance(annotation, type) and issubclass(annotation, stripe.StripeObject)
            and annotation is not UntypedStripeObject)


def _union_args(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return typing.get_args(annotation)
    return ()


def is_expandable(annotation: Any) -> bool:
    """`ExpandableField[X]` (or a list of them): a string id unless expanded."""
    args = _union_args(annotation)
    if typing.get_origin(annotation) is list:
        return is_expandable(typing.get_args(annotation)[0])
    if type(None) in args:
        return any(is_expandable(a) for a in args if a is not type(None))
    return str in args and any(classes_in(a) for a in args)


def is_optional(annotation: Any) -> bool:
    return type(None) in _union_args(annotation)


def literal_values(annotation: Any) -> list[str]:
    """The strings of a `Literal[...]`, also inside the SDK's open `Literal[...] | str`."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return [v for arg in _union_args(annotation) for v in literal_values(arg)]


@functools.cache
def type_specific_fields(cls: type) -> frozenset[str]:
    """Fields named after a value of the object's `type` (a card payment method has `card`
    and none of the 50 other kinds' hashes)."""
    values = set(literal_values(declared_fields(cls).get("type")))
    return frozenset(name for name in declared_fields(cls) if name in values)


@functools.cache
def optional_presence(cls: type) -> frozenset[str]:
    """Declared fields that Stripe may leave out: includable ones (only on request) and
    type-specific ones (only for their type)."""
    name = getattr(cls, "OBJECT_NAME", None)
    includable = includable_fields(name) if isinstance(name, str) else frozenset()
    return includable | type_specific_fields(cls) | {"deleted"}


@dataclass
class ShapeReport:
    missing: list[str]
    undeclared: list[str]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.undeclared


def check_object(value: dict[str, Any], cls: type, path: str = "") -> ShapeReport:
    """Compare a JSON object (recursively) with the fields `cls` declares."""
    report = ShapeReport([], [])
    if value.get("deleted") is True:
        extra = set(value) - {"id", "object", "deleted"}
        report.undeclared += [f"{path}{k}" for k in sorted(extra)]
        return report
    fields = declared_fields(cls)
    maybe_absent = optional_presence(cls)
    report.undeclared += [f"{path}{k}" for k in value if k not in fields]
    report.missing += [f"{path}{k}" for k in fields
                       if k not in value and k not in maybe_absent]
    # a null where the SDK declares a value is as wrong as a missing field
    report.missing += [f"{path}{k} (null)" for k, annotation in fields.items()
                       if k in value and value[k] is None and not is_optional(annotation)
                       and annotation is not Any]
    for key, item in value.items():
        candidates = classes_in(fields.get(key))
        if not candidates:
            continue
        for index, entry in enumerate(item if isinstance(item, list) else [item]):
            if isinstance(entry, dict):
                where = f"{path}{key}." if not isinstance(item, list) else f"{path}{key}[{index}]."
                _merge(report, _check_entry(entry, candidates, where))
    return report


def _merge(report: ShapeReport, other: ShapeReport) -> None:
    report.missing += other.missing
    report.undeclared += other.undeclared


def check_list(value: dict[str, Any], item_classes: list[type], path: str = "") -> ShapeReport:
    """A list or search result envelope and each of its rows."""
    report = ShapeReport([], [])
    envelope = SEARCH_ENVELOPE if value.get("object") == "search_result" else ENVELOPE
    report.undeclared += [f"{path}{k}" for k in value if k not in envelope]
    report.missing += [f"{path}{k}" for k in sorted(envelope) if k not in value]
    for index, row in enumerate(value.get("data") or []):
        if isinstance(row, dict):
            _merge(report, _check_entry(row, item_classes, f"{path}data[{index}]."))
    return report


def _check_entry(entry: dict[str, Any], candidates: list[type], path: str) -> ShapeReport:
    inner = [c for c in candidates
             if not issubclass(c, (stripe.ListObject, stripe.SearchResultObject))]
    if entry.get("object") in ("list", "search_result"):
        return check_list(entry, inner, path)
    named = [c for c in inner if getattr(c, "OBJECT_NAME", None) == entry.get("object")]
    if not (named or inner):
        return ShapeReport([], [])
    return check_object(entry, (named or inner)[0], path)


def check_response(value: dict[str, Any], result: str) -> ShapeReport:
    """Check a response against an SDK result annotation such as `ListObject[Invoice]`."""
    outer, _, inner = result.partition("[")
    if inner:
        classes = [resource_classes().get(_object_name(inner.rstrip("]")))]
        return check_list(value, [c for c in classes if c is not None])
    cls = getattr(stripe, outer, None) or resource_classes().get(str(value.get("object")))
    if cls is None:
        return ShapeReport([], [f"unknown result type {result}"])
    named = resource_classes().get(str(value.get("object")))
    return check_object(value, named if named is not None else cls)


def _object_name(class_name: str) -> str:
    cls = getattr(stripe, class_name, None)
    return str(getattr(cls, "OBJECT_NAME", class_name))
