"""The audit log (DESIGN §5): one row for every change an end user or owner attempts.

Rows say who, what, on which object and how it ended (``ok``, ``refused`` or ``error``).
They never hold secrets: detail keys that look secret are dropped before writing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context

from widget_server.db import get_database
from widget_server.models import Account, AuditEvent

log = logging.getLogger(__name__)

RESULTS = ("ok", "refused", "error")
ACTOR_TYPES = ("customer", "owner", "api", "system")
_SECRET_MARKERS = ("secret", "password", "token", "api_key", "stripe_key", "card", "cvc", "hash")
_MAX_TEXT = 500


def _clean(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy: secret-looking keys removed, long strings cut, nesting bounded."""
    if depth > 3:
        return None
    if isinstance(value, Mapping):
        return {
            str(k): _clean(v, depth + 1)
            for k, v in value.items()
            if not any(marker in str(k).lower() for marker in _SECRET_MARKERS)
        }
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value[:20]]
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:_MAX_TEXT]


def record(
    account: Account | int | None,
    actor_type: str,
    actor: str,
    action: str,
    target: str,
    result: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Write one audit row in its own transaction, so it survives a failed request.

    Auditing must never break the action it describes: a database error is logged, not raised.
    """
    if actor_type not in ACTOR_TYPES:
        raise ValueError(f"unknown actor type {actor_type!r}")
    if result not in RESULTS:
        raise ValueError(f"unknown audit result {result!r}")
    account_id = account.id if isinstance(account, Account) else account
    event = AuditEvent(
        account_id=account_id,
        actor_type=actor_type,
        actor=actor[:320],
        action=action[:64],
        target=target[:255],
        result=result,
        detail=_clean(dict(detail or {})),
    )
    if not has_app_context():
        raise RuntimeError("audit.record needs an application context")
    session = get_database(current_app).sessions()
    try:
        session.add(event)
        session.commit()
    except Exception:  # the action already happened (or was refused); keep serving
        session.rollback()
        log.exception("could not write the audit row for %s on %s", action, target)
    finally:
        session.close()
