"""One ``stripe.StripeClient`` per account (multi-tenant, thread-safe; no global api_key), all
of them sending through one pooled HTTP client per process (``billing.http``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import stripe

from widget_server.billing.http import PooledHTTPClient
from widget_server.billing.sdk_logging import quiet_unheard_logs


def pooled_client(timeout: float) -> stripe.HTTPClient:
    """Keep-alive connections shared by every client and thread of the process."""
    return PooledHTTPClient(timeout)


@dataclass
class ClientRegistry:
    """Builds and caches StripeClients keyed by the Stripe key they use.

    `timeout` and `max_retries` apply to clients built from then on (tests shorten them).
    Every client built with the same timeout shares one HTTP client (its connection pool).
    """

    api_base: str | None
    timeout: float
    max_retries: int
    http_client: Callable[[float], stripe.HTTPClient] = pooled_client
    _clients: dict[str, stripe.StripeClient] = field(default_factory=dict)
    _http: dict[float, stripe.HTTPClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        quiet_unheard_logs()  # the SDK formats each log line even when no one listens

    def client_for(self, stripe_key: str) -> stripe.StripeClient:
        with self._lock:
            client = self._clients.get(stripe_key)
            if client is None:
                client = self.uncached_client(stripe_key)
                self._clients[stripe_key] = client
            return client

    def uncached_client(self, stripe_key: str) -> stripe.StripeClient:
        """A client kept by no one: for checking a key an owner typed (a refused or replaced
        key must not stay in this process's memory)."""
        return stripe.StripeClient(
            stripe_key,
            base_addresses={"api": self.api_base} if self.api_base else None,
            max_network_retries=self.max_retries,
            http_client=self.shared_http(),
        )

    def shared_http(self) -> stripe.HTTPClient:
        with self._http_lock:
            found = self._http.get(self.timeout)
            if found is None:
                found = self._http[self.timeout] = self.http_client(self.timeout)
            return found

    def forget(self, stripe_key: str) -> None:
        """Drop the client of a key that is no longer used (after a replacement)."""
        with self._lock:
            self._clients.pop(stripe_key, None)
