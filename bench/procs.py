"""Processes of the load benchmark: the sandbox, gunicorn services, nginx; CPU and RSS from /proc.

Every process is started in its own session (so a whole gunicorn tree can be signalled) and is
stopped by ``Cluster.close()``, which the benchmark calls in a ``finally``. Nothing here imports
the service: it is driven through its command line, like a deployment.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CLI = str(BIN / "widget-server")
GUNICORN = str(BIN / "gunicorn")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
STRIPE_KEY = "sk_test_bench"


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Ports:
    """Hands out free ports from a range (`--ports 8400-8499`), or any free port when none."""

    def __init__(self, spec: str | None) -> None:
        if spec:
            low, _, high = spec.partition("-")
            self._next, self._high = int(low), int(high or low)
        else:
            self._next, self._high = 0, -1

    def take(self) -> int:
        while self._next <= self._high:
            port, self._next = self._next, self._next + 1
            if port_free(port):
                return port
        if self._high >= 0:
            raise RuntimeError("no free port left in the --ports range")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


# --- /proc -------------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def tree(pid: int) -> list[int]:
    found = [pid]
    for child in children(pid):
        found.extend(tree(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (the field after the command name's parenthesis)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            statm = Path(f"/proc/{pid}/statm").read_text().split()
        except OSError:
            continue
        total += int(statm[1]) * PAGE_KIB
    return total


def settle(service: Service, seconds: float = 15) -> None:
    """Wait until gunicorn has forked all its workers (the first answers /readyz before the
    others exist): the worker count stays the same for 1 s."""
    deadline = time.monotonic() + seconds
    count, since = len(service.workers()), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < 1.0:
        time.sleep(0.1)
        now = len(service.workers())
        if now != count:
            count, since = now, time.monotonic()


# --- services ----------------------------------------------------------------------------------

@dataclass
class Service:
    """One process tree we started (a gunicorn master and its workers, nginx, the sandbox)."""

    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def pids(self) -> list[int]:
        return tree(self.proc.pid) if self.proc.poll() is None else []

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc.poll() is None else []

    def cpu(self) -> float:
        return cpu_seconds(self.pids())

    def rss_kib(self) -> int:
        return rss_kib(self.pids())

    def stop(self, sig: int = signal.SIGTERM, wait: float = 15) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@dataclass
class Cluster:
    """The sandbox, the service's environment and every process started for one run."""

    ports: Ports
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ws-bench-")))
    services: list[Service] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    sandbox: Service | None = None
    account: str = ""
    hmac_secret: str = ""

    def spawn(self, name: str, args: list[str], url: str, ready_path: str = "/",
              env: dict[str, str] | None = None, cwd: Path | None = None) -> Service:
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(args, env=env or self.env, stdout=out, stderr=out,
                                    start_new_session=True, cwd=cwd)
        service = Service(name, proc, url, log)
        self.services.append(service)
        try:
            wait_http(url + ready_path, proc)
        except RuntimeError as exc:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name}: {exc}\n{tail}") from None
        return service

    def start_sandbox(self) -> Service:
        port = self.ports.take()
        # kept-alive connections, as Stripe's (werkzeug's server closes each one)
        self.sandbox = self.spawn("sandbox", [sys.executable, str(BENCH / "sandbox_server.py"),
                                              "--port", str(port)], f"http://127.0.0.1:{port}",
                                  "/_sandbox/faults", env=dict(os.environ))
        return self.sandbox

    def configure(self, *, redis_url: str | None, database_url: str | None) -> None:
        """The service's environment: production settings, no rate limit in the way of the
        load, and an account created through the CLI (its id and HMAC secret kept)."""
        assert self.sandbox is not None
        unlimited = "1000000 per minute"
        env = dict(os.environ)
        env.update({
            "WIDGET_SERVER_ENV": "production",
            "WIDGET_SERVER_SECRET_KEY": secrets.token_urlsafe(48),
            "WIDGET_SERVER_ENCRYPTION_KEYS": _fernet_key(),
            "DATABASE_URL": database_url or f"sqlite:///{self.folder / 'bench.sqlite3'}",
            "WIDGET_SERVER_STRIPE_API_BASE": self.sandbox.url,
            "WIDGET_SERVER_STRIPE_MAX_RETRIES": "0",
            "WIDGET_SERVER_PUBLIC_URL": "http://127.0.0.1:8000",
            "WIDGET_SERVER_LOG_LEVEL": "WARNING",
            "WIDGET_SERVER_RATELIMIT_DEFAULT": unlimited,
            "WIDGET_SERVER_RATELIMIT_SESSION": unlimited,
            "WIDGET_SERVER_RATELIMIT_IDENTITY_VERIFIED": unlimited,
            "WIDGET_SERVER_RATELIMIT_IDENTITY_FAILURES_IP": unlimited,
            "WIDGET_SERVER_RATELIMIT_IDENTITY_FAILURES": unlimited,
        })
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        self.env = env
        out = subprocess.run(
            [CLI, "accounts", "create", "--name", "Bench", "--stripe-key", STRIPE_KEY,
             "--origin", "http://localhost"], env=env, capture_output=True, text=True,
            check=True).stdout
        account = re.search(r"account:\s+(acct_\w+)", out)
        secret = re.search(r"hmac secret:\s+(\S+)", out)
        if not account or not secret:
            raise RuntimeError(f"unexpected output of accounts create:\n{out}")
        self.account, self.hmac_secret = account.group(1), secret.group(1)

    def start_service(self, name: str, *, workers: int | None = None,
                      threads: int | None = None, extra: list[str] | None = None) -> Service:
        port = self.ports.take()
        args = [CLI, "serve", "--port", str(port)]
        if workers is not None:
            args += ["--workers", str(workers)]
        if threads is not None:
            args += ["--threads", str(threads)]
        service = self.spawn(name, args + (extra or []), f"http://127.0.0.1:{port}", "/readyz")
        settle(service)
        return service

    def start_minimal(self, workers: int) -> Service:
        """The naive endpoint under gunicorn's documented starting point: sync workers,
        2 x cores + 1 of them, everything else at gunicorn's defaults."""
        assert self.sandbox is not None
        port = self.ports.take()
        env = dict(os.environ, MINIMAL_STRIPE_API_BASE=self.sandbox.url,
                   MINIMAL_STRIPE_KEY=STRIPE_KEY, PYTHONPATH=str(BENCH))
        return self.spawn("minimal", [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers",
                                      str(workers), "--worker-class", "sync",
                                      "minimal_app:app"],
                          f"http://127.0.0.1:{port}", "/health", env=env, cwd=BENCH)

    def start_nginx(self, name: str, upstreams: list[str]) -> Service:
        from nginx_conf import render_config

        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        port = self.ports.take()
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        conf = folder / "nginx.conf"
        conf.write_text(render_config(port, upstreams, folder))
        return self.spawn(name, [nginx, "-c", str(conf), "-p", str(folder), "-e",
                                 str(folder / "error.log")],
                          f"http://127.0.0.1:{port}", "/healthz")

    def close(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def _fernet_key() -> str:
    import base64

    return base64.urlsafe_b64encode(os.urandom(32)).decode()
