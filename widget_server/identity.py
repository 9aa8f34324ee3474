"""Identity proofs: the HMAC an owner's backend computes, and the portal tokens we issue.

Pure functions and small classes, no Flask: the web layer calls these.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from itsdangerous import BadSignature, URLSafeSerializer

_HEX_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
# Stripe limits emails to 512 characters and customer ids are far shorter; anything longer
# is not an identifier we could ever find, so it is refused before any work is done.
MAX_IDENTIFIER_LENGTH = 512
# Used to spend the same HMAC work when there is no account, so timing does not tell an
# unknown account from a known one.
_DUMMY_SECRET = "widget-server.identity.no-such-account"
# The two identifier fields have disjoint shapes, so a hash signed for one can never be used as
# the other: a customer id is `cus_` + letters, digits, underscores; an email has an `@`.
_CUSTOMER_ID = re.compile(r"\Acus_[A-Za-z0-9_]{1,250}\Z")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def identifier_fits_field(kind: str, identifier: str) -> bool:
    """Whether `identifier` has the shape of its field (`email` or `customer_id`)."""
    if kind == "customer_id":
        return bool(_CUSTOMER_ID.match(identifier))
    if kind == "email":
        return "@" in identifier and not identifier.startswith("cus_")
    return False


def ascii_lower(text: str) -> str:
    """Lowercase A-Z only: no Unicode case mapping (``"K"`` stays, ``"ß"`` stays)."""
    return text.translate(_ASCII_LOWER)


def same_email(stored: str | None, signed: str) -> bool:
    """Stripe's stored email equals the signed one, ASCII letters compared case-insensitively.

    No trimming and no Unicode folding: ``casefold`` maps ``"ß"`` to ``"ss"`` and the Kelvin
    sign to ``"k"``, so a hash of one address would open another customer.
    """
    return stored is not None and ascii_lower(stored) == ascii_lower(signed)


def compute_identity_hash(secret: str, identifier: str) -> str:
    """Return lowercase hex HMAC-SHA256 of the identifier's UTF-8 bytes, keyed by the secret."""
    return hmac.new(secret.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def is_well_formed_hash(candidate: str) -> bool:
    """A hash is 64 lowercase hex characters; anything else is rejected before comparing."""
    return isinstance(candidate, str) and bool(_HEX_SHA256.match(candidate))


def verify_identity_hash(secret: str, identifier: str, candidate: str) -> bool:
    """Constant-time check that `candidate` is the identity hash of `identifier` under `secret`."""
    if not is_well_formed_hash(candidate):
        return False
    return hmac.compare_digest(compute_identity_hash(secret, identifier), candidate)


class IdentityVerdict(Enum):
    """The outcome of checking an identity hash, precise enough to explain to the owner."""

    CURRENT_SECRET = "current_secret"
    PREVIOUS_SECRET = "previous_secret"  # still inside the rotation overlap window
    MALFORMED_HASH = "malformed_hash"
    MISMATCH = "mismatch"

    @property
    def ok(self) -> bool:
        return self in {IdentityVerdict.CURRENT_SECRET, IdentityVerdict.PREVIOUS_SECRET}


def check_identity(secrets: Sequence[str], identifier: str, candidate: object) -> IdentityVerdict:
    """Check `candidate` against every usable secret (current first, then the previous one).

    `secrets` is what ``AccountService.identity_secrets`` returns: the previous secret is only
    in it while its overlap window lasts, so rotation ends by itself. Every secret is compared
    (no early exit) so the time taken does not depend on which one matched. The identifier is
    used byte-exact: no trimming, no case folding, no Unicode normalisation.
    """
    if not isinstance(candidate, str) or not is_well_formed_hash(candidate):
        return IdentityVerdict.MALFORMED_HASH
    matched: list[int] = []
    for index, secret in enumerate(secrets or [_DUMMY_SECRET]):
        if hmac.compare_digest(compute_identity_hash(secret, identifier), candidate) and secrets:
            matched.append(index)
    if not matched:
        return IdentityVerdict.MISMATCH
    return IdentityVerdict.CURRENT_SECRET if matched[0] == 0 else IdentityVerdict.PREVIOUS_SECRET


def describe_malformed_hash(candidate: object) -> str:
    """Say why a hash is not well formed, for the owner's debug output (never the value)."""
    if not isinstance(candidate, str) or not candidate:
        return "no hash was sent"
    if len(candidate) != 64:
        return f"the hash has {len(candidate)} characters; it must be 64 lowercase hex characters"
    if re.fullmatch(r"[0-9a-fA-F]{64}", candidate):
        return "the hash has uppercase letters; send the lowercase hex digest"
    return "the hash has characters other than 0-9 and a-f; send the hex digest, not base64"


def hash_required(*, live_mode: bool, require_hash_setting: bool) -> bool:
    """Live accounts always need the hash; test accounts may switch it off (DESIGN §4)."""
    return live_mode or require_hash_setting


# --- portal tokens -------------------------------------------------------------------------

_TOKEN_SALT = "widget-server.portal-token.v1"
TOKEN_MODES = ("embed", "hosted")


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
    issued_at_ms: int = 0  # 0: a token from before issue times were recorded


@functools.lru_cache(maxsize=8)  # per SECRET_KEY; itsdangerous derives the key on creation
def _serializer(secret_key: str) -> URLSafeSerializer:
    # HMAC-SHA256 rather than itsdangerous' SHA-1 default.
    return URLSafeSerializer(
        secret_key, salt=_TOKEN_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


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
    if mode not in TOKEN_MODES:
        raise ValueError(f"token mode must be one of {TOKEN_MODES}, not {mode!r}")
    if ttl_seconds <= 0:
        raise ValueError("a portal token needs a positive lifetime")
    if not account_id or not customer_ids or not all(customer_ids):
        raise ValueError("a portal token is bound to an account and at least one customer")
    moment = time.time() if now is None else now
    issued = int(moment)
    expires_at = issued + ttl_seconds
    payload = {"a": account_id, "c": list(customer_ids), "m": mode, "l": locale, "e": expires_at,
               "i": int(moment * 1000)}
    return str(_serializer(secret_key).dumps(payload)), expires_at


def read_portal_token(
    secret_key: str,
    token: str,
    *,
    now: float | None = None,
    account_id: str | None = None,
    mode: str | None = None,
) -> PortalToken:
    """Verify signature and expiry; raise InvalidPortalToken otherwise.

    With `account_id` or `mode`, the token must also be bound to that account / mode.
    """
    if not isinstance(token, str) or len(token) > 8192:
        raise InvalidPortalToken("malformed token")
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise InvalidPortalToken("bad signature") from None
    try:
        locale = payload.get("l")
        parsed = PortalToken(
            account_id=str(payload["a"]),
            customer_ids=tuple(str(c) for c in payload["c"]),
            mode=str(payload["m"]),
            locale=None if locale is None else str(locale),
            expires_at=int(payload["e"]),
            issued_at_ms=int(payload.get("i") or 0),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        raise InvalidPortalToken("malformed payload") from None
    if (time.time() if now is None else now) >= parsed.expires_at:
        raise InvalidPortalToken("expired")
    if not parsed.customer_ids:
        raise InvalidPortalToken("no customer")
    if parsed.mode not in TOKEN_MODES:
        raise InvalidPortalToken("unknown mode")
    if account_id is not None and parsed.account_id != account_id:
        raise InvalidPortalToken("bound to another account")
    if mode is not None and parsed.mode != mode:
        raise InvalidPortalToken("bound to another mode")
    return parsed
