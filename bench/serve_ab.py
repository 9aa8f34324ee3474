"""A/B of `widget-server serve` configurations, interleaved so that a busy machine hurts both.

    python bench/serve_ab.py --config "--threads 8 --keep-alive 2 --no-reuse-port" \\
        --config "--threads 16" --latency 50 --users 32 --rounds 4

Starts the sandbox and one instance per --config (all at once, same account and database),
then runs the configurations in turn, round after round (A B A B …), each for --duration
seconds, and prints every run and the median views/s, p50 and CPU per view of each
configuration. Used to choose serve's defaults (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import measure
import procs
from load import Timeout, _alarm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", required=True,
                        help='serve arguments, e.g. "--threads 16" (repeat: one per config)')
    parser.add_argument("--latency", type=int, default=50)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ports", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    import signal

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(900)
    cluster = procs.Cluster(procs.Ports(args.ports))
    try:
        cluster.start_sandbox()
        cluster.configure(redis_url=args.redis_url, database_url=None)
        services = [cluster.start_service(f"config-{i}", extra=config.split())
                    for i, config in enumerate(args.config)]
        sandbox = measure.Sandbox(cluster.sandbox.url)  # type: ignore[union-attr]
        token = measure.portal_token(services[0].url, cluster.account, cluster.hmac_secret,
                                     "ana@example.com")
        view = loadgen.get("/v1/portal", {"Authorization": f"Bearer {token}"})
        sandbox.latency(args.latency)
        rows: dict[int, list[measure.Row]] = {i: [] for i in range(len(services))}
        for _round in range(args.rounds):
            for i, service in enumerate(services):
                rows[i].append(measure.run(f"serve {args.config[i]}", service.url, view,
                                           users=args.users, seconds=args.duration,
                                           latency_ms=args.latency, sandbox=sandbox,
                                           services=[service]))
        print(f"{args.users} users, L = {args.latency} ms, {args.rounds} interleaved rounds of "
              f"{args.duration:.0f} s\n")
        print("\n".join(measure.table([row for i in rows for row in rows[i]])))
        print("\n| config | median views/s | median p50 ms | median CPU ms/view |")
        print("|---|---|---|---|")
        for i, config in enumerate(args.config):
            runs = rows[i]
            print(f"| `{config}` | {statistics.median(r.result.per_second for r in runs):.1f} | "
                  f"{statistics.median(r.result.p50 for r in runs):.1f} | "
                  f"{statistics.median(r.cpu_ms_per_view for r in runs):.1f} |")
    except Timeout as exc:
        print(f"stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
