"""The sandbox served the way Stripe serves: HTTP/1.1 connections kept alive.

``widget-server sandbox serve`` uses werkzeug's development server, which answers every request
with ``Connection: close``: a client then opens a new TCP connection (and resolves the host)
for every Stripe call, which Stripe never makes it do, and both sides of a benchmark pay for it.
The benchmarks serve the same sandbox app with gunicorn's threaded worker instead: one process
(the sandbox's store lives in its memory), enough threads for every call in flight (an added
latency sleeps in a thread), idle connections kept for a minute.

    python bench/sandbox_server.py --port 12111 [--no-seed] [--threads 256]
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

THREADS = 256  # 64 users x 2 calls at L = 200 ms, for two services side by side
KEEP_ALIVE = 60


def serve_keepalive(app: Flask, port: int, threads: int = THREADS) -> None:
    """Serve `app` on 127.0.0.1:`port` until interrupted (SIGINT/SIGTERM)."""

    class Sandbox(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in {"bind": f"127.0.0.1:{port}", "workers": 1, "threads": threads,
                                "worker_class": "gthread", "keepalive": KEEP_ALIVE,
                                "loglevel": "warning"}.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            return app

    Sandbox().run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--seed", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    from widget_server.sandbox import create_sandbox_app

    serve_keepalive(create_sandbox_app(seed=args.seed), args.port, args.threads)


if __name__ == "__main__":
    main()
