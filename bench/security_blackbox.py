"""A black-box security run of the running service: scripted cases per family plus fuzzing.

Starts the Stripe sandbox and the service on loopback ports (the service is only reached over
HTTP), runs the scripted cases, fuzzes every operation of /v1/openapi.json with Hypothesis, and
prints one row per family: cases run, cases that held, cases that did not. Exits non-zero when
any case did not hold. Only 127.0.0.1 is contacted.

    .venv/bin/python bench/security_blackbox.py [--fuzz N]   (N examples per operation)
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import logging
import re
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget_server import create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.crypto import generate_key
from widget_server.identity import compute_identity_hash
from widget_server.logs import make_handler
from widget_server.sandbox import SandboxServer

RESULTS: dict[str, Counter[str]] = defaultdict(Counter)
FAILURES: list[str] = []
SCRIPT = "<script>window.__xss=1</script>"


def check(family: str, ok: bool, what: str) -> None:
    RESULTS[family]["cases"] += 1
    RESULTS[family]["held" if ok else "broken"] += 1
    if not ok:
        FAILURES.append(f"{family}: {what}")


class Service:
    def __init__(self, sandbox: SandboxServer, folder: Path, **overrides: Any) -> None:
        config: dict[str, Any] = {
            "ENV": "development", "SECRET_KEY": "blackbox-" + "k" * 40,
            "ENCRYPTION_KEYS": [generate_key()],
            "DATABASE_URL": f"sqlite:///{folder / 'blackbox.sqlite3'}",
            "STRIPE_API_BASE": sandbox.url, "STRIPE_JS_URL": sandbox.url + "/js/v3/",
            "STRIPE_MAX_RETRIES": 0, "STRIPE_TIMEOUT": 5, "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "DEBUG",
        }
        config.update(overrides)
        self.app = create_app(config)
        db.upgrade(self.app)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        with self.app.app_context(), db.session_scope(self.app) as session:
            service = AccountService(session, secret_box(self.app))
            created = service.create(name="Black Box", stripe_key="sk_test_blackbox",
                                     allowed_origins=["http://localhost:5000"])
            other = service.create(name="Other", stripe_key="sk_test_blackbox_other",
                                   allowed_origins=["https://other.example"])
            self.api_key = service.create_api_key(created.account, "blackbox")
            self.account, self.secret = created.account.public_id, created.hmac_secret
            self.other_account = other.account.public_id

    def session(self, kind: str, identifier: str, hash_: str | None = None,
                **extra: Any) -> requests.Response:
        body = {"account": self.account, kind: identifier,
                "hash": hash_ if hash_ is not None else compute_identity_hash(self.secret,
                                                                              identifier)}
        body.update(extra)
        return requests.post(self.url + "/v1/embed/session", json=body, timeout=10,
                             headers={"Origin": "http://localhost:5000"})

    def token(self, customer: str = "cus_demo_ana") -> str:
        found: str = self.session("customer_id", customer).json()["token"]
        return found

    def stop(self) -> None:
        self.server.shutdown()


def stripe_calls(sandbox: SandboxServer) -> int:
    return len(requests.get(sandbox.url + "/_sandbox/requests", timeout=5).json()["requests"])


def clear_calls(sandbox: SandboxServer) -> None:
    requests.delete(sandbox.url + "/_sandbox/requests", timeout=5)


# --- families -------------------------------------------------------------------------------

def identity(svc: Service, sandbox: SandboxServer) -> None:
    good = compute_identity_hash(svc.secret, "ana@example.com")
    mutations = [good[:i] + ("0" if good[i] != "0" else "1") + good[i + 1:] for i in range(64)]
    mutations += [good.upper(), good[:-1], good + "0", "", "z" * 64, good[::-1]]
    for bad in mutations:
        clear_calls(sandbox)
        response = svc.session("email", "ana@example.com", bad)
        check("identity: hash mutations", response.status_code == 401
              and stripe_calls(sandbox) == 0, f"mutation accepted or Stripe called: {bad}")
    for signed, sent, kind in [("strasse@example.com", "strasse@example.com", "email"),
                               ("\u212aelvin@example.com", "\u212aelvin@example.com", "email"),
                               (" ana@example.com", " ana@example.com", "email"),
                               ("ANA@EXAMPLE.COM ", "ANA@EXAMPLE.COM ", "email"),
                               ("cus_demo_ana", "cus_demo_ana", "email"),
                               ("ana@example.com", "ana@example.com", "customer_id"),
                               ("CUS_DEMO_ANA", "CUS_DEMO_ANA", "customer_id")]:
        response = svc.session(kind, sent, compute_identity_hash(svc.secret, signed))
        check("identity: exact lookup and field binding", response.status_code == 401,
              f"{kind}={sent!r} opened a session")
    ok = svc.session("email", "Ana@Example.com")
    check("identity: exact lookup and field binding", ok.status_code in (200, 401),
          "ASCII case variant errored")
    other = requests.post(svc.url + "/v1/embed/session", timeout=10, json={
        "account": svc.other_account, "email": "ana@example.com", "hash": good})
    check("identity: hash mutations", other.status_code == 401, "a hash worked on another account")


def idor(svc: Service, sandbox: SandboxServer) -> None:
    token = svc.token("cus_demo_ana")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "blackbox-idor-0001"}
    others = ["sub_demo_ben", "sub_demo_carla", "sub_demo_grace", "sub_x", "sub_../../x"]
    routes = ["cancel", "resume", "change_plan/preview", "change_plan", "quantity/preview",
              "quantity", "resubscribe", "discount", "pause", "unpause"]
    for sub in others:
        for route in routes:
            clear_calls(sandbox)
            response = requests.post(f"{svc.url}/v1/portal/subscriptions/{sub}/{route}",
                                     json={}, headers=headers, timeout=10)
            writes = [r for r in requests.get(sandbox.url + "/_sandbox/requests", timeout=5)
                      .json()["requests"] if r["method"] in ("POST", "DELETE")]
            check("IDOR: other customers' objects", response.status_code in (400, 403, 404)
                  and not writes, f"{route} on {sub}: {response.status_code}, writes {writes}")
    for invoice in ("in_demo_carla_open", "in_nope"):
        response = requests.post(f"{svc.url}/v1/portal/invoices/{invoice}/pay", headers=headers,
                                 timeout=10)
        check("IDOR: other customers' objects", response.status_code in (400, 403, 404),
              f"pay {invoice}: {response.status_code}")


def xss_and_headers(svc: Service) -> None:
    with svc.app.app_context(), db.session_scope(svc.app) as session:
        service = AccountService(session, secret_box(svc.app))
        account = service.get(svc.account)
        assert account is not None
        account.name = SCRIPT
        service.update_settings(account, {"custom_strings": {"en": {
            "Billing": SCRIPT, "Loading…": "100% <img src=x onerror=alert(1)>",
            "Return to %(name)s": "%(name)s %d %"}}})
    made = requests.post(svc.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_ana", "return_url": "http://localhost:5000/x", "locale": "en"},
        headers={"Authorization": f"Bearer {svc.api_key}"}).json()
    pages = {"hosted": made["url"], "frame": f"{svc.url}/portal/frame?account={svc.account}",
             "frame unknown": f"{svc.url}/portal/frame?account=acct_%3Cscript%3E",
             "hosted used": made["url"], "login": f"{svc.url}/dashboard/login",
             "404": f"{svc.url}/nope"}
    for name, url in pages.items():
        response = requests.get(url, timeout=10, headers={"Accept": "text/html"})
        html = response.text
        check("XSS: owner and Stripe data as text", response.status_code < 500
              and SCRIPT not in html and "<img src=x" not in html, f"{name}: payload in markup")
        policy = response.headers.get("Content-Security-Policy", "")
        nonce = re.search(r"'nonce-([^']+)'", policy)
        scripts = re.findall(r"<script\b[^>]*>", html)
        check("headers: CSP nonce on every page", bool(nonce) and "'unsafe-inline'" not in
              policy.split("script-src", 1)[-1].split(";")[0] and all(
                  (nonce and nonce.group(1) in tag) or "application/json" in tag
                  for tag in scripts), f"{name}: {policy}")
    login = requests.get(f"{svc.url}/dashboard/login", timeout=10)
    cookie = login.headers.get("Set-Cookie", "")
    check("headers: dashboard isolation", "Path=/dashboard" in cookie and "SameSite=Strict" in
          cookie and login.headers.get("Cross-Origin-Opener-Policy") == "same-origin", cookie)
    for dest in ("empty", "iframe", "object"):
        response = requests.get(f"{svc.url}/dashboard/login", headers={"Sec-Fetch-Dest": dest},
                                timeout=10)
        check("headers: dashboard isolation", response.status_code == 403, dest)
    bad_origin = requests.options(f"{svc.url}/v1/portal", timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    check("headers: CORS", "Access-Control-Allow-Origin" not in bad_origin.headers,
          "CORS allowed an unknown origin")
    evil_return = requests.post(svc.url + "/v1/portal_sessions", timeout=10, json={
        "customer": "cus_demo_ana", "return_url": "https://evil.example/"},
        headers={"Authorization": f"Bearer {svc.api_key}"})
    check("headers: CORS", evil_return.status_code == 400, "return_url on another origin")


def post_from(ip: str, url: str, body: dict[str, Any]) -> int:
    """POST from a given loopback address (127.0.0.0/8), as a client elsewhere would."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                            timeout=10, source_address=(ip, 0))
    try:
        connection.request("POST", parts.path, body=json.dumps(body),
                           headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def limits(sandbox: SandboxServer, folder: Path) -> None:
    svc = Service(sandbox, folder / "limited", RATELIMIT_ENABLED=True,
                  RATELIMIT_SESSION="10000 per minute")
    try:
        for i in range(700):  # more than the old 600-per-minute account-wide limit
            post_from(f"127.1.{i // 250}.{i % 250 + 1}", svc.url + "/v1/embed/session",
                      {"account": svc.account, "email": f"v{i % 20}@example.com",
                       "hash": "0" * 64})
        real = svc.session("email", "ana@example.com")
        check("limits: no lockout, per IP", real.status_code == 200,
              f"a real user was refused after others' failures: {real.status_code}")
        codes = [requests.post(svc.url + "/v1/embed/session", timeout=10, json={
            "account": svc.account, "email": "x@example.com", "hash": "1" * 64}).status_code
            for _ in range(12)]
        check("limits: no lockout, per IP", codes[-1] == 429, f"no per-IP limit: {codes}")
        limited = requests.post(svc.url + "/v1/embed/session", timeout=10, json={
            "account": svc.account, "email": "x@example.com", "hash": "1" * 64})
        check("limits: no lockout, per IP", limited.headers.get("Retry-After", "0") != "0",
              "429 without Retry-After")
    finally:
        svc.stop()


def failing(svc: Service, sandbox: SandboxServer) -> None:
    token = svc.token("cus_demo_ben")
    headers = {"Authorization": f"Bearer {token}"}
    requests.post(sandbox.url + "/_sandbox/faults", timeout=5, json={
        "lose_response": True, "next": 1, "method": "POST",
        "path": "/v1/subscriptions/sub_demo_ben"})
    response = requests.post(f"{svc.url}/v1/portal/subscriptions/sub_demo_ben/cancel",
                             headers=headers, json={}, timeout=10)
    requests.delete(sandbox.url + "/_sandbox/faults", timeout=5)
    state = requests.get(sandbox.url + "/_sandbox/state", timeout=5).json()
    canceled = state["objects"]["subscription"]["sub_demo_ben"]["cancel_at_period_end"]
    check("failing safely", canceled == (response.status_code == 200),
          f"lost response: answered {response.status_code}, canceled={canceled}")
    requests.post(sandbox.url + "/_sandbox/faults", timeout=5, json={
        "error_status": 429, "next": 1, "path": "/v1/customers/cus_demo_ben"})
    limited = requests.get(svc.url + "/v1/portal", headers=headers, timeout=10)
    requests.delete(sandbox.url + "/_sandbox/faults", timeout=5)
    check("failing safely", limited.status_code == 429 and "Retry-After" in limited.headers,
          "upstream 429 without Retry-After")
    down = create_app({"ENV": "development", "SECRET_KEY": "k" * 40,
                       "ENCRYPTION_KEYS": [generate_key()], "RATELIMIT_ENABLED": False,
                       "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/x?connect_timeout=2"})
    client = down.test_client()
    json_down = client.post("/v1/embed/session", json={"account": "acct_x", "email": "a@b.c",
                                                        "hash": "0" * 64})
    page_down = client.get("/portal/frame?account=acct_x", headers={"Accept-Language": "fr"})
    check("failing safely", json_down.status_code == 503 and page_down.status_code == 503
          and 'lang="fr"' in page_down.get_data(as_text=True), "database down")


def fuzz(svc: Service, examples: int) -> None:
    spec = requests.get(svc.url + "/v1/openapi.json", timeout=10).json()
    token = svc.token("cus_demo_ana")
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text()
        | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                    max_size=3), max_leaves=6)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            schema = (operation.get("requestBody", {}).get("content", {})
                      .get("application/json", {}).get("schema", {}))
            if isinstance(schema, dict) and "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            names = list((schema.get("properties") or {}).keys()) if isinstance(schema,
                                                                                dict) else []
            names += ["account", "email", "customer_id", "hash", "customer", "return_url"]
            bodies = st.one_of(st.dictionaries(st.sampled_from(names) | st.text(max_size=8),
                                               json_values, max_size=5),
                               json_values, st.binary(max_size=64))
            ids = st.one_of(st.sampled_from(["sub_demo_ana", "in_demo_ana_1", "txi_1"]),
                            st.text(min_size=1, max_size=40))

            _fuzz_operation(svc, token, path, method, bodies, ids, examples)


def _fuzz_operation(svc: Service, token: str, path: str, method: str, bodies: Any, ids: Any,
                    examples: int) -> None:
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies, item=ids, authed=st.booleans(),
           key=st.none() | st.text(max_size=80))
    def one(body: Any, item: str, authed: bool, key: str | None) -> None:
        url = svc.url + re.sub(r"\{[a-z_]+\}", lambda _m: requests.utils.quote(item, safe=""),
                               path)
        headers = {"Authorization": f"Bearer {token}"} if authed else {}
        clean = re.sub(r"[^\x21-\x7e]", "", key or "")  # what an HTTP client can send
        if clean:
            headers["Idempotency-Key"] = clean
        kwargs: dict[str, Any] = ({"data": body} if isinstance(body, bytes)
                                  else {"json": body})
        response = requests.request(method.upper(), url, headers=headers, timeout=15,
                                    **kwargs)
        family = "fuzz: every /v1 operation"
        RESULTS["fuzz statuses"][str(response.status_code)] += 1
        shaped = True
        if response.status_code >= 400 and path.startswith("/v1"):
            try:
                error = response.json()["error"]
                shaped = isinstance(error["code"], str) and isinstance(
                    error["message"], str)
            except (ValueError, KeyError, TypeError):
                shaped = False
        # One case per request: no 5xx of ours (502/503 only as a shaped upstream error), and
        # every error in the one JSON shape.
        check(family, shaped and (response.status_code < 500 or response.status_code in (502,
              503)), f"{method.upper()} {url} -> {response.status_code} {response.text[:80]}")

    one()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fuzz", type=int, default=100, help="examples per operation")
    args = parser.parse_args()
    buffer = io.StringIO()
    root = logging.getLogger()
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(seed=True) as sandbox:
        folder = Path(tmp)
        (folder / "limited").mkdir()
        svc = Service(sandbox, folder)
        capture = make_handler("json", buffer)
        capture.set_name("blackbox.capture")  # not replaced when another app configures logs
        root.addHandler(capture)
        try:
            identity(svc, sandbox)
            idor(svc, sandbox)
            xss_and_headers(svc)
            failing(svc, sandbox)
            requests.post(sandbox.url + "/_sandbox/seed", timeout=30)
            fuzz(svc, args.fuzz)
        finally:
            root.removeHandler(capture)
        limits(sandbox, folder)
        secrets_seen = [svc.secret, svc.api_key, "sk_test_blackbox", "ana@example.com"]
        logged = buffer.getvalue()
        for secret in secrets_seen:
            check("logs: no secrets", secret not in logged, "a secret reached the log")
        check("logs: no secrets", not re.search(r"_secret_[A-Za-z0-9]{6,}", logged),
              "a client secret reached the log")
        check("logs: no secrets", not re.search(r"/portal/session/[A-Za-z0-9_-]{20,}", logged),
              "a hosted code reached the log")
        RESULTS["logs: no secrets"]["lines"] = len(logged.splitlines())
        svc.stop()
    print(f"{'family':45} {'cases':>7} {'held':>7} {'broken':>7}")
    for family, counts in RESULTS.items():
        if family == "fuzz statuses":
            continue
        print(f"{family:45} {counts['cases']:>7} {counts['held']:>7} {counts['broken']:>7}")
    print("fuzz responses by status:", json.dumps(dict(sorted(RESULTS["fuzz statuses"].items()))))
    print("log lines searched:", RESULTS["logs: no secrets"]["lines"])
    for failure in FAILURES[:30]:
        print("BROKEN", failure)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
