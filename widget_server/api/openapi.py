"""``GET /v1/openapi.json``: the OpenAPI 3.1 document, generated (``contract.document``)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from widget_server.api import bp
from widget_server.contract.document import build_openapi

EXTENSION = "widget_server.openapi"


@bp.get("/v1/openapi.json")
def openapi_document() -> Response:
    server = request.url_root.rstrip("/")
    cache: dict[str, object] = current_app.extensions.setdefault(EXTENSION, {})
    if server not in cache:  # the app's routes and models do not change while it runs
        cache[server] = build_openapi(current_app._get_current_object(),  # type: ignore[attr-defined]
                                      server)
    response = jsonify(cache[server])
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
