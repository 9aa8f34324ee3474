"""Idempotency keys derived from a user's intent (DESIGN §6).

The page makes one nonce per intent (one dialog, one click target) and sends it as the
``Idempotency-Key`` header. The Stripe key combines it with the account, the customer, the
action and the object, so a double click or a retry replays the first result instead of
creating a second subscription or a second charge, while two different intents never collide.
"""

from __future__ import annotations

import hashlib
import re

_NONCE = re.compile(r"\A[A-Za-z0-9_\-:.]{8,128}\Z")


def is_valid_nonce(nonce: str | None) -> bool:
    """A page nonce is 8-128 characters of letters, digits and ``_-:.``."""
    return isinstance(nonce, str) and bool(_NONCE.match(nonce))


def intent_key(account_id: str, customer_id: str, action: str, target: str, nonce: str) -> str:
    """The Stripe Idempotency-Key for one user intent (stable, opaque, < 255 characters)."""
    material = "\x1f".join(("widget-server.v1", account_id, customer_id, action, target, nonce))
    return "ws_" + hashlib.sha256(material.encode("utf-8")).hexdigest()
