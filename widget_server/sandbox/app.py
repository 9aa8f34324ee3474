"""The sandbox's Flask app factory: /v1 API, control API, Stripe.js stand-in, invoice pages."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from widget_server.sandbox.api import build_api_blueprint, json_response, unknown_url_response
from widget_server.sandbox.challenge import build_challenge_blueprint
from widget_server.sandbox.control import TrafficMiddleware, build_control_blueprint
from widget_server.sandbox.pages import build_pages_blueprint
from widget_server.sandbox.seed import seed_store
from widget_server.sandbox.store import Store

_CORS_PREFIXES = ("/v1/", "/js/", "/_sandbox/setup_intents/")


def create_sandbox_app(seed: bool = False) -> Flask:
    """Build a sandbox with an empty store (or the demo data when `seed` is true)."""
    app = Flask(__name__)
    store = Store()
    app.extensions["sandbox"] = store
    app.register_blueprint(build_api_blueprint())
    app.register_blueprint(build_control_blueprint(seed_store))
    app.register_blueprint(build_pages_blueprint())
    app.register_blueprint(build_challenge_blueprint())

    @app.after_request
    def cors(response: Response) -> Response:
        if request.path.startswith(_CORS_PREFIXES):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, Idempotency-Key, Stripe-Version")
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
            response.headers["Access-Control-Expose-Headers"] = "Request-Id"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if request.path.startswith("/v1/") and error.code in (404, 405):
            return unknown_url_response()
        body = {"error": {"type": "invalid_request_error", "message": error.description or ""}}
        return json_response(body, error.code or 500)

    app.wsgi_app = TrafficMiddleware(app.wsgi_app, store)  # type: ignore[method-assign]
    if seed:
        with store.lock:
            seed_store(store)
    return app
