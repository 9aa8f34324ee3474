"""Finding: the lookup was wider than what was signed (Unicode case mapping, trimming), and a
hash was accepted in a field it was not computed for. The customer found must be exactly the one
the hash signed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import stripe
from flask import Flask
from flask.testing import FlaskClient

from tests.security.helpers import HOST_ORIGIN
from widget_server.accounts import CreatedAccount
from widget_server.identity import compute_identity_hash, read_portal_token
from widget_server.sandbox import SandboxServer

# Pairs whose Unicode case folding is equal but whose bytes are not.
FOLDING_PAIRS = [
    ("strasse.sec@example.com", "straße.sec@example.com"),  # ß folds to ss
    ("kelvin.sec@example.com", "\u212aelvin.sec@example.com"),  # KELVIN SIGN folds to k
]


@pytest.fixture
def victims(sandbox: SandboxServer) -> Iterator[dict[str, str]]:
    """Customers whose emails only Unicode folding or trimming would confuse with another."""
    client = stripe.StripeClient("sk_test_security", base_addresses={"api": sandbox.url})
    made: dict[str, str] = {}
    for _attacker, victim in FOLDING_PAIRS:
        made[victim] = client.v1.customers.create({"email": victim, "name": "Victim"}).id
    made["Mixed.Case.Sec@Example.com"] = client.v1.customers.create(
        {"email": "Mixed.Case.Sec@Example.com"}).id
    yield made
    for customer_id in made.values():
        client.v1.customers.delete(customer_id)


def _session(client: FlaskClient, account: CreatedAccount, kind: str, identifier: str,
             signed: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/v1/embed/session", headers={"Origin": HOST_ORIGIN}, json={
        "account": account.account.public_id, kind: identifier,
        "hash": compute_identity_hash(account.hmac_secret, signed or identifier)})


def test_unicode_case_folding_never_opens_another_customer(
        client: FlaskClient, account: CreatedAccount, victims: dict[str, str]) -> None:
    for attacker_email, _victim in FOLDING_PAIRS:
        response = _session(client, account, "email", attacker_email)
        assert response.status_code == 401, (attacker_email, response.get_json())
        assert response.get_json()["error"]["code"] == "identity_rejected"


def test_surrounding_spaces_are_not_trimmed(client: FlaskClient, account: CreatedAccount) -> None:
    for padded in (" ana@example.com", "ana@example.com ", "ana@example.com\n"):
        response = _session(client, account, "email", padded)
        assert response.status_code == 401, (padded, response.get_json())


def test_ascii_case_differences_still_find_the_stored_email(
        app: Flask, client: FlaskClient, account: CreatedAccount,
        victims: dict[str, str]) -> None:
    response = _session(client, account, "email", "mixed.case.sec@example.com")
    assert response.status_code == 200, response.get_json()
    token = read_portal_token(app.config["SECRET_KEY"], response.get_json()["token"])
    assert token.customer_ids == (victims["Mixed.Case.Sec@Example.com"],)


def test_a_customer_id_is_byte_exact(client: FlaskClient, account: CreatedAccount) -> None:
    for near in ("CUS_DEMO_ANA", "cus_demo_ANA", " cus_demo_ana", "cus_demo_ana "):
        response = _session(client, account, "customer_id", near)
        assert response.status_code == 401, (near, response.get_json())


def test_a_hash_is_only_valid_for_its_field(
        client: FlaskClient, account: CreatedAccount, sandbox: SandboxServer) -> None:
    """Emails have an @, customer ids are cus_…: a value signed for one field is refused in the
    other before any Stripe call, with the reason shown to the owner in test-mode debug."""
    from tests.security.helpers import update_account

    update_account(client.application, account.account.public_id, debug=True)
    log = sandbox.url + "/_sandbox/requests"
    requests.delete(log, timeout=5)
    for kind, identifier in (("email", "cus_demo_ana"), ("customer_id", "ana@example.com"),
                             ("customer_id", "cus_demo_ana@example.com")):
        response = _session(client, account, kind, identifier)
        assert response.status_code == 401, (kind, identifier)
        assert "field" in response.get_json()["error"]["debug"], response.get_json()
    assert requests.get(log, timeout=5).json()["requests"] == []
    assert _session(client, account, "customer_id", "cus_demo_ana").status_code == 200


def test_email_equality_is_ascii_only() -> None:
    from widget_server.identity import same_email

    assert same_email("Ana@Example.COM", "ana@example.com")
    assert not same_email("straße@example.com", "strasse@example.com")
    assert not same_email("\u212a@example.com", "k@example.com")
    assert not same_email("ÄNA@example.com", "äna@example.com")  # no Unicode case mapping
    assert not same_email(" ana@example.com", "ana@example.com")
    assert not same_email(None, "ana@example.com")
