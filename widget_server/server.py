"""Serving with gunicorn from Python (the `serve` command)."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from widget_server.db import get_database
from widget_server.logs import redact
from widget_server.serving import Tuning


class RedactingAccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with every access and error line redacted like our own logs (a hosted
    portal URL carries its one-time code in the path)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        environ = dict(environ)
        for key in ("RAW_URI", "PATH_INFO", "QUERY_STRING", "HTTP_REFERER"):
            if environ.get(key):
                environ[key] = redact(str(environ[key]))
        req.uri, req.path = redact(str(req.uri)), redact(str(req.path))
        req.query = redact(str(req.query or ""))
        super().access(resp, req, environ, request_time)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        super().error(redact(msg % args if args else msg), **kwargs)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def check_shared_store(app: Flask) -> str | None:
    """None when REDIS_URL is unset or answers; else a one-line reason."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(str(url), socket_connect_timeout=3).ping()
    except Exception as exc:  # any client or network error: say it in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"cannot reach REDIS_URL: {first}"
    return None


def after_fork(app: Flask) -> None:
    """In a new worker: drop the database connections inherited from the master (it ran the
    migrations and the first-run check before forking), without closing them under the master,
    so no two processes ever share a connection (SQLAlchemy's advice for forked pools)."""
    get_database(app).engine.dispose(close=False)


# The cyclic collector's first threshold (CPython's default: 700 new container objects). A
# view parses Stripe's answer into tens of thousands of dicts and lists that live until the
# response is written and are then freed by reference counting, never by the collector; at
# 700 it walked them ~4 times per view of 50 subscriptions. Measured with four
# `widget-server serve` instances side by side (default, 7,000, 20,000, 50,000; 3 interleaved
# rounds): 20,000 took the 50-subscription view from 15.4-16.2 to 13.3-14.9 ms of CPU and the
# 1-subscription view from 6.7-7.8 to 5.7-6.9 ms; garbage cycles wait a little longer.
GC_FIRST_THRESHOLD = 20_000


def tune_collector() -> None:
    """In the master, once the app is loaded and before any worker forks (workers inherit it):

    - ``gc.freeze``: every object made so far (modules, the app, Babel's data, SQLAlchemy's
      metadata: ~150,000) moves to the permanent generation, so a worker's full collections
      never walk them again, and a worker no longer writes to those pages, which stay shared
      with the master (copy-on-write): Python's documented recipe for forking servers;
    - a first threshold of ``GC_FIRST_THRESHOLD`` (above), the older generations as they are.
    """
    gc.collect()
    gc.freeze()
    _first, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_THRESHOLD, second, third)


def serve_gunicorn(app: Flask, *, host: str, port: int, tuning: Tuning) -> None:
    _Gunicorn(app, {
        "bind": f"{host}:{port}",
        **tuning.gunicorn_options(),
        "when_ready": lambda _server: tune_collector(),
        "post_fork": lambda _server, _worker: after_fork(app),
        "accesslog": "-",
        "logger_class": RedactingAccessLogger,
        "access_log_format": '{"access": "%(r)s", "status": %(s)s, "bytes": "%(b)s", '
                             '"ms": %(M)s, "request_id": "%({x-request-id}o)s"}',
    }).run()
