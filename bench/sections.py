"""The sections of bench/load.py; each returns the lines it prints."""

from __future__ import annotations

import argparse
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import loadgen
import measure
import procs
import seeding
from cpu_budget import CpuBudget
from measure import Row, fmt, ratio

ANA = ("ana@example.com", "cus_demo_ana")
GROWTH_ROUNDS = 3


@dataclass
class Context:
    args: argparse.Namespace
    cluster: procs.Cluster
    service: procs.Service
    sandbox: measure.Sandbox
    serve_args: list[str] = field(default_factory=list)
    minimal: procs.Service | None = None

    def token_headers(self, email: str, base: str | None = None) -> dict[str, str]:
        token = measure.portal_token(base or self.service.url, self.cluster.account,
                                     self.cluster.hmac_secret, email)
        return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def _ints(spec: str) -> list[int]:
    return [int(part) for part in spec.split(",") if part.strip()]


def sweep(ctx: Context) -> list[str]:
    args = ctx.args
    if not args.service_only:
        ctx.minimal = ctx.minimal or ctx.cluster.start_minimal(args.minimal_workers)
    view = loadgen.get("/v1/portal", ctx.token_headers(ANA[0]))
    naive = loadgen.get(f"/view?customer={ANA[1]}")
    ceiling = loadgen.get(f"/v1/customers/{ANA[1]}", measure.AUTH)
    rows: list[Row] = []
    ratios: list[str] = ["| L ms | users | views/s vs minimal | CPU/view vs minimal | "
                         "views/s vs sandbox ceiling | p50 vs one round trip (L) |",
                         "|---|---|---|---|---|---|"]
    for latency in _ints(args.latencies):
        ctx.sandbox.latency(latency)
        for users in _ints(args.users):
            common = {"users": users, "seconds": args.duration, "latency_ms": latency,
                      "sandbox": ctx.sandbox}
            ours = measure.run("widget-server", ctx.service.url, view,
                               services=[ctx.service], **common)  # type: ignore[arg-type]
            rows.append(ours)
            if ctx.minimal is None:
                continue
            mini = measure.run("minimal", ctx.minimal.url, naive, services=[ctx.minimal],
                               **common)  # type: ignore[arg-type]
            top = measure.run("sandbox ceiling (calls/s)", ctx.sandbox.url, ceiling,
                              **common)  # type: ignore[arg-type]
            rows += [mini, top]
            top_views = top.result.per_second / ours.calls_per_view \
                if ours.calls_per_view == ours.calls_per_view and ours.calls_per_view else 0.0
            ratios.append(
                f"| {latency} | {users} | {ratio(ours.result.per_second, mini.result.per_second)}"
                f" | {ratio(ours.cpu_ms_per_view, mini.cpu_ms_per_view)} | "
                f"{ratio(ours.result.per_second, top_views)} | "
                f"{ratio(ours.result.p50, float(latency)) if latency else '-'} |")
    ctx.sandbox.latency(0)
    return [*measure.table(rows), "",
            "Ratios (widget-server ÷ minimal endpoint; ceiling in views/s = the sandbox's "
            "calls/s ÷ widget-server's Stripe calls per view):", "", *ratios]


def identity(ctx: Context) -> list[str]:
    args = ctx.args
    factory = measure.session_factory(ctx.cluster.account, ctx.cluster.hmac_secret, ANA[0])
    rows = [measure.run("POST /v1/embed/session", ctx.service.url, factory, users=users,
                        seconds=args.duration, latency_ms=0, sandbox=ctx.sandbox,
                        services=[ctx.service]) for users in (1, 8)]
    return ["Identity verifications (HMAC checked, customer looked up in Stripe, token "
            "issued); 'views/s' = verifications/s:", "", *measure.table(rows)]


def scale(ctx: Context) -> list[str]:
    """nginx in front of one instance, then two. With --scale-cpu C (root, cgroups), each
    instance runs in a CPU budget of its own (C cores' worth of time), as on a machine of its
    own, while the sandbox, nginx and the load generator stay outside: one instance's
    capacity, not the shared cores, is then the limit (bench/cpu_budget.py)."""
    args = ctx.args
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        return ["skipped: nginx is not installed (apt-get install nginx)"]
    if "REDIS_URL" not in ctx.cluster.env:
        return ["skipped: two instances share rate limits through Redis; none answers"]
    instances = [ctx.cluster.start_service(f"scale-{name}", workers=args.workers,
                                           threads=args.threads, extra=ctx.serve_args)
                 for name in ("a", "b")]
    budgets: list[CpuBudget | None] = []
    notes: list[str] = []
    if args.scale_cpu > 0:
        for instance in instances:
            budget = CpuBudget.create(f"ws-bench-{instance.name}", args.scale_cpu)
            if budget is not None:
                budget.add(instance.pids())
            budgets.append(budget)
        if any(b is None for b in budgets):
            notes.append("no CPU budget: cgroups not writable here (run as root); both "
                         "instances share the machine's cores with the sandbox and the load")
    upstream = [i.url.removeprefix("http://") for i in instances]
    one = ctx.cluster.start_nginx("nginx-one", upstream[:1])
    two = ctx.cluster.start_nginx("nginx-two", upstream)
    view = loadgen.get("/v1/portal", ctx.token_headers(ANA[0], one.url))
    ctx.sandbox.latency(args.scale_latency)
    usage: list[str] = []
    try:
        common = {"users": args.scale_users, "seconds": args.duration,
                  "latency_ms": args.scale_latency, "sandbox": ctx.sandbox}
        rows = []
        for label, target, used in (("nginx → 1 instance", one, instances[:1]),
                                    ("nginx → 2 instances", two, instances)):
            before = [(b.throttled() if b else (0, 0)) for b in budgets[:len(used)]]
            cpu_before, idle_before = [i.cpu() for i in used], _idle()
            outside_before = (ctx.cluster.sandbox.cpu() if ctx.cluster.sandbox else 0.0,
                              target.cpu(), time.process_time())
            began = time.monotonic()
            rows.append(measure.run(label, target.url, view, services=used,
                                    **common))  # type: ignore[arg-type]
            elapsed = time.monotonic() - began
            idle = (_idle() - idle_before) / elapsed / (os.cpu_count() or 1)
            for n, instance in enumerate(used):
                budget = budgets[n] if n < len(budgets) else None
                cores = (instance.cpu() - cpu_before[n]) / elapsed
                if budget is None:
                    usage.append(f"{label}: instance {n + 1} used {cores:.2f} cores")
                    continue
                periods, throttled = (a - b for a, b in zip(budget.throttled(), before[n],
                                                             strict=True))
                usage.append(
                    f"{label}: instance {n + 1} used {cores:.2f} of its {budget.cores:.2f} "
                    f"cores ({100 * cores / budget.cores:.0f} %, incl. the warm-up), budget "
                    f"exhausted in {100 * throttled / max(1, periods):.0f} % of its periods")
            sandbox, nginx, here = (
                (ctx.cluster.sandbox.cpu() if ctx.cluster.sandbox else 0.0) - outside_before[0],
                target.cpu() - outside_before[1], time.process_time() - outside_before[2])
            usage.append(f"{label}: outside the budgets, the sandbox used "
                         f"{sandbox / elapsed:.2f} cores, nginx {nginx / elapsed:.2f}, the load "
                         f"generator {here / elapsed:.2f}; machine idle {100 * idle:.0f} % "
                         "(all cores, incl. warm-up)")
    finally:
        ctx.sandbox.latency(0)
        for service in (two, one, *instances):
            service.stop()
        for budget in budgets:
            if budget is not None:
                budget.close()
    single, double = rows
    budget_text = (f"each instance in a CPU budget of {args.scale_cpu:.2f} cores "
                   "(cgroup CFS quota); sandbox, nginx and load generator outside"
                   if budgets and all(budgets) else "no CPU budget (shared cores)")
    return [*measure.table([single, double]), "", *notes, *(f"- {u}" for u in usage), "",
            f"two instances ÷ one: {ratio(double.result.per_second, single.result.per_second)}"
            f" views/s ({args.scale_users} users, L = {args.scale_latency} ms; "
            f"{budget_text})"]


def _idle() -> float:
    """Idle seconds of all cores so far (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()
    return (int(fields[4]) + int(fields[5])) / procs.CLOCK_TICKS


def memory(ctx: Context) -> list[str]:
    args = ctx.args
    seconds = max(5.0, args.memory_minutes * 60)
    step = max(5.0, seconds / 12)
    view = loadgen.get("/v1/portal", ctx.token_headers(ANA[0]))
    loadgen.run(ctx.service.url, 8, 2.0, view)  # warm
    samples: list[tuple[float, list[int]]] = []
    answered = errors = 0
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        samples.append((time.monotonic() - began,
                        [procs.rss_kib([pid]) for pid in ctx.service.workers()]))
        chunk = loadgen.run(ctx.service.url, 8, min(step, seconds - (time.monotonic() - began)),
                            view)
        answered, errors = answered + chunk.answered, errors + chunk.error_count
    samples.append((time.monotonic() - began,
                    [procs.rss_kib([pid]) for pid in ctx.service.workers()]))
    lines = [f"8 users on GET /v1/portal for {seconds / 60:.1f} min, L = 0: {answered} views, "
             f"{errors} errors; RSS of each worker (MiB):", "",
             "| t s | " + " | ".join(f"worker {i + 1}" for i in range(len(samples[0][1]))) + " |",
             "|---|" + "---|" * len(samples[0][1])]
    for at, values in samples:
        lines.append(f"| {at:.0f} | " + " | ".join(f"{v / 1024:.1f}" for v in values) + " |")
    first, last = samples[0][1], samples[-1][1]
    if len(first) == len(last):
        growth = [(b - a) / 1024 for a, b in zip(first, last, strict=True)]
        lines += ["", "growth first → last sample: "
                  + ", ".join(f"{g:+.1f} MiB" for g in growth)
                  + " (a changed worker count means gunicorn restarted one: max-requests)"]
    else:
        lines += ["", "the worker count changed during the run (max-requests restarts)"]
    return lines


def growth(ctx: Context) -> list[str]:
    args = ctx.args
    client = seeding.client(ctx.cluster.sandbox.url, procs.STRIPE_KEY)  # type: ignore[union-attr]
    ctx.sandbox.latency(0)
    invoices_customer = seeding.with_invoices(client, ctx.sandbox.url, "history@bench.test", 111)
    counts = (1, 10) if args.quick else (1, 10, 50)
    cases: list[tuple[str, str, str]] = []
    for count in counts:
        email = f"subs{count}@bench.test"
        seeding.subscribed(client, email, count)
        cases.append((f"{count} subscription(s): GET /v1/portal", email, "/v1/portal"))
    invoice_total = seeding.invoice_count(client, invoices_customer)
    cases += [(f"{invoice_total} invoices: GET /v1/portal", "history@bench.test", "/v1/portal"),
              (f"{invoice_total} invoices: GET /v1/portal/invoices", "history@bench.test",
               "/v1/portal/invoices")]
    latency = 50
    ctx.sandbox.latency(latency)
    # One user makes ~15 views a second, and /proc counts CPU in 10 ms ticks: each case runs
    # in GROWTH_ROUNDS rounds, interleaved (other load on the machine hits every case alike),
    # and keeps its round with the least CPU per view, as bench/portal_cpu.py does.
    best: dict[str, Row] = {}
    try:
        for _round in range(GROWTH_ROUNDS):
            for label, email, path in cases:
                view = loadgen.get(path, ctx.token_headers(email))
                row = measure.run(label, ctx.service.url, view, users=1,
                                  seconds=max(2.0, args.duration / 2), latency_ms=latency,
                                  sandbox=ctx.sandbox, services=[ctx.service])
                if label not in best or row.cpu_ms_per_view < best[label].cpu_ms_per_view:
                    best[label] = row
    finally:
        ctx.sandbox.latency(0)
    rows = [best[label] for label, _email, _path in cases]
    base = rows[0]
    lines = [*measure.table(rows), "", "| case | CPU/view vs 1 subscription | "
             "p50 vs 1 subscription |", "|---|---|---|"]
    for row in rows[1:]:
        lines.append(f"| {row.label} | {ratio(row.cpu_ms_per_view, base.cpu_ms_per_view)} | "
                     f"{ratio(row.result.p50, base.result.p50)} |")
    lines.append(f"\n(one user each, L = {latency} ms; each case the least CPU of "
                 f"{GROWTH_ROUNDS} interleaved rounds; CPU {fmt(base.cpu_ms_per_view)} ms "
                 "per view is the baseline)")
    return lines
