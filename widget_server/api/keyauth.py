"""The account API key of a request (``Authorization: Bearer wsk_…``) and its rate-limit key."""

from __future__ import annotations

from flask import current_app, g
from flask_limiter.util import get_remote_address

from widget_server import api_keys
from widget_server.bearer import bearer_token
from widget_server.db import get_session
from widget_server.errors import Unauthorized
from widget_server.i18n import _
from widget_server.limits import RateLimited, Throttle, private_key


def api_key_use() -> api_keys.KeyUse:
    """The accepted key of this request; 401 ``invalid_api_key`` for a missing, unknown or
    revoked one (one answer for all three: a revoked key says nothing more than a made-up one).

    Refused keys count per client address (``RATELIMIT_DEFAULT``, over every key-authenticated
    endpoint): each made-up key has its own ``per_api_key`` bucket, so guesses are limited here.
    """
    failures = Throttle("api-key-fail-ip", str(current_app.config["RATELIMIT_DEFAULT"]))
    address = get_remote_address()
    if failures.exhausted(address):
        raise RateLimited(_("Too many attempts. Please wait a minute and try again."),
                          retry_after=failures.retry_after(address))
    found = api_keys.authenticate(get_session(), bearer_token())
    if found is None:
        failures.hit(address)
        raise Unauthorized(
            _("Send the account's API key as 'Authorization: Bearer wsk_…'."),
            code="invalid_api_key",
        )
    g.api_key_use = found
    return found


def per_api_key() -> str:
    """Rate-limit key: the presented key (hashed), or the client address without one."""
    key = bearer_token()
    return "key:" + private_key(key) if key else "ip:" + get_remote_address()

