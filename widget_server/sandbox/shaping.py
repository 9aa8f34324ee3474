"""Give every response exactly the shape the pinned stripe-python declares.

After a handler built its object and `expand[]` resolved ids, `conform` walks the response:
every field the SDK's resource (or nested) class declares and the object lacks is added as
null (so a field Stripe always returns is never missing), and includable fields (a customer's
`tax_ids`, a coupon's `applies_to`, a price's `tiers`) are removed unless `expand[]` asked for
them, as Stripe leaves them out by default. Fields that exist only for one `type` (a card
payment method's `card`) are left alone.
"""

from __future__ import annotations

import functools
from typing import Any

from widget_server.stripe_schema.objects import (
    classes_in,
    declared_fields,
    resource_classes,
    type_specific_fields,
)
from widget_server.stripe_schema.spec_facts import includable_fields

JSON = dict[str, Any]
Paths = frozenset[tuple[str, ...]]


def includable(object_name: str, cls: type) -> frozenset[str]:
    return includable_fields(object_name) - type_specific_fields(cls)


def conform_response(body: JSON, expand_paths: list[str]) -> JSON:
    paths: Paths = frozenset(tuple(p.split(".")) for p in expand_paths)
    conform(body, None, paths)
    return body


def conform(node: Any, cls: type | None, paths: Paths) -> None:
    if isinstance(node, list):
        for entry in node:
            conform(entry, cls, paths)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("object")
    if kind in ("list", "search_result"):
        inner = frozenset(p[1:] for p in paths if p[0] == "data" and len(p) > 1)
        for row in node.get("data") or []:
            conform(row, cls, inner)
        return
    named = resource_classes().get(kind) if isinstance(kind, str) else None
    cls = named or cls
    if cls is None or node.get("deleted") is True:
        return
    fields = declared_fields(cls)
    asked = {p[0] for p in paths if p}
    optional = includable(str(kind), cls) if named else frozenset()
    for name in optional - asked:
        node.pop(name, None)
    skip = optional | type_specific_fields(cls) | {"deleted"}
    for name in fields:
        if name not in node and name not in skip:
            node[name] = None
    for name, value in node.items():
        if isinstance(value, dict | list) and name in fields:
            child = frozenset(p[1:] for p in paths if p[0] == name and len(p) > 1)
            conform(value, nested_class(cls, name), child)


@functools.cache
def nested_class(cls: type, name: str) -> type | None:
    """The nested (not top-level resource) class a field of `cls` holds, if any: read from
    the annotations once, not for every object of every response."""
    candidates = [c for c in classes_in(declared_fields(cls)[name])
                  if getattr(c, "OBJECT_NAME", None) is None]
    return candidates[0] if candidates else None
