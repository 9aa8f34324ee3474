"""Drafts of settings for the live preview: stored server-side, keyed by a random id.

The dashboard writes one when the owner edits the settings form (before saving); the portal,
given a preview token naming it, reads the portal with those settings instead of the saved
ones. A draft belongs to one owner and one account and lives ``DRAFT_TTL`` seconds.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from widget_server.models import PreviewDraft, utcnow

DRAFT_TTL = 30 * 60
MAX_DRAFTS_PER_OWNER = 20


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def save_draft(session: Session, *, account_id: int, owner_id: int, settings: dict[str, Any],
               customer_id: str, locale: str | None, now: datetime | None = None,
               ) -> PreviewDraft:
    """Store a new draft (the caller commits); expired drafts of this owner are dropped, and
    only the newest few are kept, so an editing session cannot fill the table."""
    moment = now or utcnow()
    # The previous draft may be loaded in the session (it was just read): delete in SQL only.
    quick = {"synchronize_session": False}
    session.execute(delete(PreviewDraft).where(PreviewDraft.owner_id == owner_id,
                                               PreviewDraft.expires_at <= moment),
                    execution_options=quick)
    kept = session.scalars(
        select(PreviewDraft.id).where(PreviewDraft.owner_id == owner_id)
        .order_by(PreviewDraft.id.desc()).offset(MAX_DRAFTS_PER_OWNER - 1)
    ).all()
    if kept:
        session.execute(delete(PreviewDraft).where(PreviewDraft.id.in_(kept)),
                        execution_options=quick)
    draft = PreviewDraft(
        draft_id=secrets.token_urlsafe(24), account_id=account_id, owner_id=owner_id,
        settings=settings, customer_id=customer_id, locale=locale, created_at=moment,
        expires_at=moment + timedelta(seconds=DRAFT_TTL),
    )
    session.add(draft)
    session.flush()
    return draft


def find_draft(session: Session, draft_id: str, *, account_id: int, owner_id: int,
               now: datetime | None = None) -> PreviewDraft | None:
    """The draft if it exists, is this owner's for this account, and has not expired."""
    if not draft_id or len(draft_id) > 64:
        return None
    draft = session.scalar(select(PreviewDraft).where(PreviewDraft.draft_id == draft_id))
    if draft is None or draft.account_id != account_id or draft.owner_id != owner_id:
        return None
    if _aware(draft.expires_at) <= (now or utcnow()):
        return None
    return draft
