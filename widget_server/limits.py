"""Rate limits per client IP and per account (Flask-Limiter; Redis when REDIS_URL is set)."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

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
