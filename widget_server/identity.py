"""Identity proofs: the HMAC an owner's backend computes, and the portal tokens we issue.

Pure functions and small classes, no Flask: the web layer calls these.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

_HEX_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")


def compute_identity_hash(secret: str, identifier: str) -> str:
    """Return lowercase hex HMAC-SHA256 of the identifier's UTF-8 bytes, keyed by the secret."""
    return hmac.new(secret.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def is_well_formed_hash(candidate: str) -> bool:
    """A hash is 64 lowercase hex characters; anything else is rejected before comparing."""
    return bool(_HEX_SHA256.match(candidate))


def verify_identity_hash(secret: str, identifier: str, candidate: str) -> bool:
    """Constant-time check that `candidate` is the identity hash of `identifier` under `secret`."""
    if not is_well_formed_hash(candidate):
        return False
    return hmac.compare_digest(compute_identity_hash(secret, identifier), candidate)


# --- portal tokens -------------------------------------------------------------------------

_TOKEN_SALT = "widget-server.portal-token.v1"


class InvalidPortalToken(Exception):
    """The token is malformed, forged, expired, or bound to something else."""


@dataclass(frozen=True)
class PortalToken:
    """What a portal token proves: this browser may act for these customers of this account."""

    account_id: str
    customer_ids: tuple[str, ...]
    mode: str  # "embed" | "hosted"
    locale: str | None
    expires_at: int


def issue_portal_token(
    secret_key: str,
    *,
    account_id: str,
    customer_ids: tuple[str, ...] | list[str],
    mode: str,
    ttl_seconds: int,
    locale: str | None = None,
    now: float | None = None,
) -> tuple[str, int]:
    """Sign a short-lived token bound to account, customers and mode; returns (token, expiry)."""
    issued = int(time.time() if now is None else now)
    expires_at = issued + ttl_seconds
    payload = {"a": account_id, "c": list(customer_ids), "m": mode, "l": locale, "e": expires_at}
    serializer = URLSafeSerializer(secret_key, salt=_TOKEN_SALT)
    return str(serializer.dumps(payload)), expires_at


def read_portal_token(secret_key: str, token: str, *, now: float | None = None) -> PortalToken:
    """Verify signature and expiry; raise InvalidPortalToken otherwise."""
    serializer = URLSafeSerializer(secret_key, salt=_TOKEN_SALT)
    try:
        payload = serializer.loads(token)
    except BadSignature:
        raise InvalidPortalToken("bad signature") from None
    try:
        parsed = PortalToken(
            account_id=str(payload["a"]),
            customer_ids=tuple(str(c) for c in payload["c"]),
            mode=str(payload["m"]),
            locale=payload.get("l"),
            expires_at=int(payload["e"]),
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidPortalToken("malformed payload") from None
    if (time.time() if now is None else now) >= parsed.expires_at:
        raise InvalidPortalToken("expired")
    if not parsed.customer_ids:
        raise InvalidPortalToken("no customer")
    return parsed
