"""The /v1 blueprint: Bearer auth, bracket params, idempotency, atomic writes, expand[]."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import secrets
from collections.abc import Callable
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from widget_server.sandbox import events, permissions
from widget_server.sandbox.clocks import request_time
from widget_server.sandbox.errors import StripeAPIError, unauthorized
from widget_server.sandbox.lifecycle import anything_due, run_due
from widget_server.sandbox.params import parse_pairs
from widget_server.sandbox.render import expand
from widget_server.sandbox.resources import (
    catalog,
    coupons,
    credit,
    customers,
    entitlements,
    invoices,
    meters,
    payment_intents,
    payment_methods,
    schedules,
    subscription_updates,
    subscriptions,
    test_clocks,
    webhooks,
)
from widget_server.sandbox.resources.payment_methods import substitute_test_payment_methods
from widget_server.sandbox.routing import ApiRequest, Route
from widget_server.sandbox.shaping import conform_response
from widget_server.sandbox.store import IdempotentResult, Store
from widget_server.sandbox.validation import Implemented, Validator, invalid
from widget_server.stripe_schema.endpoints import endpoint_for
from widget_server.stripe_schema.params import shape

JSON = dict[str, Any]
API_VERSION = "2026-10-28.endive"
_TABLES = (customers.routes, catalog.routes, coupons.routes, payment_methods.routes,
           subscriptions.routes, subscription_updates.routes, invoices.routes,
           schedules.routes, webhooks.routes, payment_intents.routes, entitlements.routes,
           meters.routes, credit.routes, test_clocks.routes)
_NO_KEY = ("You did not provide an API key. You need to provide your API key in the "
           "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
           "YOUR_SECRET_KEY').")
_PUBLISHABLE = ("This API call cannot be made with a publishable API key. Please use a "
                "secret API key.")
IDEMPOTENCY_KEY_MAX = 255


def store_of_app() -> Store:
    store: Store = current_app.extensions["sandbox"]
    return store


def _pretty(body: JSON) -> bytes:
    """Indented like Stripe's answers, UTF-8 as Stripe sends it. orjson: the standard
    library's encoder runs in pure Python once it indents (a third of a list's time here)."""
    try:
        return orjson.dumps(body, option=orjson.OPT_INDENT_2)
    except TypeError:  # e.g. an integer past 64 bits: let the standard encoder say it
        return json.dumps(body, indent=2, ensure_ascii=False).encode()


def json_response(body: JSON, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    response = Response(_pretty(body), status, mimetype="application/json")
    response.headers["Request-Id"] = "req_" + secrets.token_hex(7)
    response.headers["Stripe-Version"] = API_VERSION
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _api_key() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


def authenticate(publishable_ok: bool) -> bool:
    """Accept test secret and restricted keys; publishable keys only where Stripe.js may.
    Returns whether the key is publishable."""
    key = _api_key()
    if not key:
        raise unauthorized(_NO_KEY)
    masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "***"
    if key in store_of_app().expired_keys:  # rolled in the (sandbox's) dashboard
        raise StripeAPIError(401, f"Expired API Key provided: {masked}", code="api_key_expired")
    if key.startswith(("sk_test_", "rk_test_")):
        grants = store_of_app().restricted_keys.get(key)
        if grants is not None:
            permissions.check(grants, key, request.method, request.path)
        return False
    if key.startswith("pk_test_"):
        if publishable_ok:
            return True
        raise unauthorized(_PUBLISHABLE)
    raise unauthorized(f"Invalid API Key provided: {masked}")


def request_params() -> JSON:
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    return parse_pairs(pairs)


def _fingerprint(params: JSON) -> str:
    return f"{request.method} {request.path} {json.dumps(params, sort_keys=True)}"


def _validator(route: Route) -> Callable[[JSON], None]:
    """The route's SDK endpoint and its params checker (a route the SDK lacks is a bug)."""
    endpoint = endpoint_for(route.method, "/v1" + route.rule)
    if endpoint is None:
        raise LookupError(f"no stripe-python method calls {route.method} /v1{route.rule}")
    validator = Validator(endpoint.key, Implemented(route.implements))
    params_shape = shape(endpoint.params) if endpoint.params is not None else None

    def check(params: JSON) -> None:
        if params_shape is None:
            for key in params:
                raise invalid(f"Received unknown parameter: {key}", key, "parameter_unknown")
            return
        validator.check(params, params_shape)

    return check


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise StripeAPIError(400, "Idempotency-Key values must be at most "
                                  f"{IDEMPOTENCY_KEY_MAX} characters long.",
                             type="idempotency_error")
    return key or None


def _make_view(route: Route) -> Callable[..., Response]:
    check_params = _validator(route)

    def view(**path_args: str) -> Response:
        store = store_of_app()
        try:
            publishable = authenticate(route.publishable)
            params = request_params()
            key = _idempotency_key()
        except StripeAPIError as error:
            return json_response(error.body(), error.status)
        with store.lock:
            if key:
                previous = store.idempotency.get(key)
                if previous is not None:
                    return _replay(previous, key, _fingerprint(params))
            try:
                # Stripe.js sends client_secret with a publishable key; the server-side SDK
                # types (what the portal's own calls must match) do not declare it
                check_params({k: v for k, v in params.items()
                              if not (publishable and k == "client_secret")})
            except StripeAPIError as error:
                # a request refused before it ran is not saved under its idempotency key
                return json_response(error.body(), error.status)
            # handlers may rewrite their params (test payment methods): keep the request's
            body, status = _run(store, route, copy.deepcopy(params), publishable, path_args)
            response = json_response(body, status)
            if key:
                store.idempotency[key] = IdempotentResult(_fingerprint(params), status,
                                                          response.get_data())
        return response

    view.__name__ = f"{route.method.lower()}_{route.handler.__name__}"
    return view


def _run(store: Store, route: Route, params: JSON, publishable: bool,
         path_args: dict[str, str]) -> tuple[JSON, int]:
    origin = {"id": "req_" + secrets.token_hex(7),
              "idempotency_key": request.headers.get("Idempotency-Key")}
    if anything_due(store):
        with events.tracked(store, {"id": None, "idempotency_key": None}):
            run_due(store)
    saved = copy.deepcopy(store.tables) if route.method != "GET" else None
    pinned = store.pinned_now
    try:
        substitute_test_payment_methods(store, params, path_args)
        # a customer on a test clock lives at its frozen time (clocks.py)
        at = request_time(store, params, path_args)
        store.pinned_now = pinned if at is None else at
        try:
            body = route.handler(ApiRequest(store, params, publishable), **path_args)
        finally:
            store.pinned_now = pinned
        paths = params.get("expand") or []
        if isinstance(paths, str):
            paths = [paths]
        expanded = expand(store, body, [str(p) for p in paths])
        if saved is not None:
            events.record(store, saved, origin)
        return conform_response(expanded, [str(p) for p in paths]), 200
    except StripeAPIError as error:
        if saved is not None and not error.persist:
            store.tables = saved
        elif saved is not None:  # a decline that leaves a trace (attempt_count) is an event
            events.record(store, saved, origin)
        return error.body(), error.status
    except Exception:
        # a handler bug must not leave a half-done write behind either
        if saved is not None:
            store.tables = saved
        raise


def _replay(previous: IdempotentResult, key: str, fingerprint: str) -> Response:
    if previous.fingerprint != fingerprint:
        error = StripeAPIError(
            400,
            "Keys for idempotent requests can only be used with the same parameters they were "
            f"first used with. Try using a key other than '{key}' if you meant to execute a "
            "different request.",
            type="idempotency_error",
        )
        return json_response(error.body(), 400)
    response = Response(previous.body, previous.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Idempotency-Key"] = key
    response.headers["Request-Id"] = "req_" + secrets.token_hex(7)
    response.headers["Stripe-Version"] = API_VERSION
    return response


def build_api_blueprint() -> Blueprint:
    blueprint = Blueprint("sandbox_api", __name__, url_prefix="/v1")
    for table in _TABLES:
        for route in table.routes:
            blueprint.add_url_rule(route.rule, view_func=_make_view(route),
                                   methods=[route.method])
    return blueprint


def unknown_url_response() -> Response:
    error = StripeAPIError(404, f"Unrecognized request URL ({request.method}: "
                                f"{request.path}).")
    return json_response(error.body(), 404)
