"""Hosted portal (DESIGN §3.2): a one-time URL to a full-page portal, made server to server.

``POST /v1/portal_sessions`` (account API key) stores only the SHA-256 of a random one-time
code and returns ``{url, expires_at}``. ``GET /portal/session/<code>`` consumes the code once
(an atomic UPDATE, so two tabs cannot both use it) and renders the portal with a portal token
embedded in the page body: the token never lands in a URL, a cookie or a cache.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from flask import Response, current_app, g, jsonify, render_template, request
from sqlalchemy import select, update

from widget_server import audit
from widget_server.accounts import AccountService, secret_box
from widget_server.api import bp
from widget_server.api.flows import checked_flow
from widget_server.api.keyauth import api_key_use, per_api_key
from widget_server.contract.flows import MAX_RETURN_URL
from widget_server.contract.requests import PortalSessionRequest
from widget_server.contract.validation import validated
from widget_server.db import get_session
from widget_server.errors import ApiError, BadRequest, NotFound
from widget_server.i18n import _, negotiate_locale
from widget_server.identity import (
    identifier_fits_field,
    issue_portal_token,
)
from widget_server.limits import limit
from widget_server.models import Account, HostedSession, utcnow
from widget_server.portal.pages import render_error_page

_CUSTOMER_IDS_SEPARATOR = ","


def join_customer_ids(ids: list[str], limit: int = 255) -> str:
    """The ids for the HostedSession column: as many whole ids as fit, never a cut-off one."""
    kept: list[str] = []
    for customer_id in ids:
        if len(_CUSTOMER_IDS_SEPARATOR.join([*kept, customer_id])) > limit:
            break
        kept.append(customer_id)
    return _CUSTOMER_IDS_SEPARATOR.join(kept)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _api_account(service: AccountService) -> Account:
    return api_key_use().account  # 401 or 429 as on every key-authenticated endpoint


def return_url_origin(url: str) -> str | None:
    """The origin of an absolute http(s) URL, lowercased; None when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
        return None
    origin = f"{parts.scheme}://{parts.hostname}"
    if port is not None:
        origin += f":{port}"
    return origin.lower()


def _validated_return_url(account: Account, raw: object) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_RETURN_URL:
        raise BadRequest(_("return_url is required: the page to send the customer back to."),
                         param="return_url")
    origin = return_url_origin(raw)
    allowed = [o.lower() for o in account.allowed_origins or []]
    if origin is None or origin not in allowed:
        raise BadRequest(
            _("return_url must be on one of the account's allowed origins."),
            code="return_url_not_allowed", param="return_url",
        )
    return raw


@bp.post("/v1/portal_sessions")
@limit("RATELIMIT_API", key_func=per_api_key)
def create_portal_session() -> Response:
    """Create a one-time hosted portal URL for one customer (by id or email)."""
    service = AccountService(get_session(), secret_box())
    account = _api_account(service)
    # Persist last_used_at now: the audit rows below are written on their own connection,
    # which must not wait on this session's write lock (SQLite has one writer).
    service.session.commit()
    body = validated(PortalSessionRequest)
    given = [k for k in ("customer", "email") if getattr(body, k) not in (None, "")]
    if len(given) != 1:
        raise BadRequest(_("Send either customer (a Stripe customer id) or email."),
                         param="customer")
    kind = given[0]
    identifier = str(getattr(body, kind))
    field = "customer_id" if kind == "customer" else "email"
    if not identifier_fits_field(field, identifier):
        raise BadRequest(_("The email or customer id is not valid."), param=kind)
    return_url = _validated_return_url(account, body.return_url)
    locale = body.locale

    from widget_server.billing_web import billing_for

    gateway = billing_for(service.stripe_key(account))
    lookup = {field: identifier}
    customers = gateway.find_customers(**lookup)
    if not customers:
        audit.record(account, "api", identifier, "portal.hosted_session", account.public_id,
                     "refused", {"reason": "unknown_customer", "identifier_type": kind})
        raise NotFound(_("No customer matches this %(kind)s.", kind=kind),
                       code="customer_not_found", param=kind)

    settings = service.settings(account)
    try:
        flow = checked_flow(account, settings, gateway, [c.id for c in customers],
                            body.flow_data)
    except ApiError as error:
        audit.record(account, "api", identifier, "portal.hosted_session", account.public_id,
                     "refused", {"reason": error.code, "param": error.param})
        raise
    code = secrets.token_urlsafe(32)
    ttl = int(current_app.config["HOSTED_SESSION_TTL"])
    expires = utcnow() + timedelta(seconds=ttl)
    customer_ids = join_customer_ids([c.id for c in customers])
    session = get_session()
    session.add(HostedSession(
        account_id=account.id, code_hash=_code_hash(code), customer_id=customer_ids,
        return_url=return_url, locale=locale[:16] if locale else None, expires_at=expires,
        flow=flow.model_dump() if flow else None,
    ))
    session.commit()
    audit.record(account, "api", identifier, "portal.hosted_session", account.public_id, "ok",
                 {"identifier_type": kind, "customers": customer_ids.split(","),
                  "flow": flow.type if flow else None})
    base = str(current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")
    return jsonify(url=f"{base}/portal/session/{code}", expires_at=int(expires.timestamp()))


def _consume(code: str) -> HostedSession | None:
    """Mark the session used exactly once; None when unknown, used or expired."""
    session = get_session()
    now = utcnow()
    row = session.scalar(select(HostedSession).where(HostedSession.code_hash == _code_hash(code)))
    if row is None or row.used_at is not None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        return None
    claimed = session.execute(
        update(HostedSession)
        .where(HostedSession.id == row.id, HostedSession.used_at.is_(None))
        .values(used_at=now)
    )
    session.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return None  # another request used it first
    return row


def _private(response: Response, status: int = 200) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/portal/session/<code>")
def hosted_portal_page(code: str) -> Response:
    """Exchange the one-time code and render the full-page portal (``portal/hosted.html``)."""
    row = _consume(code) if len(code) <= 100 else None
    session = get_session()
    account = session.get(Account, row.account_id) if row else None
    if row is None or account is None:
        g.locale = negotiate_locale(explicit=None,
                                    accept_language=request.accept_languages,
                                    account_default=current_app.config["DEFAULT_LOCALE"])
        page = render_error_page(
            410, _("This link has expired"),
            _("Billing links work once and only for a few minutes. Go back to the website and "
              "open its billing page again to get a new link."))
        return _private(page, 410)

    settings = AccountService(session, secret_box()).settings(account)
    locale = negotiate_locale(
        explicit=row.locale,
        accept_language=request.accept_languages,
        account_default=settings["locale"],
        auto_detect=settings["auto_detect_locale"],
    )
    g.locale = locale
    g.custom_strings = settings["custom_strings"].get(locale, {})
    token, expires_at = issue_portal_token(
        current_app.config["SECRET_KEY"],
        account_id=account.public_id,
        customer_ids=row.customer_id.split(_CUSTOMER_IDS_SEPARATOR),
        mode="hosted",
        ttl_seconds=int(current_app.config["PORTAL_TOKEN_TTL"]),
        locale=locale,
    )
    audit.record(account, "customer", row.customer_id, "portal.hosted_open", account.public_id,
                 "ok", {"mode": "hosted"})
    html = render_template(
        "portal/hosted.html", token=token, locale=locale, return_url=row.return_url,
        account=account, logo_url=settings.get("logo_url") or "",
        api_base=request.url_root.rstrip("/"), expires_at=expires_at, flow=row.flow,
    )
    return _private(Response(html, mimetype="text/html"))
