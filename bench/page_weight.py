"""Page weight of the embedded portal, as Chromium downloads it: requests and bytes on the wire
(raw, gzip, brotli), on a first visit and on a repeat visit.

    python bench/page_weight.py [--port 8301]

Starts a seeded Stripe sandbox, the app (temporary SQLite) on 127.0.0.1:PORT and a host page
on localhost:PORT+1 that pastes the dashboard's embed snippet (with its SRI pin) for a seeded
customer. Chromium (/usr/bin/chromium, or WIDGET_SERVER_CHROMIUM) opens the host page twice in
one browser profile, once per Accept-Encoding (br, gzip, identity); the service counts what it
sends. "portal page" is the iframe page and what it loads (the budget: <= 4 requests,
<= 30,000 B compressed; tests/assets/test_page_weight.py); "whole embed" adds the loader and
the JSON calls (token, portal, invoices).

Without Chromium it falls back to walking the iframe page's HTML with HTTP requests (no repeat
visit, no JSON calls).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from widget_server import create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.crypto import generate_key
from widget_server.dashboard.snippets import embed_snippet
from widget_server.identity import compute_identity_hash
from widget_server.sandbox import SandboxServer

CHROMIUM = os.environ.get("WIDGET_SERVER_CHROMIUM", "/usr/bin/chromium")
EMAIL = "ana@example.com"
ENCODINGS = ("br", "gzip", "identity")


@dataclass
class Hit:
    path: str
    status: int
    encoding: str
    size: int  # body bytes as sent


@dataclass
class Counter:
    """WSGI middleware: what the service sent, request by request."""

    app: Callable[..., Iterable[bytes]]
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            captured["status"] = int(status.split()[0])
            captured["encoding"] = dict((k.lower(), v) for k, v in headers).get(
                "content-encoding", "identity")
            return start_response(status, headers, exc)

        body = b"".join(self.app(environ, start))
        if environ["REQUEST_METHOD"] != "OPTIONS":
            with self.lock:
                self.hits.append(Hit(environ["PATH_INFO"], captured["status"],
                                     captured["encoding"], len(body)))
        return [body]

    def take(self) -> list[Hit]:
        with self.lock:
            hits, self.hits = self.hits, []
        return hits


def serve(app: Any, host: str, port: int) -> Callable[[], None]:
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)
    return stop


def build_app(folder: Path, sandbox_url: str) -> Flask:
    return create_app({
        "ENV": "development", "SECRET_KEY": "bench-secret-" + "x" * 32,
        "ENCRYPTION_KEYS": [generate_key()],
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "STRIPE_API_BASE": sandbox_url, "STRIPE_JS_URL": sandbox_url + "/js/v3/",
        "STRIPE_MAX_RETRIES": 0, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
    })


def host_page(app: Flask, service: str, host_origin: str) -> tuple[str, str]:
    """(the host page's HTML, the account id): the dashboard's snippet, filled in."""
    db.upgrade(app)
    with db.session_scope(app) as session:
        created = AccountService(session, secret_box(app)).create(
            name="Bench", stripe_key="sk_test_bench", allowed_origins=[host_origin])
        account_id = created.account.public_id
        secret = created.hmac_secret
    with app.test_request_context():
        snippet = embed_snippet(service_url=service, account_id=account_id)
    snippet = snippet.replace("USER_EMAIL", EMAIL).replace(
        "HASH_FROM_YOUR_SERVER", compute_identity_hash(secret, EMAIL))
    return f"<!doctype html><html><head><meta charset='utf-8'></head><body>{snippet}" \
           "</body></html>", account_id


def is_page_part(hit: Hit) -> bool:
    return hit.path == "/portal/frame" or hit.path.startswith("/assets/")


def browser_visits(page_url: str, counter: Counter) -> dict[str, dict[str, list[Hit]]]:
    """{encoding: {"cold": hits, "repeat": hits}} from Chromium, one profile per encoding."""
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[Hit]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for encoding in ENCODINGS:
            context = browser.new_context(
                extra_http_headers={} if encoding == "br" else {"Accept-Encoding": encoding})
            page = context.new_page()
            visits: dict[str, list[Hit]] = {}
            counter.take()
            for visit in ("cold", "repeat"):
                page.goto(page_url)
                frame = page.frame_locator("#billing-portal iframe")
                frame.locator(".wsp-view .wsp-card").first.wait_for(timeout=20_000)
                page.wait_for_load_state("networkidle", timeout=60_000)  # the invoices too
                visits[visit] = counter.take()
            results[encoding] = visits
            context.close()
        browser.close()
    return results


def walked(service: str, account_id: str) -> dict[str, dict[str, list[Hit]]]:
    """The fallback: the iframe page and what its HTML references, fetched per encoding."""
    results: dict[str, dict[str, list[Hit]]] = {}
    url = f"{service}/portal/frame?account={account_id}"
    html = requests.get(url, timeout=10).text
    parts = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    for encoding in ENCODINGS:
        hits = []
        for path in ["/portal/frame", *parts]:
            full = url if path == "/portal/frame" else service + path
            response = requests.get(full, headers={"Accept-Encoding": encoding}, timeout=10,
                                    stream=True)
            raw = response.raw.read(decode_content=False)
            hits.append(Hit(path, response.status_code,
                            response.headers.get("Content-Encoding", "identity"), len(raw)))
        results[encoding] = {"cold": hits}
    return results


def table(results: dict[str, dict[str, list[Hit]]]) -> list[str]:
    lines = ["| what | visit | requests | raw | gzip | br |", "|---|---|---|---|---|---|"]
    for scope, keep in (("portal page", is_page_part), ("whole embed", lambda _hit: True)):
        for visit in results["br"]:
            counts = {e: [h for h in results[e][visit] if keep(h)] for e in ENCODINGS}
            sizes = {e: sum(h.size for h in hits) for e, hits in counts.items()}
            lines.append(f"| {scope} | {visit} | {len(counts['br'])} | {sizes['identity']:,} B "
                         f"| {sizes['gzip']:,} B | {sizes['br']:,} B |")
    lines += ["", "Requests of the first visit (br):", ""]
    lines += [f"- {h.status} {h.path} ({h.encoding}, {h.size:,} B)"
              for h in results["br"]["cold"]]
    if "repeat" in results["br"]:
        lines += ["", "Repeat visit (br):", ""]
        lines += [f"- {h.status} {h.path} ({h.encoding}, {h.size:,} B)"
                  for h in results["br"]["repeat"]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8301)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    service = f"http://127.0.0.1:{args.port}"
    host_origin = f"http://localhost:{args.port + 1}"
    with SandboxServer(seed=True) as sandbox, tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), sandbox.url)
        html, account_id = host_page(app, service, host_origin)
        counter = Counter(app.wsgi_app)
        app.wsgi_app = counter  # type: ignore[method-assign]
        stops = [serve(app, "127.0.0.1", args.port),
                 serve(lambda environ, start: Response(html, mimetype="text/html")(
                     environ, start) if Request(environ).path == "/" else
                     Response("", status=404)(environ, start), "localhost", args.port + 1)]
        try:
            if Path(CHROMIUM).exists():
                print(f"Chromium ({CHROMIUM}): the host page opened twice in one profile.\n")
                results = browser_visits(host_origin + "/", counter)
            else:
                print("Chromium not found: walking the iframe page's HTML instead.\n")
                results = walked(service, account_id)
        finally:
            for stop in stops:
                stop()
    print("\n".join(table(results)))


if __name__ == "__main__":
    main()
