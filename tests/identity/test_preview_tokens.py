"""Preview tokens: signed with their own salt, bound to owner, account, draft and customers."""

from __future__ import annotations

import pytest

from widget_server.identity import InvalidPortalToken, issue_portal_token, read_portal_token
from widget_server.preview_token import (
    InvalidPreviewToken,
    issue_preview_token,
    read_preview_token,
)

KEY = "k" * 32
DRAFT = "d" * 32


def _issue(**changes: object) -> tuple[str, int]:
    params: dict[str, object] = {"account_id": "acct_1", "owner_id": 7, "draft_id": DRAFT,
                                 "customer_ids": ["cus_1"], "ttl_seconds": 60, "locale": "de",
                                 "now": 1000.0}
    params.update(changes)
    return issue_preview_token(KEY, **params)  # type: ignore[arg-type]


def test_a_token_reads_back_what_it_was_issued_for() -> None:
    token, expires = _issue()
    read = read_preview_token(KEY, token, now=1059.0)
    assert (read.account_id, read.owner_id, read.draft_id, read.customer_ids, read.locale,
            read.expires_at) == ("acct_1", 7, DRAFT, ("cus_1",), "de", expires)
    assert expires == 1060
    assert read.session_epoch == 0
    assert read_preview_token(KEY, _issue(session_epoch=3)[0], now=1001.0).session_epoch == 3


def test_an_expired_token_is_refused() -> None:
    token, _expires = _issue()
    with pytest.raises(InvalidPreviewToken, match="expired"):
        read_preview_token(KEY, token, now=1060.0)


def test_another_key_or_a_changed_token_is_refused() -> None:
    token, _expires = _issue()
    with pytest.raises(InvalidPreviewToken, match="bad signature"):
        read_preview_token("x" * 32, token, now=1001.0)
    with pytest.raises(InvalidPreviewToken):
        read_preview_token(KEY, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=1001.0)
    with pytest.raises(InvalidPreviewToken, match="malformed"):
        read_preview_token(KEY, "x" * 5000)


def test_preview_and_portal_tokens_are_never_each_other() -> None:
    preview, _expires = _issue()
    with pytest.raises(InvalidPortalToken):
        read_portal_token(KEY, preview, now=1001.0)
    portal, _expires = issue_portal_token(KEY, account_id="acct_1", customer_ids=["cus_1"],
                                          mode="embed", ttl_seconds=60, now=1000.0)
    with pytest.raises(InvalidPreviewToken):
        read_preview_token(KEY, portal, now=1001.0)


@pytest.mark.parametrize("changes", [
    {"ttl_seconds": 0}, {"customer_ids": []}, {"customer_ids": [""]}, {"account_id": ""},
    {"draft_id": "short"}, {"draft_id": "has spaces in it, not an id"},
])
def test_a_token_needs_a_lifetime_an_account_customers_and_a_draft(
        changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _issue(**changes)
