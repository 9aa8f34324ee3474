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
    # the parameters the handler emulates, as bracket patterns (`items[][price]`; a pattern
    # covers everything below it); any other parameter the SDK declares is refused by name
    implements: tuple[str, ...] = ()


@dataclass
class RouteTable:
    routes: list[Route] = field(default_factory=list)

    def _add(self, method: str, rule: str, publishable: bool, implements: tuple[str, ...]
             ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.routes.append(Route(method, rule, handler, publishable, implements))
            return handler

        return decorate

    def get(self, rule: str, *implements: str, publishable: bool = False
            ) -> Callable[[Handler], Handler]:
        return self._add("GET", rule, publishable, implements)

    def post(self, rule: str, *implements: str, publishable: bool = False
             ) -> Callable[[Handler], Handler]:
        return self._add("POST", rule, publishable, implements)

    def delete(self, rule: str, *implements: str) -> Callable[[Handler], Handler]:
        return self._add("DELETE", rule, False, implements)


# the pagination parameters every list endpoint emulates
PAGING = ("limit", "starting_after", "ending_before")
