"""Front-end delivery: the pages' bundles at content-addressed, immutable URLs, precompressed
(``build``, ``serve``); the embed loader's versions (``loader``); and compression of the other
responses (JSON, HTML) with Flask-Compress.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_compress import Compress

from widget_server.assets.serve import asset_url, assets, bp

EXTENSION_COMPRESS = "widget_server.compress"


def _compress_dynamic(response: Response) -> Response:
    """Compress what Flask-Compress may compress, except the dashboard's pages: they carry a
    CSRF token and are cookie-authenticated, which compression would expose to BREACH. Portal
    responses answer a Bearer token (no ambient credential), so they are compressed."""
    if request.path.startswith("/dashboard") and response.mimetype == "text/html":
        return response
    compress: Compress = current_app.extensions[EXTENSION_COMPRESS]
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Call early in create_app: after_request hooks run last-registered first, so compression
    registered first runs after every hook that reads or writes the body."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)  # fast enough per response; assets use 11
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.extensions[EXTENSION_COMPRESS] = Compress(app)
    app.after_request(_compress_dynamic)
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
    if app.config.get("ENV") == "production":
        assets(app)  # build now (~0.25 s per process), not during a visitor's first request
