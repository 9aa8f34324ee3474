"""One ``stripe.StripeClient`` per account (multi-tenant, thread-safe; no global api_key)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import stripe
from flask import Flask, current_app

EXTENSION = "widget_server.billing"


@dataclass
class ClientRegistry:
    """Builds and caches StripeClients keyed by the Stripe key they use."""

    api_base: str | None
    timeout: float
    max_retries: int
    _clients: dict[str, stripe.StripeClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    caches: dict[str, object] = field(default_factory=dict)

    def client_for(self, stripe_key: str) -> stripe.StripeClient:
        with self._lock:
            client = self._clients.get(stripe_key)
            if client is None:
                client = stripe.StripeClient(
                    stripe_key,
                    base_addresses={"api": self.api_base} if self.api_base else None,
                    max_network_retries=self.max_retries,
                    http_client=stripe.RequestsClient(timeout=self.timeout),
                )
                self._clients[stripe_key] = client
            return client

    def shared_cache(self, name: str, factory: Callable[[], object]) -> object:
        """A per-process cache object registered under `name` (e.g. the catalog cache)."""
        with self._lock:
            if name not in self.caches:
                self.caches[name] = factory()
            return self.caches[name]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = ClientRegistry(
        api_base=app.config.get("STRIPE_API_BASE"),
        timeout=float(app.config["STRIPE_TIMEOUT"]),
        max_retries=int(app.config["STRIPE_MAX_RETRIES"]),
    )


def registry(app: Flask | None = None) -> ClientRegistry:
    found: ClientRegistry = (app or current_app).extensions[EXTENSION]
    return found
