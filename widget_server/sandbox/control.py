"""The local control API (`/_sandbox/...`) and the middleware that logs /v1 traffic and
injects faults before Flask sees a request."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Response, request

from widget_server.sandbox import events, lifecycle, payments, permissions
from widget_server.sandbox.api import json_response, store_of_app
from widget_server.sandbox.errors import StripeAPIError, api_error, bad_request, rate_limited
from widget_server.sandbox.render import render
from widget_server.sandbox.resources.payment_methods import complete_authentication
from widget_server.sandbox.store import Faults, Store

JSON = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class TrafficMiddleware:
    """Records every /v1 request and applies the configured latency and failures."""

    def __init__(self, app: WSGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if not path.startswith("/v1/") or method == "OPTIONS":
            return self.app(environ, start_response)
        entry: JSON = {"method": method, "path": path, "query": environ.get("QUERY_STRING", ""),
                       "time": time.time(), "status": None,
                       "idempotency_key": environ.get("HTTP_IDEMPOTENCY_KEY")}
        with self.store.lock:
            self.store.requests.append(entry)
            faults = self.store.faults
            applies = (faults.path is None or path.startswith(faults.path)) and (
                faults.method is None or faults.method == method)
            latency = faults.latency_ms if applies else 0
            fail = False
            if applies and faults.next > 0:
                faults.next -= 1
                fail = True
            elif applies and faults.rate > 0 and random.random() < faults.rate:
                fail = True
            drop, error_status = faults.drop_connection, faults.error_status
            lose = faults.lose_response
        if latency:
            time.sleep(latency / 1000)
        if not fail:
            def recording_start_response(status: str, headers: Any, exc_info: Any = None
                                         ) -> Any:
                entry["status"] = int(status.split()[0])
                return start_response(status, headers, exc_info)

            return self.app(environ, recording_start_response)
        if lose:
            def discard(status: str, headers: Any, exc_info: Any = None) -> Any:
                entry["status"] = int(status.split()[0])
                return lambda _data: None

            for _chunk in self.app(environ, discard):  # carried out, answer thrown away
                pass
            return _drop(environ, start_response)
        if drop:
            entry["status"] = 0
            return _drop(environ, start_response)
        error = rate_limited() if error_status == 429 else api_error()
        error.status = error_status if error_status != 429 else 429
        entry["status"] = error.status
        body = json.dumps(error.body()).encode()
        start_response(f"{error.status} Injected", [("Content-Type", "application/json"),
                                                    ("Content-Length", str(len(body)))])
        return [body]


def _drop(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Close the client's socket without an HTTP response (werkzeug's server only)."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        raise ConnectionAbortedError("sandbox fault: dropped connection")
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    start_response("500 Dropped", [("Content-Length", "0")])
    return [b""]


def build_control_blueprint(seed: Callable[[Store], None]) -> Blueprint:
    blueprint = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")

    @blueprint.get("/requests")
    def list_requests() -> Response:
        store = store_of_app()
        with store.lock:
            return json_response({"requests": [dict(r) for r in store.requests]})

    @blueprint.delete("/requests")
    def clear_requests() -> Response:
        store = store_of_app()
        with store.lock:
            store.requests.clear()
        return json_response({"requests": []})

    @blueprint.get("/faults")
    def get_faults() -> Response:
        return json_response(store_of_app().faults.as_dict())

    @blueprint.post("/faults")
    def set_faults() -> Response:
        store = store_of_app()
        try:
            faults = _parse_faults(request.get_json(silent=True))
        except StripeAPIError as error:
            return json_response(error.body(), error.status)
        with store.lock:
            store.faults = faults
        return json_response(faults.as_dict())

    @blueprint.delete("/faults")
    def clear_faults() -> Response:
        store = store_of_app()
        with store.lock:
            store.faults = Faults()
        return json_response(store.faults.as_dict())

    @blueprint.post("/seed")
    def reseed() -> Response:
        store = store_of_app()
        with store.lock:
            store.wipe()
            seed(store)
            counts = {kind: len(rows) for kind, rows in store.tables.items()}
        return json_response({"seeded": True, "counts": counts})

    @blueprint.delete("/data")
    def wipe() -> Response:
        store = store_of_app()
        with store.lock:
            store.wipe()
        return json_response({"wiped": True})

    @blueprint.get("/clock")
    def get_clock() -> Response:
        store = store_of_app()
        with store.lock:  # run_due moves clock_offset back while it works
            return json_response({"now": store.now(), "offset_seconds": store.clock_offset})

    @blueprint.post("/clock")
    def advance_clock() -> Response:
        store = store_of_app()
        body = request.get_json(silent=True) or {}
        seconds = body.get("advance_seconds")
        if not isinstance(seconds, int) or seconds < 0:
            error = bad_request("advance_seconds must be a non-negative integer.",
                                param="advance_seconds")
            return json_response(error.body(), 400)
        with store.lock, events.tracked(store):
            now = lifecycle.advance(store, seconds)
            return json_response({"now": now, "offset_seconds": store.clock_offset})

    @blueprint.post("/restricted_keys")
    def add_restricted_key() -> Response:
        """Register `{"key": "rk_test_…", "permissions": {"customer": "read", …}}`."""
        store = store_of_app()
        body = request.get_json(silent=True) or {}
        key, grants = body.get("key"), body.get("permissions")
        if not (isinstance(key, str) and key.startswith("rk_test_") and isinstance(grants, dict)
                and all(v in permissions.LEVELS for v in grants.values())):
            error = bad_request("Send {key: rk_test_…, permissions: {resource: none|read|"
                                "write}}.")
            return json_response(error.body(), 400)
        with store.lock:
            store.restricted_keys[key] = {str(k): str(v) for k, v in grants.items()}
        return json_response({"key": key, "permissions": grants})

    @blueprint.post("/expired_keys")
    def expire_key() -> Response:
        """Roll `{"key": "sk_test_…"}`: from now on it is refused with 401 api_key_expired."""
        store = store_of_app()
        body = request.get_json(silent=True) or {}
        key = body.get("key")
        if not (isinstance(key, str) and key.startswith(("sk_test_", "rk_test_"))):
            error = bad_request("Send {key: sk_test_… or rk_test_…}.", param="key")
            return json_response(error.body(), 400)
        with store.lock:
            store.expired_keys.add(key)
        return json_response({"key": key, "expired": True})

    @blueprint.get("/webhooks")
    def webhook_log() -> Response:
        """Every webhook delivery attempt: event, endpoint, url, HTTP status (0: failed)."""
        store = store_of_app()
        with store.lock:
            return json_response({"deliveries": list(store.webhook_log)})

    @blueprint.get("/state")
    def state() -> Response:
        store = store_of_app()
        with store.lock:
            return json_response({"now": store.now(), "objects": store.snapshot()})

    @blueprint.post("/setup_intents/<seti_id>/authenticate")
    def authenticate_setup_intent(seti_id: str) -> Response:
        """Where the Stripe.js stand-in reports the 3-D Secure dialog's outcome."""
        store = store_of_app()
        body = request.get_json(silent=True) or {}
        with store.lock, events.tracked(store):
            try:
                result = complete_authentication(store, seti_id, str(body.get("client_secret")),
                                                 body.get("outcome") == "complete")
            except StripeAPIError as error:
                return json_response(error.body(), error.status)
        response = json_response(result)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @blueprint.post("/payment_intents/<pi_id>/authenticate")
    def authenticate_payment_intent(pi_id: str) -> Response:
        """The outcome of the stand-in's 3-D Secure challenge for a payment."""
        store = store_of_app()
        body = request.get_json(silent=True) or {}
        with store.lock:
            try:
                intent = store.require("payment_intent", pi_id, "intent")
                if body.get("client_secret") != intent["client_secret"]:
                    raise StripeAPIError(400, "This PaymentIntent is not awaiting "
                                         "authentication.",
                                         code="payment_intent_unexpected_state")
                result = render(store, "payment_intent", payments.authenticate(
                    store, intent, body.get("outcome") == "complete"))
            except StripeAPIError as error:
                return json_response(error.body(), error.status)
        response = json_response(result)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return blueprint


def _parse_faults(body: Any) -> Faults:
    if not isinstance(body, dict):
        raise bad_request("Send a JSON object.")
    status = body.get("error_status", 500)
    if status not in (500, 429):
        raise bad_request("error_status must be 500 or 429.", param="error_status")
    rate = body.get("rate", 0)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise bad_request("rate must be between 0 and 1.", param="rate")
    for name in ("latency_ms", "next"):
        value = body.get(name, 0)
        if not isinstance(value, int) or value < 0:
            raise bad_request(f"{name} must be a non-negative integer.", param=name)
    path = body.get("path")
    return Faults(latency_ms=body.get("latency_ms", 0), error_status=status, rate=float(rate),
                  next=body.get("next", 0), path=str(path) if path else None,
                  drop_connection=bool(body.get("drop_connection", False)),
                  lose_response=bool(body.get("lose_response", False)),
                  method=str(body["method"]).upper() if body.get("method") else None)
