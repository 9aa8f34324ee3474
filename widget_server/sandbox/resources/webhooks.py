"""Events (`/v1/events`) and webhook endpoints (`/v1/webhook_endpoints`)."""

from __future__ import annotations

import secrets
from typing import Any

from widget_server.sandbox.errors import bad_request, missing
from widget_server.sandbox.params import apply_metadata, opt_bool, opt_int, opt_list, opt_str
from widget_server.sandbox.render import list_response
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable

JSON = dict[str, Any]
routes = RouteTable()
_RANGE = ("gt", "gte", "lt", "lte")


def _event(req: ApiRequest, event_id: str) -> JSON:
    event = req.store.events.get(event_id)
    if event is None:
        raise missing("event", event_id)
    return event


@routes.get("/events/<event_id>")
def retrieve_event(req: ApiRequest, event_id: str) -> JSON:
    return dict(_event(req, event_id))


@routes.get("/events", "type", "types", "created", *PAGING)
def list_events(req: ApiRequest) -> JSON:
    params = req.params
    kind, kinds = opt_str(params, "type"), opt_list(params, "types")
    if kind and kinds:
        raise bad_request("You may only specify one of these parameters: type, types.",
                          param="types")
    created = params.get("created")
    rows = list(reversed(req.store.events.values()))
    if kind:
        prefix = kind.removesuffix("*")
        rows = [e for e in rows if (e["type"].startswith(prefix) if kind.endswith("*")
                                    else e["type"] == kind)]
    if kinds:
        rows = [e for e in rows if e["type"] in kinds]
    if isinstance(created, dict):
        bounds = {op: opt_int(created, op) for op in _RANGE if op in created}
        tests = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
                 "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
        rows = [e for e in rows if all(tests[op](e["created"], v) for op, v in bounds.items()
                                       if v is not None)]
    elif created is not None:
        exact = opt_int(params, "created")
        rows = [e for e in rows if e["created"] == exact]
    return list_response(req.store, "event", rows, params, "/v1/events")


def _endpoint(req: ApiRequest, endpoint_id: str) -> JSON:
    return req.store.require("webhook_endpoint", endpoint_id)


def _events_param(req: ApiRequest) -> list[str]:
    kinds = [str(k) for k in opt_list(req.params, "enabled_events") or []]
    if not kinds:
        raise bad_request("Missing required param: enabled_events.", param="enabled_events")
    return kinds


@routes.post("/webhook_endpoints", "url", "enabled_events", "description", "metadata")
def create_webhook_endpoint(req: ApiRequest) -> JSON:
    url = opt_str(req.params, "url") or ""
    if not url.startswith(("http://", "https://")):
        raise bad_request("Invalid URL: must be an http(s) URL.", param="url",
                          code="url_invalid")
    endpoint: JSON = {
        "id": req.store.new_id("we_", 24), "object": "webhook_endpoint",
        # null: events go out in the account's default version (the pinned one here); the
        # `api_version` parameter is not emulated, so it is refused by name
        "api_version": None, "application": None, "created": req.now,
        "description": opt_str(req.params, "description"),
        "enabled_events": _events_param(req), "livemode": False, "metadata": {},
        "secret": "whsec_" + secrets.token_hex(16), "status": "enabled", "url": url,
    }
    apply_metadata(endpoint, req.params.get("metadata"))
    req.store.insert("webhook_endpoint", endpoint)
    return {k: v for k, v in endpoint.items() if not k.startswith("_")}


def _public(endpoint: JSON) -> JSON:
    """The secret is shown once, on create (Stripe hides it afterwards)."""
    return {k: v for k, v in endpoint.items() if not k.startswith("_") and k != "secret"}


@routes.get("/webhook_endpoints/<endpoint_id>")
def retrieve_webhook_endpoint(req: ApiRequest, endpoint_id: str) -> JSON:
    return _public(_endpoint(req, endpoint_id))


@routes.get("/webhook_endpoints", *PAGING)
def list_webhook_endpoints(req: ApiRequest) -> JSON:
    page = list_response(req.store, "webhook_endpoint",
                         req.store.newest_first("webhook_endpoint"), req.params,
                         "/v1/webhook_endpoints")
    page["data"] = [_public(e) for e in page["data"]]
    return page


@routes.post("/webhook_endpoints/<endpoint_id>", "url", "enabled_events", "description",
             "metadata", "disabled")
def update_webhook_endpoint(req: ApiRequest, endpoint_id: str) -> JSON:
    endpoint = _endpoint(req, endpoint_id)
    if "url" in req.params:
        endpoint["url"] = opt_str(req.params, "url")
    if "enabled_events" in req.params:
        endpoint["enabled_events"] = _events_param(req)
    if "description" in req.params:
        endpoint["description"] = opt_str(req.params, "description") or None
    disabled = opt_bool(req.params, "disabled")
    if disabled is not None:
        endpoint["status"] = "disabled" if disabled else "enabled"
    apply_metadata(endpoint, req.params.get("metadata"))
    return _public(endpoint)


@routes.delete("/webhook_endpoints/<endpoint_id>")
def delete_webhook_endpoint(req: ApiRequest, endpoint_id: str) -> JSON:
    _endpoint(req, endpoint_id)
    del req.store.table("webhook_endpoint")[endpoint_id]
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
