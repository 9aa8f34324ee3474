"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from widget_server import db
from widget_server.api import bp


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    if db.is_reachable(current_app._get_current_object()):  # type: ignore[attr-defined]
        return jsonify(status="ready", database="ok"), 200
    return jsonify(status="unavailable", database="unreachable"), 503
