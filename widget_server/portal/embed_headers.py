"""Cross-origin rules of the embedded portal: CORS for the JSON API, CSP for the frame page.

Both depend on the account, because each account lists its own allowed origins:

* ``POST /v1/embed/session`` learns the account from its body (the view puts the origins on
  ``g.cors_origins``); ``/v1/portal`` and ``/v1/portal/…`` learn it from the Bearer token.
  A preflight carries neither, so it is answered for any origin some account allows; the
  browser still checks the real response, which only names the account's own origins.
* ``/portal/frame?account=acct_…`` is framed only by the account's origins (and the service
  itself, for the dashboard's live preview): ``Content-Security-Policy: frame-ancestors``.

Everything else keeps ``frame-ancestors 'none'`` and no CORS headers.

Not flask-cors: its allowed origins are fixed patterns given at start-up, matched before the
view runs, while ours are per account and known only from the body or the Bearer token (and a
preflight must be answered from every account's list). A dynamic origin list in flask-cors
would need a pattern object that queries the database inside its matcher; one after-request
hook is smaller and says what it does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Response, current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from widget_server import legacy
from widget_server.bearer import bearer_token
from widget_server.db import get_session
from widget_server.identity import InvalidPortalToken, read_portal_token
from widget_server.models import Account

FRAME_PATH = "/portal/frame"
SESSION_PATH = "/v1/embed/session"
PORTAL_PATH = "/v1/portal"
ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept-Language"
PREFLIGHT_MAX_AGE = "600"
_FRAME_ANCESTORS = re.compile(r"(?:^|;)\s*frame-ancestors\b[^;]*", re.IGNORECASE)


def normalize_request_origin(raw: str | None) -> str | None:
    """The Origin header, lowercased and without a trailing slash; None when absent/opaque."""
    if not raw or raw == "null":
        return None
    return raw.strip().rstrip("/").lower()


def service_origin() -> str:
    """The origin this service is reached at (PUBLIC_URL when set, else the request's)."""
    public = current_app.config.get("PUBLIC_URL")
    base = str(public) if public else request.host_url
    match = re.match(r"\A(https?://[^/]+)", base)
    return (match.group(1) if match else base).rstrip("/").lower()


def account_origins(account: Account | None) -> list[str]:
    """The origins an account allows (normalized when they were saved)."""
    if account is None:
        return []
    return [o.lower().rstrip("/") for o in account.allowed_origins or []]


def origin_allowed(origin: str | None, account: Account | None) -> bool:
    """A request without an Origin (server to server) or from the service itself is fine."""
    if origin is None:
        return True
    return origin == service_origin() or origin in account_origins(account)


def frame_ancestors_header(account: Account | None) -> str:
    """The ``Content-Security-Policy`` value for the portal frame page of `account`."""
    origins = account_origins(account)
    if account is None:
        return "frame-ancestors 'none'"
    return " ".join(["frame-ancestors", "'self'", *origins])


def with_frame_ancestors(policy: str | None, directive: str) -> str:
    """Replace (or add) the frame-ancestors directive of a CSP, keeping the other directives."""
    if not policy:
        return directive
    kept = [part.strip() for part in _FRAME_ANCESTORS.sub("", policy).split(";") if part.strip()]
    return "; ".join([*kept, directive])


def _all_allowed_origins() -> set[str]:
    """Every origin some account allows: the answer to a preflight, which has no account."""
    cached: set[str] | None = g.get("_all_allowed_origins")
    if cached is None:
        rows: Iterable[list[str] | None] = get_session().scalars(select(Account.allowed_origins))
        cached = {o.lower().rstrip("/") for row in rows for o in row or []}
        g._all_allowed_origins = cached
    return cached


def _portal_token_origins() -> list[str] | None:
    """The allowed origins of the account in the request's Bearer token (None: no account)."""
    context = g.get("portal_context")
    if context is not None:
        return account_origins(context.account)
    raw = bearer_token()
    if raw is None:
        return None
    try:
        token = read_portal_token(current_app.config["SECRET_KEY"], raw)
    except InvalidPortalToken:
        return None
    account = get_session().scalar(select(Account).where(Account.public_id == token.account_id))
    return None if account is None else account_origins(account)


def is_cors_path(path: str) -> bool:
    # /v1/portal_sessions is server to server (API key): never callable from a browser.
    return path in {SESSION_PATH, PORTAL_PATH} or path.startswith(PORTAL_PATH + "/")


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _cors_origins(response: Response) -> set[str]:
    if _is_preflight():
        return _all_allowed_origins()
    chosen: list[str] | None = g.get("cors_origins")
    if chosen is None and request.path != SESSION_PATH:
        chosen = _portal_token_origins()
    if chosen is None:
        # No account known: only an error can be answered, and it carries no data.
        return _all_allowed_origins() if response.status_code >= 400 else set()
    return set(chosen)


def apply_cors(response: Response) -> Response:
    """Add CORS headers for an allowed origin on the session and portal endpoints."""
    if not is_cors_path(request.path):
        return response
    response.vary.add("Origin")
    origin = normalize_request_origin(request.headers.get("Origin"))
    if origin is None:
        return response
    allowed = _cors_origins(response)
    if origin not in allowed and not (g.get("cors_any_origin") and response.status_code >= 400):
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = origin
    if _is_preflight():
        headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    else:
        headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def apply_frame_ancestors(response: Response) -> Response:
    """The frame page may be framed by the account's origins only."""
    if request.path != FRAME_PATH:
        return response
    account_id = request.args.get("account", "")
    account = legacy.find_account(get_session(), account_id)
    response.headers["Content-Security-Policy"] = with_frame_ancestors(
        response.headers.get("Content-Security-Policy"), frame_ancestors_header(account)
    )
    return response


def apply_embed_headers(response: Response) -> Response:
    """One after-request hook for both rules (registered app-wide by the api blueprint).

    When the database cannot be read (it is down: the response is already the 503), nothing is
    allowed: no CORS header, and the app-wide ``frame-ancestors 'none'`` stays.
    """
    try:
        return apply_frame_ancestors(apply_cors(response))
    except SQLAlchemyError:
        get_session().rollback()
        return response
