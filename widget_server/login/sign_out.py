"""Signing out of the profile page (``POST /profile/sign_out``).

The signed-in profile carries a signed proof of the email in its forms (``profile-in``). The
proof is bound to this browser's cookie of the page (``forms.COOKIE``, path ``/profile``): it
names a keyed hash of the cookie's value, and "Manage" refuses a proof whose hash is not the
one of the cookie sent. Signing out deletes that cookie, so the page left open (or restored by
the Back button), and any copy of its proof, can no longer open a portal: signing in again
takes a new code.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from flask import Response, current_app, g, request

from widget_server.i18n import _
from widget_server.limits import limit
from widget_server.login import forms
from widget_server.login.blueprint import bp
from widget_server.login.pages import not_available, unavailable, use_locale

PATH = "/profile"


def session_binding() -> str:
    """A keyed hash of the page's cookie sent with this request ("" without one): what a
    signed-in proof is bound to."""
    sent = request.cookies.get(forms.COOKIE, "")
    if not sent:
        return ""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"profile-session\x1f{sent}".encode(), hashlib.sha256).hexdigest()[:32]


def bound_to_this_browser(proof: dict[str, object]) -> bool:
    """Whether a signed-in proof was issued to the cookie this request sent."""
    binding = session_binding()
    bound = proof.get("c")
    return bool(binding) and isinstance(bound, str) and hmac.compare_digest(bound, binding)


@bp.post(f"{PATH}/sign_out")
@limit("RATELIMIT_LOGIN_CODE_IP")
def profile_sign_out() -> Response:
    """Delete the page's cookie (ending the signed-in page), then show the sign-in form."""
    from widget_server.features import defaults as default_settings
    from widget_server.login.availability import profile_enabled

    locale = use_locale(default_settings())
    if not profile_enabled(current_app.config):
        return not_available()
    if not forms.csrf_ok():
        return unavailable(400, _("You are still signed in"), _(
            "This form expired or did not come from this page, so nothing was sent. Please "
            "try again."))
    response = Response(status=303)
    response.headers["Location"] = f"{PATH}?{urlencode({'locale': locale, 'signed_out': 1})}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.delete_cookie(forms.COOKIE, path=PATH, httponly=True, samesite="Lax",
                           secure=request.is_secure)
    g.login_csrf_new = False  # nothing may set the cookie again on this response
    return response


def signed_out_notice() -> str | None:
    """The sign-in form's notice after a sign-out (``?signed_out=1``)."""
    return _("You are signed out.") if request.args.get("signed_out") == "1" else None
