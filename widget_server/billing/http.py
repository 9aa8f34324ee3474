"""The HTTP client every ``StripeClient`` of a process shares: keep-alive, pooled, thread-safe.

stripe-python's default ``RequestsClient`` keeps one ``requests.Session`` per client *and per
thread*, so with a pool of reader threads most Stripe calls opened a new TCP (and TLS)
connection, and ``requests`` scanned the environment for proxies on every call. This client
sends each request through one ``urllib3.PoolManager`` (thread-safe; idle connections are kept
and reused by any thread) and reads the proxy environment once, when it is built.
"""

from __future__ import annotations

import textwrap
import urllib.request
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import SplitResult, urlsplit

import stripe
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError, TimeoutError

# connections kept per host: enough for the reader pool plus the request threads
POOL_MAXSIZE = 32


class PooledHTTPClient(stripe.HTTPClient):
    """A ``stripe.HTTPClient`` on a shared urllib3 pool. Retries stay stripe-python's job."""

    name = "urllib3-pooled"

    def __init__(self, timeout: float, *, maxsize: int = POOL_MAXSIZE,
                 environ_proxies: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._timeout = urllib3.Timeout(connect=min(timeout, 10.0), read=timeout)
        options: dict[str, Any] = {"maxsize": maxsize, "block": False,
                                   "cert_reqs": "CERT_REQUIRED", "ca_certs": stripe.ca_bundle_path}
        self._direct = urllib3.PoolManager(**options)
        proxies = (urllib.request.getproxies_environment() if environ_proxies is None
                   else dict(environ_proxies))
        self._proxies = {scheme: urllib3.ProxyManager(url, **options)
                         for scheme, url in proxies.items() if scheme in ("http", "https")}
        self._managers: dict[tuple[str, str], urllib3.PoolManager] = {}

    def _manager(self, parts: SplitResult) -> urllib3.PoolManager:
        """The direct pool, or the proxy the environment named for this URL's scheme (decided
        once per host: ``no_proxy`` is read when the client is built, not per call)."""
        key = (parts.scheme, parts.hostname or "")
        found = self._managers.get(key)
        if found is None:
            proxy = self._proxies.get(parts.scheme)
            bypass = proxy is None or bool(urllib.request.proxy_bypass(key[1]))
            found = self._direct if bypass else proxy
            self._managers[key] = found  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    def request(  # type: ignore[override]  # the SDK says str; its clients return bytes
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None,
        *, _usage: list[str] | None = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:
        response = self._send(method, url, headers, post_data, stream=False)
        return response.data, response.status, response.headers

    def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None,
                       post_data: Any = None, *, _usage: list[str] | None = None,
                       ) -> tuple[Any, int, Mapping[str, str]]:
        response = self._send(method, url, headers, post_data, stream=True)
        return response, response.status, response.headers

    def _send(self, method: str, url: str, headers: Mapping[str, str] | None,
              post_data: Any, *, stream: bool) -> urllib3.BaseHTTPResponse:
        options: dict[str, Any] = {
            "body": post_data, "headers": dict(headers or {}), "timeout": self._timeout,
            "retries": False, "redirect": False, "preload_content": not stream}
        try:
            parts = urlsplit(url)
            manager = self._manager(parts)
            if manager is not self._direct:
                return manager.request(method.upper(), url, **options)
            # straight to the origin's pool: PoolManager.urlopen would re-parse (and
            # re-percent-encode, a character at a time) the URL the SDK has already encoded
            pool = manager.connection_from_host(parts.hostname, port=parts.port,
                                                scheme=parts.scheme)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return pool.urlopen(method.upper(), target, assert_same_host=False, **options)
        except Exception as exc:  # every failure leaves as an APIConnectionError
            self._handle_request_error(exc)

    @staticmethod
    def _handle_request_error(exc: Exception) -> NoReturn:
        """Like the SDK's own clients: connect errors and timeouts may be retried, a failed
        certificate check never is."""
        if isinstance(exc, SSLError):
            message, retry = ("Could not verify Stripe's SSL certificate. Please make sure "
                              "that your network is not intercepting certificates."), False
        elif isinstance(exc, (TimeoutError, NewConnectionError, HTTPError)):
            message, retry = "Unexpected error communicating with Stripe.", True
        else:
            message, retry = ("Unexpected error communicating with Stripe. It looks like "
                              "there's probably a configuration issue locally."), False
        detail = f"{type(exc).__name__}: {exc}"
        raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
            textwrap.fill(message) + f"\n\n(Network error: {detail})", should_retry=retry,
        ) from exc

    def close(self) -> None:
        self._direct.clear()
        for manager in self._proxies.values():
            manager.clear()
