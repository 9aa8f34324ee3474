"""One measured load run against one target: rate, latencies, errors, Stripe calls, CPU, RSS."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import loadgen
import procs
import requests

AUTH = {"Authorization": f"Bearer {procs.STRIPE_KEY}"}


@dataclass
class Row:
    """The figures of one run."""

    label: str
    users: int
    latency_ms: int
    result: loadgen.Result
    stripe_calls: int
    cpu_s: float | None = None
    rss_before_kib: int | None = None
    rss_after_kib: int | None = None
    split: str = ""

    @property
    def views(self) -> int:
        return self.result.answered

    @property
    def calls_per_view(self) -> float:
        return self.stripe_calls / self.views if self.views else float("nan")

    @property
    def cpu_ms_per_view(self) -> float:
        if self.cpu_s is None or not self.views:
            return float("nan")
        return self.cpu_s * 1000 / self.views


class Sandbox:
    """The control API of the sandbox process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def latency(self, ms: int) -> None:
        if ms:
            self.http.post(f"{self.url}/_sandbox/faults", json={"latency_ms": ms},
                           timeout=10).raise_for_status()
        else:
            self.http.delete(f"{self.url}/_sandbox/faults", timeout=10).raise_for_status()

    def clear_log(self) -> None:
        self.http.delete(f"{self.url}/_sandbox/requests", timeout=30).raise_for_status()

    def calls(self) -> int:
        log = self.http.get(f"{self.url}/_sandbox/requests", timeout=60).json()["requests"]
        return sum(1 for entry in log if entry["path"].startswith("/v1/"))


def portal_token(base_url: str, account: str, secret: str, email: str) -> str:
    digest = hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()
    response = requests.post(f"{base_url}/v1/embed/session", timeout=30,
                             json={"account": account, "email": email, "hash": digest})
    if response.status_code != 200:
        raise RuntimeError(f"embed session for {email}: {response.status_code} "
                           f"{response.text[:300]}")
    return str(response.json()["token"])


def session_factory(account: str, secret: str, email: str) -> loadgen.RequestFactory:
    digest = hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()
    body = json.dumps({"account": account, "email": email, "hash": digest}).encode()
    request: loadgen.Request = ("POST", "/v1/embed/session",
                                {"Content-Type": "application/json"}, body)
    return lambda _index: request


def worker_split(before: dict[int, float], after: dict[int, float]) -> str:
    """Each worker's share of the CPU used in the run (pinned keep-alive shows as 100/0)."""
    deltas = [after.get(pid, 0.0) - before.get(pid, 0.0) for pid in sorted(after)]
    total = sum(deltas)
    if len(deltas) < 2 or total <= 0:
        return ""
    return "/".join(f"{100 * d / total:.0f}" for d in deltas)


def run(label: str, base_url: str, factory: loadgen.RequestFactory, *, users: int,
        seconds: float, latency_ms: int, sandbox: Sandbox,
        services: list[procs.Service] | None = None, warmup: float = 1.0,
        check: loadgen.Check = loadgen.ok_2xx) -> Row:
    """Warm up (not counted), then measure; CPU and RSS summed over `services`' trees."""
    services = services or []
    if warmup:
        loadgen.run(base_url, users, warmup, factory, check)
    sandbox.clear_log()
    rss_before = sum(s.rss_kib() for s in services) if services else None
    per_worker_before = {pid: procs.cpu_seconds([pid])
                         for s in services for pid in s.workers()}
    cpu_before = sum(s.cpu() for s in services)
    result = loadgen.run(base_url, users, seconds, factory, check)
    cpu_after = sum(s.cpu() for s in services)
    per_worker_after = {pid: procs.cpu_seconds([pid]) for s in services for pid in s.workers()}
    rss_after = sum(s.rss_kib() for s in services) if services else None
    return Row(label, users, latency_ms, result, sandbox.calls(),
               cpu_s=(cpu_after - cpu_before) if services else None,
               rss_before_kib=rss_before, rss_after_kib=rss_after,
               split=worker_split(per_worker_before, per_worker_after))


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:.{digits}f}"


def mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.0f}"


def table(rows: list[Row]) -> list[str]:
    lines = ["| L ms | users | target | views/s | p50 ms | p95 ms | p99 ms | errors | "
             "Stripe calls/view | CPU ms/view | RSS MiB before→after | worker CPU split % |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        r = row.result
        errors = str(r.error_count) + (f" ({', '.join(sorted(r.errors))})" if r.errors else "")
        lines.append(
            f"| {row.latency_ms} | {row.users} | {row.label} | {fmt(r.per_second)} | "
            f"{fmt(r.p50)} | {fmt(r.percentile(0.95))} | {fmt(r.percentile(0.99))} | {errors} | "
            f"{fmt(row.calls_per_view, 2)} | {fmt(row.cpu_ms_per_view)} | "
            f"{mib(row.rss_before_kib)}→{mib(row.rss_after_kib)} | {row.split or '-'} |")
    return lines


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b and a == a and b == b else "-"
