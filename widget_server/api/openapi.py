"""``GET /v1/openapi.json``: the OpenAPI 3.1 description of the whole public v1 surface.

Built from data below (one entry per operation) rather than a static file, so the server URL
and version are always current. A test checks that every ``/v1`` route Flask knows is here.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from widget_server.api import bp

VERSION = "1.0.0"
JSON = "application/json"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


_STR: Schema = {"type": "string"}
_INT: Schema = {"type": "integer"}
_BOOL: Schema = {"type": "boolean"}
_NULL_STR: Schema = {"type": ["string", "null"]}
_NULL_INT: Schema = {"type": ["integer", "null"]}

SCHEMAS: dict[str, Schema] = {
    "Error": _obj({
        "error": _obj({
            "code": {"type": "string", "pattern": "^[a-z0-9_]+$",
                     "description": "Stable snake_case code for programs."},
            "message": {"type": "string", "description": "Translated sentence for people."},
            "param": {"type": "string", "description": "The request field at fault, if any."},
            "debug": {"type": "string", "description": "Why an identity check failed; only for "
                      "test-mode accounts with the debug setting on."},
        }, ["code", "message"]),
    }, ["error"]),
    "EmbedSessionRequest": _obj({
        "account": {"type": "string", "description": "The account's public id (acct_…)."},
        "email": {"type": "string", "description": "The user's email, exactly as hashed."},
        "customer_id": {"type": "string", "description": "The Stripe customer id, as hashed."},
        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                 "description": "hex(HMAC-SHA256(account secret, identifier)), lowercase."},
        "locale": {"type": "string", "description": "A language code or 'auto'."},
        "browser_locales": {"type": "array", "items": _STR, "maxItems": 10},
    }, ["account"], oneOf=[{"required": ["email"]}, {"required": ["customer_id"]}]),
    "EmbedSession": _obj({
        "token": {"type": "string", "description": "Portal token: send as a Bearer token."},
        "expires_at": {"type": "integer", "description": "Unix time the token expires."},
        "locale": _STR,
    }, ["token", "expires_at", "locale"]),
    "PortalSessionRequest": _obj({
        "customer": {"type": "string", "description": "A Stripe customer id."},
        "email": {"type": "string", "description": "Or the customer's email."},
        "return_url": {"type": "string", "format": "uri",
                       "description": "Must be on one of the account's allowed origins."},
        "locale": _STR,
    }, ["return_url"], oneOf=[{"required": ["customer"]}, {"required": ["email"]}]),
    "PortalSession": _obj({
        "url": {"type": "string", "format": "uri", "description": "One-time, short-lived URL."},
        "expires_at": _INT,
    }, ["url", "expires_at"]),
    "Price": _obj({
        "id": _STR, "nickname": _NULL_STR, "unit_amount": _NULL_INT, "currency": _STR,
        "interval": _NULL_STR, "interval_count": _INT, "amount_display": _STR,
        "interval_display": _NULL_STR, "product": _ref("Product"),
    }, ["id", "currency"]),
    "Product": _obj({
        "id": _STR, "name": _STR, "description": _NULL_STR, "unit_label": _NULL_STR,
        "quantity_min": _INT, "quantity_max": _NULL_INT, "quantity_step": _INT,
        "adjustable_quantity": _BOOL,
    }, ["id", "name"]),
    "Subscription": _obj({
        "id": _STR, "status": _STR, "status_display": _STR, "created": _INT,
        "state": {"type": "string", "description": "The portal's state: Stripe's status, or "
                  "canceling, collection_paused, scheduled_change."},
        "badge": _obj({"text": _STR, "tone": _STR}),
        "dates": {"type": "array", "items": _obj({"kind": _STR, "label": _STR, "date": _INT,
                                                  "display": _STR})},
        "reason": {"type": ["string", "null"],
                   "description": "Why no action is offered, when none is."},
        "duplicate_of": _NULL_STR,
        "scheduled_change": {"type": ["object", "null"]},
        "cancel_at_period_end": _BOOL, "cancel_at": _NULL_INT, "canceled_at": _NULL_INT,
        "ended_at": _NULL_INT, "trial_end": _NULL_INT, "current_period_end": _NULL_INT,
        "pause_collection": {"type": ["object", "null"]},
        "items": {"type": "array", "items": _obj({
            "id": _STR, "quantity": _INT, "current_period_start": _INT,
            "current_period_end": _INT, "price": _ref("Price"), "product": _ref("Product"),
        })},
        "discounts": {"type": "array", "items": {"type": "object"}},
        "open_invoice": {"type": ["object", "null"]},
        "actions": {"type": "object", "additionalProperties": _BOOL,
                    "description": "Which actions the server allows now."},
    }, ["id", "status", "items", "actions"]),
    "Customer": _obj({
        "id": _STR, "email": _NULL_STR, "name": _NULL_STR, "phone": _NULL_STR,
        "address": {"type": ["object", "null"]},
        "tax_ids": {"type": "array", "items": _obj({"id": _STR, "type": _STR, "value": _STR})},
    }, ["id"]),
    "PaymentMethod": _obj({
        "id": _STR, "brand": _STR, "last4": _STR, "exp_month": _INT, "exp_year": _INT,
        "display": _STR, "expires_display": _STR, "default": _BOOL, "removable": _BOOL,
    }, ["id"]),
    "Portal": _obj({
        "account": _obj({"id": _STR, "name": _STR, "test_mode": _BOOL}),
        "locale": _STR, "direction": {"enum": ["ltr", "rtl"]},
        "strings": {"type": "object", "additionalProperties": _STR},
        "settings": {"type": "object"},
        "stripe": _obj({"publishable_key": _NULL_STR, "js_url": _STR}),
        "customer": _ref("Customer"),
        "payment_method": {"oneOf": [_ref("PaymentMethod"), {"type": "null"}]},
        "subscriptions": {"type": "array", "items": _ref("Subscription")},
        "catalog": {"type": "array", "items": _ref("Price")},
    }, ["account", "locale", "customer", "subscriptions"]),
    "Invoice": _obj({
        "id": _STR, "number": _NULL_STR, "status": _NULL_STR, "status_display": _STR,
        "currency": _STR, "amount_due": _INT, "amount_paid": _INT, "total": _INT,
        "total_display": _STR, "created": _INT, "created_display": _STR,
        "hosted_invoice_url": _NULL_STR, "invoice_pdf": _NULL_STR, "subscription_id": _NULL_STR,
        "plans_display": _NULL_STR, "period_start": _NULL_INT, "period_end": _NULL_INT,
        "period_display": _NULL_STR,
    }, ["id", "currency", "total"]),
    "SubscriptionResult": _obj({
        "subscription": _ref("Subscription"),
        "message": {"type": "string", "description": "Translated sentence."},
        "notice": {"type": "string", "description": "warning when the message is not a "
                   "success (a resubscribe whose payment failed)."},
        "requires_action": {"type": "object", "description": "3-D Secure: confirm the "
                            "payment with Stripe.js confirmCardPayment(client_secret).",
                            "properties": {"client_secret": _STR, "invoice": _STR}},
    }, ["subscription"]),
}

_ERROR_STATUSES = {
    "400": "The request is malformed or not allowed by the account's settings.",
    "401": "Missing, invalid or expired credentials.",
    "402": "The card was declined (a specific, translated message per decline code).",
    "403": "The account's settings do not allow this action.",
    "404": "No such object for this customer.",
    "409": "The state changed since the page was drawn (a stale preview, a duplicate).",
    "429": "Too many requests.",
    "502": "Stripe failed or timed out; retry.",
}


def _errors(*statuses: str) -> dict[str, Any]:
    return {
        status: {"description": _ERROR_STATUSES[status],
                 "content": {JSON: {"schema": _ref("Error")}}}
        for status in statuses
    }


def _op(
    summary: str,
    *,
    tag: str,
    security: str | None = "portalToken",
    body: Schema | None = None,
    response: Schema | None = None,
    errors: tuple[str, ...] = ("400", "401", "404", "429", "502"),
    idempotent_key: bool = False,
    path_param: str | None = None,
    ok: str = "200",
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {ok: {"description": "OK",
                           "content": {JSON: {"schema": response or {"type": "object"}}}},
                      **_errors(*errors)},
    }
    operation["security"] = [{security: []}] if security else []
    parameters: list[dict[str, Any]] = []
    if path_param:
        parameters.append({"name": path_param, "in": "path", "required": True, "schema": _STR})
    if idempotent_key:
        parameters.append({
            "name": "Idempotency-Key", "in": "header", "required": True, "schema": _STR,
            "description": "A nonce from the page; a retry with the same key is not repeated.",
        })
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    return operation


def _sub_action(summary: str, body: Schema | None = None, *, idem: bool = False) -> dict[str, Any]:
    return {"post": _op(summary, tag="portal", body=body, response=_ref("SubscriptionResult"),
                        errors=("400", "401", "402", "403", "404", "409", "429", "502"),
                        idempotent_key=idem, path_param="id")}


_PLAN = _obj({"price": _STR, "quantity": {"type": "integer", "minimum": 1}, "item": _STR},
             ["price"])
# What a confirm carries back from the preview it showed (a mismatch is a 409 preview_stale).
_CONFIRM = {"proration_date": _INT, "expected_total": _INT, "expected_amount_due": _INT}
_PLAN_CONFIRM = _obj({"price": _STR, "quantity": {"type": "integer", "minimum": 1},
                      "item": _STR, **_CONFIRM}, ["price"])
_QUANTITY_CONFIRM = _obj({"quantity": {"type": "integer", "minimum": 1}, "item": _STR,
                          **_CONFIRM}, ["quantity"])


def paths() -> dict[str, Any]:
    sub = "/v1/portal/subscriptions/{id}"
    return {
        "/v1/embed/session": {"post": _op(
            "Exchange an identity hash for a portal token", tag="embed", security=None,
            body=_ref("EmbedSessionRequest"), response=_ref("EmbedSession"),
            errors=("400", "401", "429", "502"))},
        "/v1/portal": {"get": _op("The customer's portal view", tag="portal",
                                  response=_ref("Portal"))},
        "/v1/portal/invoices": {"get": _op(
            "The customer's invoices, newest first", tag="portal",
            response=_obj({"invoices": {"type": "array", "items": _ref("Invoice")}}))},
        f"{sub}/cancel": _sub_action("Cancel a subscription", _obj({
            "at_period_end": _BOOL, "reason": _STR, "comment": _STR})),
        f"{sub}/resume": _sub_action("Undo a cancel at period end"),
        f"{sub}/change_plan/preview": {"post": _op(
            "Preview a plan change (amount due now, next invoice)", tag="portal", body=_PLAN,
            errors=("400", "401", "403", "404", "429", "502"), path_param="id")},
        f"{sub}/change_plan": _sub_action(
            "Switch to another price (409 preview_stale with a fresh preview when the amounts "
            "changed; requires_action with a client secret when the bank asks for 3-D Secure)",
            _PLAN_CONFIRM),
        f"{sub}/cancel_change": _sub_action("Drop a change scheduled for the period end"),
        f"{sub}/resubscribe/preview": {"post": _op(
            "What restarting would charge now, to which card", tag="portal",
            body=_obj({"price": _STR, "promotion_code": _STR}),
            errors=("400", "401", "403", "404", "409", "429", "502"), path_param="id")},
        f"{sub}/quantity/preview": {"post": _op(
            "Preview a quantity change", tag="portal",
            body=_obj({"quantity": {"type": "integer", "minimum": 1}}, ["quantity"]),
            errors=("400", "401", "403", "404", "429", "502"), path_param="id")},
        f"{sub}/quantity": _sub_action("Change the quantity", _QUANTITY_CONFIRM),
        f"{sub}/resubscribe": _sub_action(
            "Restart a canceled subscription", _obj({"price": _STR, "promotion_code": _STR}),
            idem=True),
        f"{sub}/discount": _sub_action("Apply a promotion code", _obj({"code": _STR}, ["code"])),
        f"{sub}/pause": _sub_action("Pause payment collection", _obj({
            "resumes_at": _NULL_INT, "behavior": _STR})),
        f"{sub}/unpause": _sub_action("Resume payment collection"),
        "/v1/portal/payment_method/setup_intent": {"post": _op(
            "Start a card update (SetupIntent client secret)", tag="portal",
            errors=("400", "401", "403", "429", "502"))},
        "/v1/portal/payment_method": {"post": _op(
            "Make a saved or just confirmed card the default (make_default: false keeps it)",
            tag="portal", body=_obj({"payment_method": _STR, "make_default": _BOOL}),
            errors=("400", "401", "403", "404", "429", "502"))},
        "/v1/portal/payment_methods": {"get": _op(
            "The customer's saved cards, the default first", tag="portal",
            response=_obj({"payment_methods": {"type": "array", "items": _ref(
                "PaymentMethod")}}), errors=("401", "403", "404", "429", "502"))},
        "/v1/portal/payment_methods/{id}": {"delete": _op(
            "Remove a saved card (409 when a subscription still needs it)", tag="portal",
            path_param="id", response=_obj({"deleted": _BOOL, "id": _STR, "message": _STR}),
            errors=("401", "403", "404", "409", "429", "502"))},
        "/v1/portal/invoices/{id}/pay": {"post": _op(
            "Pay an open invoice", tag="portal", idempotent_key=True, path_param="id",
            errors=("400", "401", "403", "404", "429", "502"))},
        "/v1/portal/customer": {"patch": _op(
            "Update billing details", tag="portal",
            body=_obj({"email": _STR, "name": _STR, "phone": _STR, "address": {"type": "object"},
                       "tax_ids": {"type": "array", "items": {"type": "object"}}}),
            response=_obj({"customer": _ref("Customer"), "message": _STR}),
            errors=("400", "401", "403", "429", "502"))},
        "/v1/portal/customer/tax_ids": {"post": _op(
            "Add a tax id", tag="portal",
            body=_obj({"customer": _STR, "type": _STR, "value": _STR}, ["type", "value"]),
            response=_obj({"tax_id": _obj({"id": _STR, "type": _STR, "value": _STR}),
                           "message": _STR}),
            errors=("400", "401", "403", "404", "429", "502"))},
        "/v1/portal/customer/tax_ids/{id}": {"delete": _op(
            "Remove a tax id", tag="portal", path_param="id",
            response=_obj({"deleted": _BOOL, "id": _STR, "message": _STR}),
            errors=("400", "401", "403", "404", "429", "502"))},
        "/v1/portal/retention_offer": {"get": {
            **_op("The coupon to offer before a cancel is confirmed, or null", tag="portal",
                  response=_obj({"offer": {"type": ["object", "null"], "properties": {
                      "coupon_id": _STR, "display": _STR}}})),
            "parameters": [{"name": "subscription", "in": "query", "required": True,
                            "schema": _STR}],
        }},
        "/v1/portal_sessions": {"post": _op(
            "Create a one-time hosted portal URL", tag="hosted", security="apiKey",
            body=_ref("PortalSessionRequest"), response=_ref("PortalSession"),
            errors=("400", "401", "404", "429", "502"))},
        "/v1/openapi.json": {"get": _op("This document", tag="meta", security=None,
                                        errors=())},
        "/healthz": {"get": _op("Liveness", tag="meta", security=None, errors=(),
                                response=_obj({"status": _STR}))},
        "/readyz": {"get": _op("Readiness (database reachable); 503 when not ready", tag="meta",
                               security=None, errors=(),
                               response=_obj({"status": _STR, "database": _STR}))},
        "/embed/v1/portal.js": {"get": {
            "summary": "The embed loader (long-cached; pin it with the SRI hash)",
            "tags": ["embed"], "security": [],
            "responses": {"200": {"description": "JavaScript",
                                  "content": {"text/javascript": {"schema": _STR}}},
                          "304": {"description": "Not modified (ETag)"}},
        }},
        "/embed/v1/portal.js.sri": {"get": _op(
            "The loader's Subresource Integrity hash", tag="embed", security=None, errors=(),
            response=_obj({"integrity": _STR, "url": _STR}))},
    }


def build_openapi(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document, with `server_url` as the server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "widget-server API",
            "version": VERSION,
            "summary": "Embeddable Stripe customer billing portal.",
            "description": "Every error has the shape "
                           '{"error": {"code": "snake_case_code", "message": "…"}}.',
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "embed"}, {"name": "portal"}, {"name": "hosted"}, {"name": "meta"}],
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "portalToken": {"type": "http", "scheme": "bearer",
                                "description": "A portal token from POST /v1/embed/session "
                                               "or a hosted portal page."},
                "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "wsk_…",
                           "description": "The account's server-to-server API key."},
            },
        },
    }


@bp.get("/v1/openapi.json")
def openapi_document() -> Response:
    response = jsonify(build_openapi(request.url_root.rstrip("/")))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
