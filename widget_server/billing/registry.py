"""One ``stripe.StripeClient`` per account (multi-tenant, thread-safe; no global api_key)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import stripe


def requests_client(timeout: float) -> stripe.HTTPClient:
    """The SDK's requests-based HTTP client (a pooled session per client)."""
    return stripe.RequestsClient(timeout=timeout)


@dataclass
class ClientRegistry:
    """Builds and caches StripeClients keyed by the Stripe key they use.

    `timeout` and `max_retries` apply to clients built from then on (tests shorten them).
    """

    api_base: str | None
    timeout: float
    max_retries: int
    http_client: Callable[[float], stripe.HTTPClient] = requests_client
    _clients: dict[str, stripe.StripeClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client_for(self, stripe_key: str) -> stripe.StripeClient:
        with self._lock:
            client = self._clients.get(stripe_key)
            if client is None:
                client = stripe.StripeClient(
                    stripe_key,
                    base_addresses={"api": self.api_base} if self.api_base else None,
                    max_network_retries=self.max_retries,
                    http_client=self.http_client(self.timeout),
                )
                self._clients[stripe_key] = client
            return client
