"""Preview drafts: bound to owner and account, short-lived, a bounded number per owner."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from tests.dashboard.helpers import OwnerWithAccount, create_owner
from widget_server import db
from widget_server.models import PreviewDraft, utcnow
from widget_server.preview_drafts import DRAFT_TTL, MAX_DRAFTS_PER_OWNER, find_draft, save_draft


def test_a_draft_is_found_only_by_its_owner_for_its_account_until_it_expires(
    app: Flask, ana: OwnerWithAccount
) -> None:
    bob = create_owner(app, "bob@owner.test")
    account_id = ana.created.account.id
    start = utcnow()
    with db.session_scope(app) as session:
        draft = save_draft(session, account_id=account_id, owner_id=ana.owner_id,
                           settings={"cancellation": False}, customer_id="ana@example.com",
                           locale="de", now=start)
        key = draft.draft_id
    assert len(key) >= 32
    with db.session_scope(app) as session:
        found = find_draft(session, key, account_id=account_id, owner_id=ana.owner_id,
                           now=start)
        assert found is not None and found.settings == {"cancellation": False}
        assert find_draft(session, key, account_id=account_id, owner_id=bob, now=start) is None
        assert find_draft(session, key, account_id=account_id + 1, owner_id=ana.owner_id,
                          now=start) is None
        late = start + timedelta(seconds=DRAFT_TTL)
        assert find_draft(session, key, account_id=account_id, owner_id=ana.owner_id,
                          now=late) is None
        assert find_draft(session, "", account_id=account_id, owner_id=ana.owner_id) is None
        assert find_draft(session, "x" * 65, account_id=account_id,
                          owner_id=ana.owner_id) is None


def test_old_and_expired_drafts_are_dropped_when_a_new_one_is_saved(
    app: Flask, ana: OwnerWithAccount
) -> None:
    account_id = ana.created.account.id
    start = utcnow()
    with db.session_scope(app) as session:
        for _n in range(MAX_DRAFTS_PER_OWNER + 5):
            save_draft(session, account_id=account_id, owner_id=ana.owner_id, settings={},
                       customer_id="ana@example.com", locale=None, now=start)
    with db.session_scope(app) as session:
        assert session.query(PreviewDraft).count() == MAX_DRAFTS_PER_OWNER
    with db.session_scope(app) as session:
        save_draft(session, account_id=account_id, owner_id=ana.owner_id, settings={},
                   customer_id="ana@example.com", locale=None,
                   now=start + timedelta(seconds=DRAFT_TTL + 1))
    with db.session_scope(app) as session:
        assert session.query(PreviewDraft).count() == 1
