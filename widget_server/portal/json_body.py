"""The portal's JSON bodies, encoded with orjson.

``flask.jsonify`` encodes with the standard library's ``json`` (pure Python glue around a C
encoder, escaping every non-ASCII character): for a customer with 50 subscriptions that is about
a tenth of the view's CPU. orjson (already used to parse Stripe's answers) writes the same JSON
value, as UTF-8, several times faster. Anything orjson refuses (a key that is not a string, an
integer past 64 bits) falls back to ``jsonify``.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, jsonify


def json_response(payload: Any) -> Response:
    try:
        body = orjson.dumps(payload)
    except TypeError:
        return jsonify(payload)
    response: Response = current_app.response_class(body, mimetype="application/json")
    return response


def private_json(payload: Any) -> Response:
    """``json_response`` for one customer's data: no cache may keep it."""
    response = json_response(payload)
    response.headers["Cache-Control"] = "no-store"
    return response
