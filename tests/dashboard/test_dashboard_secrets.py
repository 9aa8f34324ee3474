"""The identity hash checker and secret rotation: match, mismatch, malformed, overlap."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import OwnerWithAccount, load_account, page_token
from widget_server import db
from widget_server.identity import compute_identity_hash
from widget_server.models import AuditEvent

_SECRET = re.compile(r'<pre id="new-secret"><code>(whsec_[A-Za-z0-9_\-]+)</code></pre>')


def _check(client: FlaskClient, public_id: str, identifier: str, candidate: str) -> tuple[int, str]:
    response = client.post(
        f"/dashboard/accounts/{public_id}/check-hash",
        data={"csrf_token": page_token(client, public_id), "identifier": identifier,
              "hash": candidate},
    )
    return response.status_code, response.get_data(as_text=True)


def _verdict(page: str) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', page)
    assert match, "no checker result on the page"
    return match.group(1)


def _rotate(client: FlaskClient, public_id: str) -> tuple[int, str]:
    response = client.post(
        f"/dashboard/accounts/{public_id}/rotate-secret",
        data={"csrf_token": page_token(client, public_id), "confirm": "yes"},
    )
    return response.status_code, response.get_data(as_text=True)


def test_checker_says_when_a_hash_matches_the_current_secret(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    good = compute_identity_hash(ana.created.hmac_secret, "ana@example.com")
    status, page = _check(signed_in, ana.public_id, "ana@example.com", good)
    assert status == 200
    assert _verdict(page) == "current"
    assert ana.created.hmac_secret not in page


def test_checker_reports_a_mismatch_without_revealing_the_expected_hash(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    expected = compute_identity_hash(ana.created.hmac_secret, "Ana@example.com")
    wrong = compute_identity_hash("another secret", "Ana@example.com")
    _status, page = _check(signed_in, ana.public_id, "Ana@example.com", wrong)
    assert _verdict(page) == "mismatch"
    assert expected not in page
    assert ana.created.hmac_secret not in page
    assert "hashed exactly as written" in page  # the uppercase hint


def test_checker_explains_malformed_hashes(signed_in: FlaskClient, ana: OwnerWithAccount) -> None:
    good = compute_identity_hash(ana.created.hmac_secret, "ana@example.com")
    cases = {
        "abc": "The hash has 3 characters",
        good.upper(): "uppercase letters",
        "z" * 64: "characters other than 0-9 and a-f",
    }
    for candidate, reason in cases.items():
        _status, page = _check(signed_in, ana.public_id, "ana@example.com", candidate)
        assert _verdict(page) == "malformed"
        assert reason in page


def test_rotation_needs_confirmation(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    response = signed_in.post(
        f"/dashboard/accounts/{ana.public_id}/rotate-secret",
        data={"csrf_token": page_token(signed_in, ana.public_id)},
    )
    assert response.status_code == 400
    assert load_account(app, ana.public_id).previous_hmac_secret_encrypted is None


def test_rotation_shows_the_new_secret_once_and_the_old_one_still_verifies(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, page = _rotate(signed_in, ana.public_id)
    assert status == 200
    match = _SECRET.search(page)
    assert match
    new_secret = match.group(1)
    assert new_secret != ana.created.hmac_secret
    assert "The previous secret keeps working until" in page

    later = signed_in.get(f"/dashboard/accounts/{ana.public_id}").get_data(as_text=True)
    assert new_secret not in later
    with signed_in.session_transaction("/dashboard/") as session:
        assert new_secret not in repr(dict(session))

    old_hash = compute_identity_hash(ana.created.hmac_secret, "ana@example.com")
    new_hash = compute_identity_hash(new_secret, "ana@example.com")
    assert _verdict(_check(signed_in, ana.public_id, "ana@example.com", new_hash)[1]) == "current"
    assert _verdict(_check(signed_in, ana.public_id, "ana@example.com", old_hash)[1]) == "previous"
    with db.session_scope(app) as session:
        rows = session.query(AuditEvent).filter_by(action="dashboard.secret.rotate").all()
        assert [row.result for row in rows] == ["ok"]
        assert new_secret not in repr(rows[0].detail)


def test_after_the_overlap_only_the_new_secret_verifies(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    app.config["SECRET_ROTATION_OVERLAP"] = 0
    match = _SECRET.search(_rotate(signed_in, ana.public_id)[1])
    assert match
    old_hash = compute_identity_hash(ana.created.hmac_secret, "ana@example.com")
    _status, page = _check(signed_in, ana.public_id, "ana@example.com", old_hash)
    assert _verdict(page) == "mismatch"
    assert "The previous secret keeps working" not in page
