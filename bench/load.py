"""Load benchmark: `widget-server serve` under gunicorn against the sandbox, beside a minimal
Flask + stripe endpoint and the sandbox's own ceiling, measured in the same run.

    python bench/load.py                      # everything, about 6 minutes
    python bench/load.py --quick              # 3 s runs, 1 and 8 users, a 15 s memory run
    python bench/load.py --sections sweep --latencies 50 --users 32
    python bench/load.py --sections memory --memory-minutes 5
    python bench/load.py --serve-args="--threads 8 --no-reuse-port"   # another serve config

Sections (docs/deploy.md explains each figure):
- sweep: closed-loop users (1, 8, 32) for a fixed time at Stripe latency L (0, 50 ms):
  views/s, p50/p95/p99, errors, Stripe calls per view (the sandbox's request log), CPU ms per
  view (utime+stime of the gunicorn master and workers, /proc, before/after), RSS before/after,
  and each worker's share of the CPU (keep-alive pinning shows as 100/0); the same for the
  minimal endpoint (gunicorn sync workers, 2 x cores + 1) and, as the ceiling, the sandbox
  answering one Stripe call per request; then the ratios.
- identity: identity verifications (`POST /v1/embed/session`) per second.
- scale: nginx in front of one, then two instances, at L = 200 ms (more users than one
  instance has request slots).
- memory: RSS of every worker sampled while 8 users load the portal for N minutes.
- growth: CPU and p50 per view for customers with 1, 10 and 50 subscriptions, and the
  invoices view of a customer with 111 invoices (advances the sandbox clock: runs last); one
  user, 3 interleaved rounds, each case's least CPU.

The service runs with `widget-server serve`'s own defaults unless --workers/--threads say
otherwise, on SQLite, with Redis (db 14) when one answers on 127.0.0.1:6379. Every phase has a
fixed duration and the whole run an overall limit (--max-minutes); every process started is
stopped at the end, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import measure
import procs
import sections

ALL = ("sweep", "identity", "scale", "memory", "growth")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(ALL),
                        help=f"comma-separated, from {', '.join(ALL)}")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measured run")
    parser.add_argument("--users", default="1,8,32", help="closed-loop users of the sweep")
    parser.add_argument("--latencies", default="0,50", help="Stripe latency L of the sweep, ms")
    parser.add_argument("--scale-latency", type=int, default=200)
    parser.add_argument("--scale-users", type=int, default=64)
    parser.add_argument("--scale-cpu", type=float, default=0.35,
                        help="scale: CPU budget of each instance, in cores (cgroups, root); "
                             "0: none (the instances share the cores with everything else)")
    parser.add_argument("--memory-minutes", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="--workers of widget-server serve (default: serve's default)")
    parser.add_argument("--threads", type=int, default=None,
                        help="--threads of widget-server serve (default: serve's default)")
    parser.add_argument("--serve-args", default="",
                        help="more arguments for widget-server serve, space-separated")
    parser.add_argument("--service-only", action="store_true",
                        help="sweep without the minimal endpoint and the sandbox ceiling")
    parser.add_argument("--minimal-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--redis-url", default=None,
                        help="default: redis://127.0.0.1:6379/14 when it answers; 'none': off")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--ports", default=None, help="a range like 8400-8499 (default: any)")
    parser.add_argument("--quick", action="store_true",
                        help="3 s runs, users 1,8, a 15 s memory run, growth 1 and 10 only")
    parser.add_argument("--max-minutes", type=float, default=15.0,
                        help="stop everything after this long")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = min(args.duration, 3.0)
        args.users = "1,8"
        args.memory_minutes = min(args.memory_minutes, 0.25)
        args.scale_users = min(args.scale_users, 32)
    return args


class Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise Timeout("the run exceeded --max-minutes")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(ALL))
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(args.max_minutes * 60))
    began = time.monotonic()
    redis_url = args.redis_url
    if redis_url is None:
        redis_url = "redis://127.0.0.1:6379/14" if procs.reachable("127.0.0.1", 6379) else None
    elif redis_url == "none":
        redis_url = None
    cluster = procs.Cluster(procs.Ports(args.ports))
    failed: list[str] = []
    try:
        cluster.start_sandbox()
        cluster.configure(redis_url=redis_url, database_url=args.database_url)
        serve_args = args.serve_args.split()
        service = cluster.start_service("service", workers=args.workers, threads=args.threads,
                                        extra=serve_args)
        ctx = sections.Context(args=args, cluster=cluster, service=service,
                               sandbox=measure.Sandbox(cluster.sandbox.url),  # type: ignore
                               serve_args=serve_args)
        print(_header(args, ctx, redis_url))
        for name in ALL:  # fixed order: growth moves the sandbox clock, so it runs last
            if name in chosen:
                print(f"\n### {name}\n", flush=True)
                try:
                    for line in getattr(sections, name)(ctx):
                        print(line, flush=True)
                except Timeout:
                    raise
                except Exception as exc:  # one broken section must not hide the others
                    failed.append(name)
                    print(f"section {name} failed: {type(exc).__name__}: {exc}", flush=True)
                    ctx.sandbox.latency(0)
    except Timeout as exc:
        print(f"\nstopped: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        cluster.close()
    print(f"\nrun time: {time.monotonic() - began:.0f} s")
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _header(args: argparse.Namespace, ctx: sections.Context, redis_url: str | None) -> str:
    workers = len(ctx.service.workers())
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                      if line.startswith("model name")), platform.machine())
    return "\n".join([
        f"machine: {os.cpu_count()} cores ({model}), Linux {platform.release()}, "
        f"Python {platform.python_version()}; load average at start "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "service: " + " ".join(["widget-server serve", *ctx.serve_args,
                                *(["--workers", str(args.workers)] if args.workers else []),
                                *(["--threads", str(args.threads)] if args.threads else [])])
        + f" (its defaults otherwise) -> {workers} worker(s); "
        f"SQLite{' + Redis' if redis_url else ''}; "
        "rate limits raised out of the way",
        f"minimal endpoint: bench/minimal_app.py under gunicorn --worker-class sync --workers "
        f"{args.minimal_workers} (2 x cores + 1, gunicorn's documented starting point; other "
        "settings default)",
        f"ceiling: the sandbox answering GET /v1/customers/<id> directly, same users and L; "
        f"runs of {args.duration:.0f} s after a 1 s warm-up, closed loop, keep-alive clients",
        f"load generator: {loadgen.__name__}.py threads in one process on the same machine",
    ])


if __name__ == "__main__":
    sys.exit(main())
