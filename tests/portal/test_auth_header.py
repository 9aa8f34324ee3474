"""The portal token travels as ``Authorization: Bearer …`` (werkzeug's parser, RFC 7235)."""

from __future__ import annotations

import pytest

from tests.portal.helpers import Portal, error_of


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_scheme_is_case_insensitive(portal: Portal, scheme: str) -> None:
    token = portal.token("cus_demo_ana")
    response = portal.client.get("/v1/portal", headers={"Authorization": f"{scheme}  {token} "})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["customer"]["id"] == "cus_demo_ana"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_no_bearer_token_is_a_missing_token(portal: Portal, header: str) -> None:
    response = portal.client.get("/v1/portal", headers={"Authorization": header})
    assert (response.status_code, error_of(response)["code"]) == (401, "missing_token")


def test_a_token_of_another_scheme_is_not_accepted(portal: Portal) -> None:
    token = portal.token("cus_demo_ana")
    response = portal.client.get("/v1/portal", headers={"Authorization": f"Token {token}"})
    assert (response.status_code, error_of(response)["code"]) == (401, "missing_token")


def test_a_bad_bearer_token_is_an_invalid_token(portal: Portal) -> None:
    response = portal.client.get("/v1/portal", headers={"Authorization": "Bearer abc.def"})
    assert (response.status_code, error_of(response)["code"]) == (401, "invalid_token")
