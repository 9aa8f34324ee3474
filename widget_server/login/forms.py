"""CSRF for the sign-in forms, and the signed proofs the pages carry between steps.

The pages are public and cookie-free otherwise, so CSRF is the double-submit pattern: a random
value in an HttpOnly, ``SameSite=Lax`` cookie scoped to the page's path, and its HMAC in each
form; a POST whose form value does not match its cookie is refused. Proofs (the email a code
was sent to; a profile sign-in) are itsdangerous signatures with a maximum age, bound to the
page, so one page's proof is worthless on another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "wsl_csrf"
_SALT = "widget-server.login.v1"


def _key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _cookie_value() -> str:
    """This browser's CSRF value: the cookie it sent, or a new one set on the response."""
    value = g.get("login_csrf")
    if value is None:
        sent = request.cookies.get(COOKIE, "")
        value = sent if 20 <= len(sent) <= 64 else secrets.token_urlsafe(24)
        g.login_csrf = value
        g.login_csrf_new = value != sent
    return str(value)


def csrf_token() -> str:
    """The form's token: the HMAC of the cookie value (templates: ``csrf_token()``)."""
    return hmac.new(_key().encode(), f"csrf\x1f{_cookie_value()}".encode(),
                    hashlib.sha256).hexdigest()


def csrf_ok() -> bool:
    sent = request.cookies.get(COOKIE, "")
    form = request.form.get("csrf_token", "")
    if not sent or not form:
        return False
    expected = hmac.new(_key().encode(), f"csrf\x1f{sent}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, form)


def with_cookie(response: Response, path: str) -> Response:
    """Set the CSRF cookie when this response created it."""
    if g.get("login_csrf_new"):
        response.set_cookie(COOKIE, str(g.login_csrf), path=path, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def sign(purpose: str, payload: dict[str, Any]) -> str:
    serializer = URLSafeTimedSerializer(_key(), salt=f"{_SALT}.{purpose}",
                                        signer_kwargs={"digest_method": hashlib.sha256})
    return str(serializer.dumps(payload))


def unsign(purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    serializer = URLSafeTimedSerializer(_key(), salt=f"{_SALT}.{purpose}",
                                        signer_kwargs={"digest_method": hashlib.sha256})
    if len(token) > 4096:
        return None
    try:
        found = serializer.loads(token, max_age=max_age)
    except BadSignature:
        return None
    return found if isinstance(found, dict) else None
