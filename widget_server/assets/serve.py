"""Serve built files: content-addressed URLs cached for a year, the encoding the browser accepts
(brotli, then gzip, else the plain bytes), ``Vary: Accept-Encoding`` and a strong ETag per
encoding."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for

from widget_server.assets.build import Asset, build_all, source_stamp
from widget_server.assets.loader import LoaderVersions, read_versions

IMMUTABLE = "public, max-age=31536000, immutable"
EXTENSION = "widget_server.assets"
EXTENSION_LOADER = "widget_server.loader"
ENCODINGS = ("br", "gzip")  # in order of preference at equal quality

bp = Blueprint("assets", __name__)


def choose_encoding() -> str:
    """The best of br, gzip and identity that the request accepts (q=0 refuses)."""
    accepted = request.accept_encodings
    best, best_quality = "identity", 0.0
    for encoding in ENCODINGS:
        quality = accepted.quality(encoding)
        if quality > best_quality:
            best, best_quality = encoding, quality
    return best


def encoded_response(variants: Callable[[str], bytes], *, mimetype: str, digest: str,
                     cache_control: str) -> Response:
    """`variants(encoding)` gives the bytes of one encoding; the request picks which."""
    encoding = choose_encoding()
    response = Response(variants(encoding), mimetype=mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"{digest}-{encoding}")  # one strong validator per representation
    response.headers["Cache-Control"] = cache_control
    response.make_conditional(request)
    return response


def send_asset(asset: Asset, cache_control: str) -> Response:
    response = encoded_response(asset.encoded, mimetype=asset.mimetype, digest=asset.digest,
                                cache_control=cache_control)
    # Public files: the loader's inline mode loads the app and its stylesheet into host pages.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@lru_cache(maxsize=4)
def _built(static_folder: str, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, Asset]:
    del stamp  # part of the cache key only: a changed source rebuilds
    return build_all(Path(static_folder))


def assets(app: Flask | None = None) -> dict[str, Asset]:
    """Every bundle by name, built once per process (again when a source changes in debug)."""
    app = app or current_app
    cached: dict[str, Asset] | None = app.extensions.get(EXTENSION)
    if cached is None or app.debug:
        folder = str(app.static_folder)
        cached = _built(folder, source_stamp(Path(folder)))
        app.extensions[EXTENSION] = cached
    return cached


def loader_versions() -> LoaderVersions:
    """The embed loader's versions, read once per process (a new release is a new process)."""
    cached: LoaderVersions | None = current_app.extensions.get(EXTENSION_LOADER)
    if cached is None or current_app.debug:
        cached = read_versions()
        current_app.extensions[EXTENSION_LOADER] = cached
    return cached


def asset_url(name: str) -> str:
    """The content-addressed URL of a bundle (templates: ``{{ asset_url("portal.css") }}``)."""
    return url_for("assets.hashed", filename=assets()[name].hashed_name)


@bp.get("/assets/<filename>")
def hashed(filename: str) -> Response:
    """A bundle by its content-addressed name; any other name (an old build's) is a 404."""
    for asset in assets().values():
        if asset.hashed_name == filename:
            return send_asset(asset, IMMUTABLE)
    abort(404)
