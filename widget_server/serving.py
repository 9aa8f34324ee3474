"""How `widget-server serve` runs gunicorn: its tuning options and their defaults.

The defaults are chosen from `bench/load.py` and `bench/serve_ab.py` on an I/O-bound load
(docs/deploy.md has the figures): gthread workers, one per core (each is bound by the GIL, so a
second one per core only adds memory), 16 threads per worker (a view mostly waits on Stripe),
one listening socket per worker (SO_REUSEPORT: with one shared socket, 32 keep-alive
connections were pinned 100/0, 82/18 or 78/22 to one of two workers in 3 of 8 runs; hashed
across per-worker sockets, never worse than 64/36), gunicorn's short
keep-alive (behind the example proxies every request is its own connection anyway), a graceful
shutdown window, and no max-requests restarts (memory is flat under load).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

THREADS = 16
KEEP_ALIVE = 2
GRACEFUL_TIMEOUT = 30
WORKER_TIMEOUT = 60


def cores() -> int:
    """CPUs this process may run on (a container's or systemd's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers(shared_store: bool) -> int:
    """One worker per core with a shared store (Redis); else one: rate limits live in it."""
    return cores() if shared_store else 1


@dataclass(frozen=True)
class Tuning:
    workers: int
    threads: int = THREADS
    keep_alive: int = KEEP_ALIVE
    graceful_timeout: int = GRACEFUL_TIMEOUT
    max_requests: int = 0
    max_requests_jitter: int = 0
    reuse_port: bool = True

    def problems(self, shared_store: bool) -> list[str]:
        found = []
        if self.workers < 1 or self.threads < 1:
            found.append("--workers and --threads must be at least 1")
        if min(self.keep_alive, self.graceful_timeout, self.max_requests,
               self.max_requests_jitter) < 0:
            found.append("--keep-alive, --graceful-timeout and --max-requests(-jitter) "
                         "must be 0 or more")
        if self.workers > 1 and not shared_store:
            found.append(
                f"--workers {self.workers} needs REDIS_URL: without a shared store each worker "
                "would keep its own rate limits; use one worker with more --threads, or set "
                "REDIS_URL")
        return found

    def gunicorn_options(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": "gthread",
            "keepalive": self.keep_alive,
            "graceful_timeout": self.graceful_timeout,
            "timeout": WORKER_TIMEOUT,
            "max_requests": self.max_requests,
            "max_requests_jitter": self.max_requests_jitter,
            "reuse_port": self.reuse_port,
        }


def tuning_options(command: F) -> F:
    """The tuning options of `serve`, with their defaults and help."""
    options = [
        click.option("--workers", type=int, default=None,
                     help="gunicorn worker processes [default: one per CPU with REDIS_URL, "
                          "else 1]."),
        click.option("--threads", type=int, default=THREADS, show_default=True,
                     help="Threads per worker: requests one worker serves at once."),
        click.option("--keep-alive", type=int, default=KEEP_ALIVE, show_default=True,
                     help="Seconds an idle client connection is kept open (0: close after "
                          "each response)."),
        click.option("--graceful-timeout", type=int, default=GRACEFUL_TIMEOUT,
                     show_default=True,
                     help="Seconds a stopping worker may finish its requests (SIGTERM)."),
        click.option("--max-requests", type=int, default=0, show_default=True,
                     help="Restart a worker after this many requests (0: never)."),
        click.option("--max-requests-jitter", type=int, default=0, show_default=True,
                     help="Random extra requests before that restart, so workers do not "
                          "restart together."),
        click.option("--reuse-port/--no-reuse-port", default=True, show_default=True,
                     help="One listening socket per worker (SO_REUSEPORT): the kernel hashes "
                          "new connections across workers."),
    ]
    for option in reversed(options):
        command = option(command)
    return command
