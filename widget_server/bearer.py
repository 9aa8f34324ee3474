"""The request's ``Authorization: Bearer …`` credential, parsed by werkzeug."""

from __future__ import annotations

from flask import request


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive);
    None when the header is absent, empty, or of another scheme."""
    credentials = request.authorization
    if credentials is None or credentials.type != "bearer" or not credentials.token:
        return None
    return credentials.token
