"""``POST /v1/embed/session``: trade an identity hash for a portal token; and the loader script.

The order of work is the security model (DESIGN §5): parse, rate-limit, read the account row
(needed for its secret), check origin, identifier kind and hash — and only then ask Stripe for
the customer. A bad hash, an unknown account and an unknown customer get the same public
answer; the precise reason is logged, audited, and shown to the owner only for a test-mode
account with ``debug`` on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, g, jsonify, request

from widget_server import audit, legacy
from widget_server.accounts import AccountService, secret_box
from widget_server.api import bp
from widget_server.api.flows import checked_flow
from widget_server.assets.loader import LoaderFile
from widget_server.assets.serve import IMMUTABLE, encoded_response, loader_versions
from widget_server.contract.flows import FlowData
from widget_server.contract.requests import EmbedSessionRequest
from widget_server.contract.validation import validated
from widget_server.db import get_session
from widget_server.errors import ApiError, BadRequest, NotFound, Unauthorized
from widget_server.i18n import _, negotiate_locale
from widget_server.identity import (
    IdentityVerdict,
    check_identity,
    describe_malformed_hash,
    hash_required,
    identifier_fits_field,
    issue_portal_token,
)
from widget_server.limits import RateLimited, Throttle, limit, private_key
from widget_server.models import Account
from widget_server.portal.embed_headers import (
    account_origins,
    apply_embed_headers,
    normalize_request_origin,
    origin_allowed,
)

log = logging.getLogger(__name__)

# There is deliberately no limit per account: anyone could fill it from many addresses and lock
# every user of the account out. Failures are counted per IP and per (account, identifier).

bp.after_app_request(apply_embed_headers)


class IdentityRejected(Unauthorized):
    """The one public answer for every identity failure; `debug` only for test+debug."""

    code = "identity_rejected"

    def __init__(self, message: str, *, debug: str | None = None) -> None:
        super().__init__(message)
        self.debug = debug

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.debug:
            body["error"]["debug"] = self.debug
        return body


@dataclass(frozen=True)
class SessionRequest:
    account: str
    kind: str  # "email" | "customer_id"
    identifier: str
    hash: object
    locale: str | None
    browser_locales: list[str] = field(default_factory=list)
    flow_data: FlowData | None = None


def _session_request() -> SessionRequest:
    body = validated(EmbedSessionRequest)
    given = [k for k in ("email", "customer_id") if getattr(body, k) not in (None, "")]
    if len(given) != 1:
        raise BadRequest(_("Send either an email or a customer id."), param="email")
    kind = given[0]
    return SessionRequest(
        account=body.account,
        kind=kind,
        identifier=str(getattr(body, kind)),
        hash=body.hash,
        locale=body.locale,
        browser_locales=list(body.browser_locales or ()),
        flow_data=body.flow_data,
    )


def _throttles() -> tuple[Throttle, Throttle]:
    """(failures per identity, verified per identity): counted inside the view, where the
    identity is known; the per-IP limits are the view's ``limit`` decorators."""
    config = current_app.config
    return (Throttle("identity-fail-id", config["RATELIMIT_IDENTITY_FAILURES"]),
            Throttle("identity-ok-id", config["RATELIMIT_IDENTITY_VERIFIED"]))


def _identity_failed(_response: Response) -> bool:
    """Count this request against the IP's failure limit (set by ``_reject``)."""
    return bool(g.get("identity_failed"))


def _too_many(throttle: Throttle, *keys: str) -> RateLimited:
    return RateLimited(_("Too many attempts. Please wait a minute and try again."),
                       retry_after=throttle.retry_after(*keys))


def _identity_key(req: SessionRequest) -> str:
    return private_key(f"{req.account}\n{req.kind}\n{req.identifier}")


def _public_locale(req: SessionRequest) -> str:
    """The language of the answer, chosen without the account so it cannot reveal one."""
    return negotiate_locale(
        explicit=req.locale,
        browser=req.browser_locales,
        accept_language=request.accept_languages,
        account_default=current_app.config["DEFAULT_LOCALE"],
    )


def _reject(
    account: Account | None, req: SessionRequest, reason: str, explanation: str, *, debug: bool
) -> ApiError:
    """Count the failure, log and audit the precise reason; return the public error to raise.

    Once an identity's failures are used up, further failures answer 429 and write no audit
    row (so nobody can flood the log); a correct hash for it still works, so an attacker cannot
    lock its real user out (DESIGN §5).
    """
    per_identity, _ok = _throttles()
    g.identity_failed = True
    if not per_identity.hit(_identity_key(req)):
        return _too_many(per_identity, _identity_key(req))
    origin = request.headers.get("Origin", "")
    log.warning("embed session refused (%s): %s [origin %s]", reason, explanation, origin or "-")
    audit.record(
        account,
        "customer",
        req.identifier,
        "portal.session",
        req.account,
        "refused",
        {"reason": reason, "identifier_type": req.kind, "origin": origin, "mode": "embed"},
    )
    return IdentityRejected(
        _("We couldn't verify your identity, so the billing portal can't be shown. "
          "Please sign in again or contact support."),
        debug=explanation if debug else None,
    )


def _identifier_accepted(identify_by: str, kind: str) -> bool:
    return identify_by == "both" or identify_by == kind


@bp.post("/v1/embed/session")
@limit("RATELIMIT_SESSION", methods=("POST",))  # a CORS preflight is not an attempt
@limit("RATELIMIT_IDENTITY_FAILURES_IP", methods=("POST",), deduct_when=_identity_failed)
def create_embed_session() -> Response:
    """Verify the identity hash and return a short-lived portal token."""
    _per_identity, verified = _throttles()
    req = _session_request()
    g.locale = _public_locale(req)

    service = AccountService(get_session(), secret_box())
    # An id imported from Servicebot or Billflow names its account too (docs/install.md).
    account = service.get(req.account) or legacy.account_for_alias(get_session(), req.account)
    if account is None:
        check_identity([], req.identifier, req.hash)  # same work as a known account
        raise _reject(None, req, "unknown_account",
                      f"there is no account {req.account!r}", debug=False)

    settings = service.settings(account)
    debug = not account.live_mode and bool(settings["debug"])
    g.cors_origins = account_origins(account)
    g.cors_any_origin = debug  # let the owner's test page read why it was refused
    where = f"for account {account.public_id}"

    origin = normalize_request_origin(request.headers.get("Origin"))
    if not origin_allowed(origin, account):
        raise _reject(account, req, "origin_not_allowed",
                      f"the page's origin {origin!r} is not an allowed origin {where}; "
                      "add it to the account's allowed origins", debug=debug)
    if not _identifier_accepted(settings["identify_by"], req.kind):
        wanted = "a customer id (customer_id)" if req.kind == "email" else "an email"
        raise _reject(account, req, "identifier_not_accepted",
                      f"this account identifies users by {wanted}, but {req.kind} was sent",
                      debug=debug)
    if not identifier_fits_field(req.kind, req.identifier):
        shape = "an email (with an @)" if req.kind == "email" else "a customer id (cus_…)"
        raise _reject(account, req, "identifier_wrong_field",
                      f"the {req.kind} field must hold {shape}; a hash is valid only for the "
                      "field it was computed for", debug=debug)
    if hash_required(live_mode=account.live_mode, require_hash_setting=settings["require_hash"]) \
            or req.hash is not None:
        verdict = check_identity(service.identity_secrets(account), req.identifier, req.hash)
        if verdict is IdentityVerdict.MALFORMED_HASH:
            raise _reject(account, req, "malformed_hash",
                          f"{describe_malformed_hash(req.hash)} ({where})", debug=debug)
        if not verdict.ok:
            raise _reject(account, req, "hash_mismatch",
                          f"the hash did not match the identifier {req.identifier!r} {where}: "
                          "hash exactly this string (UTF-8, no trimming or lowercasing) with "
                          "this account's current secret, HMAC-SHA256, lowercase hex",
                          debug=debug)
        if verdict is IdentityVerdict.PREVIOUS_SECRET:
            log.info("account %s: identity verified with the previous secret (rotation overlap)",
                     account.public_id)

    # Verified (or a test account without hashes): bound what one identity can cost in Stripe
    # calls. Only a holder of this identity's hash can fill this counter.
    if not verified.hit(_identity_key(req)):
        raise _too_many(verified, _identity_key(req))

    from widget_server.billing_web import billing_for

    gateway = billing_for(service.stripe_key(account))
    lookup = {req.kind: req.identifier}
    customers = gateway.find_customers(**lookup)
    if not customers:
        noun = "email" if req.kind == "email" else "customer id"
        raise _reject(account, req, "unknown_customer",
                      f"no Stripe customer has the {noun} {req.identifier!r} {where} "
                      f"({'live' if account.live_mode else 'test'} mode)", debug=debug)

    locale = negotiate_locale(
        explicit=req.locale,
        browser=req.browser_locales,
        accept_language=request.accept_languages,
        account_default=settings["locale"],
        auto_detect=settings["auto_detect_locale"],
    )
    customer_ids = [c.id for c in customers]
    flow = checked_flow(account, settings, gateway, customer_ids, req.flow_data)
    token, expires_at = issue_portal_token(
        current_app.config["SECRET_KEY"],
        account_id=account.public_id,
        customer_ids=customer_ids,
        mode="embed",
        ttl_seconds=int(current_app.config["PORTAL_TOKEN_TTL"]),
        locale=locale,
    )
    audit.record(account, "customer", req.identifier, "portal.session", account.public_id, "ok",
                 {"identifier_type": req.kind, "customers": customer_ids,
                  "origin": origin or "", "mode": "embed", "flow": flow.type if flow else None})
    extra = {"flow": flow.model_dump()} if flow else {}
    return jsonify(token=token, expires_at=expires_at, locale=locale, **extra)


# --- the loader ----------------------------------------------------------------------------

# The plain URL serves whatever loader is current, so browsers revalidate it within the hour;
# a content-addressed URL never changes its bytes, so it is cached for a year.
LOADER_CACHE = "public, max-age=3600"


def _send_loader(loader: LoaderFile, cache_control: str) -> Response:
    response = encoded_response(loader.encoded, mimetype="text/javascript",
                                digest=loader.digest, cache_control=cache_control)
    # Any page may load it; SRI (integrity + crossorigin="anonymous") needs a CORS response.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed/v1/portal.js")
def loader_script() -> Response:
    return _send_loader(loader_versions().current, LOADER_CACHE)


@bp.get("/embed/v1/portal.<digest>.js")
def loader_version(digest: str) -> Response:
    """One loader version by its content hash (the URL an SRI pin names); every released
    version stays here (widget_server/assets/loader.py)."""
    loader = loader_versions().find(digest)
    if loader is None:  # the one JSON error shape: a script tag shows nothing anyway
        raise NotFound(_("This item could not be found."))
    return _send_loader(loader, IMMUTABLE)


@bp.get("/embed/v1/portal.js.sri")
def loader_integrity() -> Response:
    """The current loader's content-addressed URL and SRI hash, for the dashboard and docs."""
    loader = loader_versions().current
    url = request.url_root + "embed/v1/" + loader.hashed_name
    response = jsonify(integrity=loader.integrity, url=url)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response
