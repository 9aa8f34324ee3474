"""CSRF protection for every dashboard POST: a random per-session token, compared in constant
time. The token is rotated at login, so a token seen before login is useless after it."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

from widget_server.dashboard import bp

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """The current session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def is_valid(candidate: object) -> bool:
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(candidate, str):
        return False
    return hmac.compare_digest(expected.encode("utf-8"), candidate.encode("utf-8"))


@bp.before_request
def _check_csrf() -> None:
    if request.method in _UNSAFE_METHODS and not is_valid(request.form.get(FORM_FIELD)):
        abort(400)


@bp.context_processor
def _inject_csrf() -> dict[str, object]:
    return {"csrf_token": csrf_token}
