"""Preview tokens: what lets the dashboard's live preview read the portal as one customer.

A preview token is a portal token's owner-only sibling: signed with its own salt (a preview
token is never a portal token, nor the reverse), short-lived, and bound to the owner who
started the preview, the account, the customers shown and the draft of settings being edited
(a server-side row keyed by a random id, ``dashboard/preview_drafts.py``). The portal reads
with it like with any token and refuses every write (``portal/preview_guard.py``).

Pure functions, no Flask: the web layer calls these.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "widget-server.preview-token.v1"
_DRAFT_ID = re.compile(r"\A[A-Za-z0-9_-]{16,64}\Z")
MAX_TOKEN = 4096


class InvalidPreviewToken(Exception):
    """The token is malformed, forged, expired, or bound to something else."""


@dataclass(frozen=True)
class PreviewToken:
    """What a preview token proves: this owner previews these customers of this account with
    this draft of settings."""

    account_id: str
    owner_id: int
    draft_id: str
    customer_ids: tuple[str, ...]
    locale: str | None
    expires_at: int
    issued_at_ms: int
    session_epoch: int = 0  # the owner's at issue: signing out (a new epoch) ends the preview


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT,
                             signer_kwargs={"digest_method": hashlib.sha256})


def issue_preview_token(
    secret_key: str,
    *,
    account_id: str,
    owner_id: int,
    draft_id: str,
    customer_ids: tuple[str, ...] | list[str],
    ttl_seconds: int,
    locale: str | None = None,
    session_epoch: int = 0,
    now: float | None = None,
) -> tuple[str, int]:
    """Sign a preview token; returns (token, expiry in Unix seconds)."""
    if ttl_seconds <= 0:
        raise ValueError("a preview token needs a positive lifetime")
    if not account_id or not customer_ids or not all(customer_ids):
        raise ValueError("a preview token is bound to an account and at least one customer")
    if not _DRAFT_ID.match(draft_id):
        raise ValueError("a preview token is bound to a draft id")
    moment = time.time() if now is None else now
    expires_at = int(moment) + ttl_seconds
    payload = {"a": account_id, "o": int(owner_id), "d": draft_id, "c": list(customer_ids),
               "l": locale, "e": expires_at, "i": int(moment * 1000), "s": int(session_epoch)}
    return str(_serializer(secret_key).dumps(payload)), expires_at


def read_preview_token(secret_key: str, token: str, *, now: float | None = None,
                       ) -> PreviewToken:
    """Verify signature, shape and expiry; raise InvalidPreviewToken otherwise."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        raise InvalidPreviewToken("malformed token")
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise InvalidPreviewToken("bad signature") from None
    try:
        locale = payload.get("l")
        parsed = PreviewToken(
            account_id=str(payload["a"]),
            owner_id=int(payload["o"]),
            draft_id=str(payload["d"]),
            customer_ids=tuple(str(c) for c in payload["c"]),
            locale=None if locale is None else str(locale),
            expires_at=int(payload["e"]),
            issued_at_ms=int(payload["i"]),
            session_epoch=int(payload.get("s") or 0),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        raise InvalidPreviewToken("malformed payload") from None
    if (time.time() if now is None else now) >= parsed.expires_at:
        raise InvalidPreviewToken("expired")
    if not parsed.customer_ids or not _DRAFT_ID.match(parsed.draft_id):
        raise InvalidPreviewToken("malformed payload")
    return parsed

