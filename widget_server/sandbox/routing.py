"""A tiny route table shared by the resource modules, and the request context handlers get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from widget_server.sandbox.store import Store

JSON = dict[str, Any]


@dataclass
class ApiRequest:
    """What a /v1 handler sees: the store (its lock already held), params and the key kind."""

    store: Store
    params: JSON
    publishable: bool = False

    @property
    def now(self) -> int:
        return self.store.now()


Handler = Callable[..., JSON]


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    handler: Handler
    publishable: bool  # Stripe.js may call it with a pk_test_ key


@dataclass
class RouteTable:
    routes: list[Route] = field(default_factory=list)

    def _add(self, method: str, rule: str, publishable: bool) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.routes.append(Route(method, rule, handler, publishable))
            return handler

        return decorate

    def get(self, rule: str, publishable: bool = False) -> Callable[[Handler], Handler]:
        return self._add("GET", rule, publishable)

    def post(self, rule: str, publishable: bool = False) -> Callable[[Handler], Handler]:
        return self._add("POST", rule, publishable)

    def delete(self, rule: str) -> Callable[[Handler], Handler]:
        return self._add("DELETE", rule, False)
