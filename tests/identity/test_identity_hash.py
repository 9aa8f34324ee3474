"""Identity hash verification: format check, byte-exact identifiers, rotation overlap."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.identity import (
    IdentityVerdict,
    check_identity,
    compute_identity_hash,
    describe_malformed_hash,
    hash_required,
    is_well_formed_hash,
    verify_identity_hash,
)
from widget_server.models import utcnow

secrets_st = st.text(min_size=1, max_size=64)
identifiers = st.text(min_size=1, max_size=80)


def test_hash_is_lowercase_hex_hmac_sha256_of_utf8_bytes() -> None:
    expected = hmac.new(b"whsec_k", "ana@exämple.com".encode(), hashlib.sha256).hexdigest()
    assert compute_identity_hash("whsec_k", "ana@exämple.com") == expected


@given(secret=secrets_st, identifier=identifiers)
def test_a_hash_verifies_its_own_identifier_and_secret(secret: str, identifier: str) -> None:
    digest = compute_identity_hash(secret, identifier)
    assert verify_identity_hash(secret, identifier, digest)
    assert check_identity([secret], identifier, digest) is IdentityVerdict.CURRENT_SECRET


@given(secret=secrets_st, identifier=identifiers, other=identifiers)
def test_a_hash_does_not_verify_another_identifier(secret: str, identifier: str,
                                                   other: str) -> None:
    if other == identifier:
        return
    digest = compute_identity_hash(secret, identifier)
    assert not verify_identity_hash(secret, other, digest)
    assert check_identity([secret], other, digest) is IdentityVerdict.MISMATCH


@given(secret=secrets_st, other_secret=secrets_st, identifier=identifiers)
def test_a_hash_does_not_verify_under_another_secret(secret: str, other_secret: str,
                                                     identifier: str) -> None:
    if other_secret == secret:
        return
    digest = compute_identity_hash(secret, identifier)
    assert not verify_identity_hash(other_secret, identifier, digest)


@pytest.mark.parametrize("identifier", ["Ana@example.com", "ana@example.com ", " ana@example.com",
                                        "ana@example.com\n", "ANA@EXAMPLE.COM"])
def test_identifier_is_byte_exact(identifier: str) -> None:
    digest = compute_identity_hash("s", "ana@example.com")
    assert check_identity(["s"], identifier, digest) is IdentityVerdict.MISMATCH


def test_unicode_normalisation_is_not_applied() -> None:
    composed, decomposed = "jos\u00e9@example.com", "jose\u0301@example.com"
    digest = compute_identity_hash("s", composed)
    assert check_identity(["s"], decomposed, digest) is IdentityVerdict.MISMATCH


@given(secret=secrets_st, identifier=identifiers)
def test_uppercase_hex_is_rejected_before_comparing(secret: str, identifier: str) -> None:
    digest = compute_identity_hash(secret, identifier).upper()
    if digest == digest.lower():  # all digits: nothing to uppercase
        return
    assert not is_well_formed_hash(digest)
    assert check_identity([secret], identifier, digest) is IdentityVerdict.MALFORMED_HASH


@pytest.mark.parametrize("candidate", [
    "", "abc", "0" * 63, "0" * 65, "g" * 64, " " + "0" * 63, "0" * 64 + "\n",
    "xQ8+/=" * 10, None, 12345, ["0" * 64],
])
def test_malformed_hashes_are_rejected(candidate: object) -> None:
    assert check_identity(["s"], "ana@example.com", candidate) is IdentityVerdict.MALFORMED_HASH
    assert describe_malformed_hash(candidate)


@given(candidate=st.text(max_size=70))
def test_format_check_accepts_only_64_lowercase_hex(candidate: str) -> None:
    expected = len(candidate) == 64 and all(c in "0123456789abcdef" for c in candidate)
    assert is_well_formed_hash(candidate) is expected


def test_describe_malformed_hash_never_echoes_the_value() -> None:
    value = "A" * 64
    assert value not in describe_malformed_hash(value)
    assert "uppercase" in describe_malformed_hash(value)
    assert "64" in describe_malformed_hash("abc")


def test_previous_secret_verifies_as_previous() -> None:
    digest = compute_identity_hash("old", "ana@example.com")
    verdict = check_identity(["new", "old"], "ana@example.com", digest)
    assert verdict is IdentityVerdict.PREVIOUS_SECRET and verdict.ok


def test_no_secrets_never_verifies() -> None:
    digest = compute_identity_hash("widget-server.identity.no-such-account", "x")
    assert check_identity([], "x", digest) is IdentityVerdict.MISMATCH


def test_rotation_overlap_works_and_then_ends(app: Flask) -> None:
    """With AccountService: the old secret works during the overlap, not after it."""
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        created = service.create(name="Rotating", stripe_key="sk_test_x")
        old_hash = compute_identity_hash(created.hmac_secret, "ana@example.com")
        now = utcnow()
        new_secret = service.rotate_secret(created.account, overlap_seconds=3600, now=now)
        new_hash = compute_identity_hash(new_secret, "ana@example.com")

        during = service.identity_secrets(created.account, now + timedelta(minutes=59))
        after = service.identity_secrets(created.account, now + timedelta(minutes=61))

    assert check_identity(during, "ana@example.com", old_hash) is IdentityVerdict.PREVIOUS_SECRET
    assert check_identity(during, "ana@example.com", new_hash) is IdentityVerdict.CURRENT_SECRET
    assert check_identity(after, "ana@example.com", old_hash) is IdentityVerdict.MISMATCH
    assert check_identity(after, "ana@example.com", new_hash) is IdentityVerdict.CURRENT_SECRET


@pytest.mark.parametrize(("live", "setting", "required"), [
    (True, True, True), (True, False, True), (False, True, True), (False, False, False),
])
def test_hash_can_be_optional_only_for_test_accounts(live: bool, setting: bool,
                                                    required: bool) -> None:
    assert hash_required(live_mode=live, require_hash_setting=setting) is required
