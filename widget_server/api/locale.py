"""The language of a ``/v1`` answer before anything else is known (DESIGN §9).

A request refused before its token or account is read (no token, a malformed body, a wrong
method, a rate limit) is answered in the language of its ``Accept-Language`` header; the portal
token's and the account's preferences take over once they are known (``portal.auth``).
"""

from __future__ import annotations

from flask import g, request

from widget_server.api import bp
from widget_server.i18n import negotiate_locale


def set_request_locale() -> None:
    if request.path.startswith("/v1/") and not g.get("locale"):
        g.locale = negotiate_locale(explicit=None,
                                    accept_language=request.headers.get("Accept-Language"))


bp.before_app_request(set_request_locale)
