"""Every v1 endpoint of the pinned stripe-python, read from its generated service classes.

Each service method is generated from Stripe's OpenAPI spec as
``self._request("post", "/v1/customers/{customer}".format(...), params=params)`` with a
``params: Optional["CustomerUpdateParams"]`` argument and a return annotation; reading the
source of those methods gives the method, the path template, the params TypedDict and the
declared result, without a hand-written table.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from typing import Any

import stripe
import stripe.params

_REQUEST = re.compile(r'_request\(\s*"(get|post|delete)",\s*"(/v1/[^"]+)"')
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True)
class Endpoint:
    """One v1 call: `GET /v1/customers/{}` (placeholders normalised to `{}`)."""

    method: str
    path: str
    params: Any  # the TypedDict class from stripe.params, or None when the call takes none
    result: str  # the return annotation as the SDK writes it, e.g. "ListObject[Customer]"
    service: str  # e.g. "CustomerService.update"

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def normalise_path(path: str) -> str:
    """`/v1/customers/{customer}` or `/v1/customers/<customer_id>` -> `/v1/customers/{}`."""
    path = re.sub(r"<[^>]+>", "{}", path)
    return _PLACEHOLDER.sub("{}", path)


# namespaces of stripe-python whose v1 services the sandbox emulates besides the top level
# (Entitlements; Billing's meters and credit; test helpers: test clocks)
# (their params live in the namespace of the same name under stripe.params)
SUBPACKAGES = ("entitlements", "billing", "test_helpers")


def _service_modules() -> list[str]:
    names = [f"stripe.{info.name}" for info in pkgutil.iter_modules(stripe.__path__)]
    for package in SUBPACKAGES:
        path = importlib.import_module(f"stripe.{package}").__path__
        names += [f"stripe.{package}.{info.name}" for info in pkgutil.iter_modules(path)]
    return [n for n in names
            if n.rsplit(".", 1)[1].startswith("_") and n.endswith("_service")]


def _service_classes() -> list[type]:
    found = []
    for name in _service_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and cls.__name__.endswith("Service"):
                found.append(cls)
    return found


def _params_class(function: Any) -> Any:
    annotation = inspect.signature(function).parameters.get("params")
    if annotation is None:
        return None
    name = re.search(r"[A-Z]\w*Params", str(annotation.annotation))
    if not name:
        return None
    namespace = function.__module__.split(".")[1:-1]  # stripe.entitlements._x -> entitlements
    params: Any = stripe.params
    for part in namespace:
        params = getattr(params, part)
    return getattr(params, name.group(0))


@functools.cache
def endpoints() -> dict[str, Endpoint]:
    """`"POST /v1/subscriptions/{}"` -> Endpoint, for every synchronous v1 service method."""
    table: dict[str, Endpoint] = {}
    for cls in _service_classes():
        for name, function in vars(cls).items():
            if name.startswith("_") or name.endswith("_async") or not callable(function):
                continue
            try:
                source = inspect.getsource(function)
            except (OSError, TypeError):
                continue
            match = _REQUEST.search(source)
            if not match:
                continue
            result = str(inspect.signature(function).return_annotation).strip("'\"")
            endpoint = Endpoint(match.group(1).upper(), normalise_path(match.group(2)),
                                _params_class(function), result, f"{cls.__name__}.{name}")
            table.setdefault(endpoint.key, endpoint)
    return table


def endpoint_for(method: str, path: str) -> Endpoint | None:
    return endpoints().get(f"{method.upper()} {normalise_path(path)}")


def match_path(method: str, path: str) -> Endpoint | None:
    """The endpoint a concrete request path calls (`/v1/customers/cus_123` ->
    `GET /v1/customers/{}`); literal segments win over placeholders (`/customers/search`)."""
    parts = path.rstrip("/").split("/")
    best: tuple[int, Endpoint] | None = None
    for endpoint in endpoints().values():
        if endpoint.method != method.upper():
            continue
        template = endpoint.path.split("/")
        if len(template) != len(parts):
            continue
        if all(t == "{}" or t == p for t, p in zip(template, parts, strict=True)):
            literal = sum(1 for t in template if t != "{}")
            if best is None or literal > best[0]:
                best = (literal, endpoint)
    return best[1] if best else None
