"""The pinned SDK's typed request parameters (`stripe.params` TypedDicts) as a small tree.

`shape(ParamsClass)` turns a TypedDict into a `Hash` of fields, each a `Shape`: a nested hash,
a list, a free-form map (metadata), an enum, or a scalar (string, integer, decimal, boolean).
Union types stay unions (`Literal[""] | List[...]` is "a list, or empty to clear"). The SDK
writes open enums as `Literal["a", "b"] | str` so that new values do not break old clients;
the API itself refuses a value outside the list, so the `str` widening is dropped here.
"""

from __future__ import annotations

import decimal
import functools
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ForwardRef, NotRequired, Required, TypeAlias, Union

import stripe
from stripe._request_options import RequestOptions
from typing_extensions import is_typeddict

# keys of the SDK's per-request options, mixed into the top-level params classes
OPTION_KEYS = frozenset(RequestOptions.__annotations__)


@dataclass(frozen=True)
class Scalar:
    kind: str  # "string", "integer", "decimal", "boolean", "any"


@dataclass(frozen=True)
class Enum:
    values: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    item: Shape


@dataclass(frozen=True)
class Map:
    """A hash with keys of the caller's choosing: metadata (string values), or a map such as
    `currency_options` whose values have a shape of their own."""

    value: Shape | None = None


@dataclass(frozen=True)
class OneOf:
    options: tuple[Shape, ...]


@dataclass(frozen=True)
class Hash:
    cls: type
    name: str = field(compare=False)

    @property
    def fields(self) -> dict[str, Shape]:
        return _fields(self.cls)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(self.cls.__required_keys__) - OPTION_KEYS  # type: ignore[attr-defined]


Shape: TypeAlias = "Scalar | Enum | ListOf | Map | OneOf | Hash"
_SCALARS = {str: "string", int: "integer", float: "decimal", decimal.Decimal: "decimal",
            bool: "boolean"}


def _namespace(cls: type) -> dict[str, Any]:
    namespace: dict[str, Any] = dict(vars(typing))
    namespace.update(vars(sys.modules[cls.__module__]))
    namespace.update(NotRequired=NotRequired, Required=Required, StripeContext=Any)
    return namespace


def _convert(annotation: Any, namespace: dict[str, Any]) -> Shape:
    if isinstance(annotation, str):
        return _convert(eval(annotation, namespace), namespace)  # noqa: S307 (SDK source)
    if isinstance(annotation, ForwardRef):
        return _convert(eval(annotation.__forward_arg__, namespace), namespace)  # noqa: S307
    if annotation in _SCALARS:
        return Scalar(_SCALARS[annotation])
    if annotation is Any:
        return Scalar("any")
    if isinstance(annotation, type) and is_typeddict(annotation):
        return Hash(annotation, annotation.__name__)
    if isinstance(annotation, type) and issubclass(annotation, stripe.StripeObject):
        return Map()  # UntypedStripeObject[str]: metadata passed back as an object
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (NotRequired, Required):
        return _convert(args[0], namespace)
    if origin is typing.Literal:
        return Enum(tuple(str(a) for a in args))
    if origin is list:
        return ListOf(_convert(args[0], namespace))
    if origin is dict:
        value = _convert(args[1], namespace) if len(args) == 2 else Scalar("string")
        return Map(None if value == Scalar("string") else value)
    if isinstance(origin, type) and issubclass(origin, stripe.StripeObject):
        value = _convert(args[0], namespace) if args else Scalar("string")
        return Map(None if value == Scalar("string") else value)
    if origin in (Union, types.UnionType):
        options = [_convert(a, namespace) for a in args if a is not type(None)]
        if any(isinstance(o, Enum) and o.values != ("",) for o in options):
            options = [o for o in options if o != Scalar("string")]  # an open enum
        unique = tuple(dict.fromkeys(options))
        return unique[0] if len(unique) == 1 else OneOf(unique)
    raise TypeError(f"unsupported annotation in stripe.params: {annotation!r}")


@functools.cache
def _fields(cls: type) -> dict[str, Shape]:
    namespace = _namespace(cls)
    return {name: _convert(annotation, namespace)
            for name, annotation in cls.__annotations__.items() if name not in OPTION_KEYS}


def shape(params_class: type) -> Hash:
    return Hash(params_class, params_class.__name__)


def emptyable(node: Shape) -> bool:
    """Whether `""` is accepted (Stripe's way to clear or unset a value)."""
    return isinstance(node, OneOf) and Enum(("",)) in node.options
