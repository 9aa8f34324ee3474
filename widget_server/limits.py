"""Rate limits per client IP, per identity and per owner (Flask-Limiter and ``limits``).

Route limits are Flask-Limiter's own: ``limit()`` below marks a view with a setting name and a
key function, and ``apply_route_limits`` wraps the marked views with the app's
``Limiter.limit`` once the blueprints are registered (the limiter is per app, in
``app.extensions``, so the tests' many apps never share counters). Keys are Flask-Limiter's
``get_remote_address``, i.e. ``request.remote_addr`` after ``ProxyFix`` (setting
``TRUSTED_PROXIES``). A breach answers 429 in the one JSON error shape with a translated
message and ``Retry-After``.

``Throttle`` counts events that no decorator can see before the view runs (a failed identity
check of one identifier, which must not block that identifier's correct hash) on the same
Flask-Limiter storage.

The counters live in the limiter's storage: Redis when ``REDIS_URL`` is set, so every worker
and every instance shares them; otherwise process memory, which is why ``serve`` runs one
worker with threads when there is no shared store (see ``cli.serve``).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from limits import parse as parse_limit

from widget_server.errors import ApiError, error_response, wants_json

EXTENSION = "widget_server.limiter"
_MARK = "_widget_server_limits"
View = TypeVar("View", bound=Callable[..., Any])


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RouteLimit:
    """A view's limit: the setting that holds it ("30 per minute"), its key, and whether it
    counts only the requests for which ``deduct_when(response)`` is true."""

    setting: str
    key_func: Callable[[], str] = get_remote_address
    methods: tuple[str, ...] | None = None
    deduct_when: Callable[[Response], bool] | None = None


def limit(setting: str, *, key_func: Callable[[], str] = get_remote_address,
          methods: tuple[str, ...] | None = None,
          deduct_when: Callable[[Response], bool] | None = None) -> Callable[[View], View]:
    """Decorate a view with the limit held by `setting` (applied by ``apply_route_limits``)."""

    def mark(view: View) -> View:
        marks: list[RouteLimit] = [*getattr(view, _MARK, []),
                                   RouteLimit(setting, key_func, methods, deduct_when)]
        setattr(view, _MARK, marks)
        return view

    return mark


def init_app(app: Flask) -> None:
    limiter = Limiter(
        key_func=get_remote_address,
        default_limits=[app.config["RATELIMIT_DEFAULT"]],
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        enabled=app.config["RATELIMIT_ENABLED"],
        # No X-RateLimit-* headers: they read the window back from storage after every
        # request (with Redis a second round trip, 6 % of a portal view's CPU); a refusal
        # says when to retry (Retry-After, set by _rate_limit_exceeded).
        headers_enabled=False,
        # A weighted count of this window and the last: within a request or two of a moving
        # window, in two counters per key instead of a timestamp per request.
        strategy="sliding-window-counter",
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _rate_limit_exceeded)


def apply_route_limits(app: Flask) -> None:
    """Wrap every view marked with ``limit()`` in the app's ``Limiter.limit`` decorators."""
    limiter: Limiter = app.extensions[EXTENSION]
    for endpoint, view in list(app.view_functions.items()):
        wrapped: Any = view
        for route in getattr(view, _MARK, []):
            wrapped = limiter.limit(_setting_value(app, route.setting), key_func=route.key_func,
                                    methods=list(route.methods) if route.methods else None,
                                    deduct_when=route.deduct_when)(wrapped)
        app.view_functions[endpoint] = wrapped


def _setting_value(app: Flask, setting: str) -> Callable[[], str]:
    return lambda: str(app.config[setting])


def _rate_limit_exceeded(error: RateLimitExceeded) -> Response:
    """429 in the user's language: the JSON error shape for the API, else a page (the
    sign-in pages, the hosted portal), with Retry-After either way."""
    from widget_server.i18n import _, negotiate_locale

    if not g.get("locale"):  # a breach is refused before the view chose a language
        g.locale = negotiate_locale(explicit=request.args.get("locale"),
                                    accept_language=request.accept_languages)
    current = limiter().current_limit
    reset_at = current.reset_at if current is not None else time.time() + 1
    retry_after = max(1, math.ceil(reset_at - time.time()))
    message = _("Too many attempts. Please wait a minute and try again.")
    if wants_json():
        return error_response(RateLimited(message, retry_after=retry_after))
    from widget_server.portal.pages import render_error_page

    g.setdefault("custom_strings", {})
    page = render_error_page(429, _("Please wait a moment"), message)
    page.headers["Retry-After"] = str(retry_after)
    return page


def limiter() -> Limiter:
    found: Limiter = current_app.extensions[EXTENSION]
    return found


def private_key(value: str) -> str:
    """A storage key for an identifier: hashed, so Redis never holds emails in clear."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class Throttle:
    """A named counter with a limit, e.g. ``Throttle("identity-fail-id", "5 per minute")``.

    ``exhausted`` only looks; ``hit`` counts one event and says whether it was still allowed.
    Both are no-ops (never exhausted) when rate limiting is turned off.
    """

    scope: str
    limit: str

    @property
    def item(self) -> RateLimitItem:
        return parse_limit(self.limit)

    def exhausted(self, *keys: str) -> bool:
        extension = limiter()
        return extension.enabled and not extension.limiter.test(self.item, self.scope, *keys)

    def hit(self, *keys: str) -> bool:
        extension = limiter()
        return not extension.enabled or extension.limiter.hit(self.item, self.scope, *keys)

    def retry_after(self, *keys: str) -> int:
        """Seconds until the window lets one more event through (at least 1)."""
        extension = limiter()
        if not extension.enabled:
            return 1
        reset, _remaining = extension.limiter.get_window_stats(self.item, self.scope, *keys)
        return max(1, math.ceil(reset - time.time()))
