"""Rate limits per client IP, per identity and per owner (Flask-Limiter and ``limits``).

The counters live in the limiter's storage: Redis when ``REDIS_URL`` is set, so every worker
and every instance shares them; otherwise process memory, which is why ``serve`` runs one
worker with threads when there is no shared store (see ``cli.serve``).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from limits import parse as parse_limit

EXTENSION = "widget_server.limiter"


def init_app(app: Flask) -> None:
    limiter = Limiter(
        key_func=get_remote_address,
        default_limits=[app.config["RATELIMIT_DEFAULT"]],
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        enabled=app.config["RATELIMIT_ENABLED"],
        headers_enabled=True,
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter


def limiter() -> Limiter:
    found: Limiter = current_app.extensions[EXTENSION]
    return found


def private_key(value: str) -> str:
    """A storage key for an identifier: hashed, so Redis never holds emails in clear."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class Throttle:
    """A named counter with a limit, e.g. ``Throttle("identity-fail-ip", "10 per minute")``.

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
