"""Portal tokens: signed, short-lived, bound to account, customers and mode."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widget_server.identity import InvalidPortalToken, issue_portal_token, read_portal_token

KEY = "k" * 40
NOW = 1_800_000_000


def _issue(**overrides: object) -> tuple[str, int]:
    params: dict[str, object] = {"account_id": "acct_1", "customer_ids": ["cus_1"],
                                 "mode": "embed", "ttl_seconds": 600, "locale": "de", "now": NOW}
    params.update(overrides)
    return issue_portal_token(KEY, **params)  # type: ignore[arg-type]


def test_round_trip_keeps_what_the_token_is_bound_to() -> None:
    token, expires = _issue(customer_ids=["cus_1", "cus_2"])
    parsed = read_portal_token(KEY, token, now=NOW + 1)
    assert parsed.account_id == "acct_1"
    assert parsed.customer_ids == ("cus_1", "cus_2")
    assert parsed.mode == "embed" and parsed.locale == "de"
    assert parsed.expires_at == expires == NOW + 600


def test_token_expires() -> None:
    token, expires = _issue()
    read_portal_token(KEY, token, now=expires - 1)
    with pytest.raises(InvalidPortalToken, match="expired"):
        read_portal_token(KEY, token, now=expires)


def test_token_is_bound_to_its_account_and_mode() -> None:
    token, _ = _issue()
    assert read_portal_token(KEY, token, now=NOW, account_id="acct_1", mode="embed")
    with pytest.raises(InvalidPortalToken, match="account"):
        read_portal_token(KEY, token, now=NOW, account_id="acct_2")
    with pytest.raises(InvalidPortalToken, match="mode"):
        read_portal_token(KEY, token, now=NOW, mode="hosted")


def test_token_signed_with_another_key_fails() -> None:
    token, _ = _issue()
    with pytest.raises(InvalidPortalToken):
        read_portal_token("another-key-" + "x" * 30, token, now=NOW)


def _payload_of(token: str) -> tuple[dict[str, object], str]:
    body, _sep, signature = token.rpartition(".")
    compressed = body.startswith(".")  # itsdangerous zlib-compresses when that is shorter
    body = body.removeprefix(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw), signature


def _encode(payload: dict[str, object], signature: str) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + signature


@pytest.mark.parametrize(("field", "value"), [
    ("a", "acct_other"), ("c", ["cus_other"]), ("c", ["cus_1", "cus_other"]), ("m", "hosted"),
    ("e", NOW + 10**9),
])
def test_tampering_with_any_bound_field_fails(field: str, value: object) -> None:
    token, _ = _issue()
    payload, signature = _payload_of(token)
    payload[field] = value
    with pytest.raises(InvalidPortalToken):
        read_portal_token(KEY, _encode(payload, signature), now=NOW)


@given(position=st.integers(min_value=0, max_value=10_000), char=st.sampled_from("AbZ09-_."))
def test_any_changed_character_fails(position: int, char: str) -> None:
    token, _ = _issue()
    index = position % len(token)
    if token[index] == char:
        return
    forged = token[:index] + char + token[index + 1:]
    try:
        parsed = read_portal_token(KEY, forged, now=NOW)
    except InvalidPortalToken:
        return
    # base64 padding bits can absorb a change without changing the decoded bytes
    assert parsed == read_portal_token(KEY, token, now=NOW)


@pytest.mark.parametrize("bad", ["", "x", "a.b", "." * 10, "é" * 20, "A" * 10_000])
def test_garbage_is_an_invalid_token(bad: str) -> None:
    with pytest.raises(InvalidPortalToken):
        read_portal_token(KEY, bad, now=NOW)


@pytest.mark.parametrize("overrides", [
    {"mode": "admin"}, {"ttl_seconds": 0}, {"customer_ids": []}, {"account_id": ""},
])
def test_cannot_issue_unbound_or_unbounded_tokens(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _issue(**overrides)
