"""Identity proofs: the HMAC an owner's backend computes, and the portal tokens we issue.

Pure functions and small classes, no Flask: the web layer calls these.
"""

from __future__ import annotations

import hashlib
import hmac
import re

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
