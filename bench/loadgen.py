"""A closed-loop HTTP load generator: N users, each sending its next request when the last one
has been answered, for a fixed time.

Each user is a thread with its own keep-alive connection (``http.client``, like a browser's),
reconnecting after an error. The generator is cheap (well under a millisecond of CPU per
request), so on a small machine most of the CPU is left to what is measured.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# One request: method, path, headers, body.
Request = tuple[str, str, dict[str, str], bytes | None]
# Builds user i's next request (called in the user's thread).
RequestFactory = Callable[[int], Request]
# Checks an answer: (status, body) -> None when fine, else a short reason.
Check = Callable[[int, bytes], str | None]


def ok_2xx(status: int, _body: bytes) -> str | None:
    return None if 200 <= status < 300 else f"HTTP {status}"


@dataclass
class Result:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def run(base_url: str, users: int, seconds: float, factory: RequestFactory,
        check: Check = ok_2xx, timeout: float = 30.0) -> Result:
    """Run `users` closed-loop users for `seconds`; only answered (checked) requests count
    toward the rate and the latencies; anything else is an error, by reason."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lock = threading.Lock()
    result = Result(seconds=seconds)
    start = threading.Barrier(users + 1)
    deadline = [0.0]

    def user(index: int) -> None:
        conn: http.client.HTTPConnection | None = None
        latencies: list[float] = []
        errors: dict[str, int] = {}
        start.wait()
        while time.monotonic() < deadline[0]:
            method, path, headers, body = factory(index)
            began = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                if response.will_close:
                    conn.close()
                    conn = None
                problem = check(response.status, payload)
            except (OSError, http.client.HTTPException) as exc:
                problem = type(exc).__name__
                if conn is not None:
                    conn.close()
                conn = None
            elapsed = (time.perf_counter() - began) * 1000
            if problem is None:
                latencies.append(elapsed)
            else:
                errors[problem] = errors.get(problem, 0) + 1
        if conn is not None:
            conn.close()
        with lock:
            result.latencies_ms.extend(latencies)
            for reason, count in errors.items():
                result.errors[reason] = result.errors.get(reason, 0) + count

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + timeout + 5)
    # Requests in flight at the deadline finish after it: count the time they took.
    result.seconds = max(seconds, time.monotonic() - began)
    return result


def get(path: str, headers: dict[str, str] | None = None) -> RequestFactory:
    request: Request = ("GET", path, dict(headers or {}), None)
    return lambda _index: request
