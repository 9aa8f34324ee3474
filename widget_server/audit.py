"""The audit log (DESIGN §5): one row for every change an end user or owner attempts.

Rows say who, what, on which object and how it ended (``ok``, ``refused`` or ``error``).
They never hold secrets: detail keys that look secret are dropped before writing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select

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


def recorded_today(account_id: int, action: str, target: str, **detail: Any) -> bool:
    """Whether an ``ok`` row of this action on this target, whose detail holds these values,
    was written since midnight UTC (so a repeated sight is recorded once a day). A database
    error answers False: the row is then written again rather than lost."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    session = get_database(current_app).sessions()
    try:
        rows = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.account_id == account_id, AuditEvent.action == action[:64],
            AuditEvent.target == target[:255], AuditEvent.result == "ok",
            AuditEvent.created_at >= midnight))
        return any(all(row.get(k) == v for k, v in detail.items()) for row in rows)
    except Exception:
        log.exception("could not read the audit rows of %s on %s", action, target)
        return False
    finally:
        session.close()
