"""Finding: after a lost Stripe response the user was told an action failed although it had
happened. The object is now re-read before answering: done is reported as done, not done as
"try again", and an unreadable outcome as "reload first" — never as a failure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "portal"))

from tests.portal.helpers import Portal, error_of

CANCEL = "/v1/portal/subscriptions/sub_demo_ana/cancel"


def test_a_cancel_whose_answer_was_lost_is_reported_as_done(portal: Portal) -> None:
    portal.fault(lose_response=True, next=1, method="POST", path="/v1/subscriptions/sub_demo_ana")
    response = portal.post(CANCEL)
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is True  # it happened
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["subscription"]["cancel_at_period_end"] is True
    [row] = portal.audit("subscription.cancel")
    assert row.result == "ok"


def test_a_write_that_did_not_happen_still_says_try_again(portal: Portal) -> None:
    portal.fault(drop_connection=True, next=1, method="POST",
                 path="/v1/subscriptions/sub_demo_ana")
    response = portal.post(CANCEL)
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is False
    assert (response.status_code, error_of(response)["code"]) == (502, "billing_unavailable")


def test_an_unreadable_outcome_asks_to_reload_instead_of_claiming_failure(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    # The write is carried out and its answer lost; the read after it fails too.
    from widget_server.billing.errors import BillingUnavailable
    from widget_server.billing.writes import StripeWriter

    reads = {"n": 0}
    original = StripeWriter.subscription

    def second_read_fails(self: StripeWriter, sub_id: str):  # type: ignore[no-untyped-def]
        reads["n"] += 1
        if reads["n"] > 1:
            raise BillingUnavailable()
        return original(self, sub_id)

    monkeypatch.setattr(StripeWriter, "subscription", second_read_fails)
    portal.fault(lose_response=True, next=1, method="POST", path="/v1/subscriptions/sub_demo_ana")
    response = portal.post(CANCEL)
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is True
    assert (response.status_code, error_of(response)["code"]) == (502, "outcome_unknown")
    assert "reload" in error_of(response)["message"].lower()


def test_a_plan_change_whose_answer_was_lost_is_reported_as_done(portal: Portal) -> None:
    portal.configure(quantity=True)
    item = portal.item_of("sub_demo_grace")
    wanted = int(item["quantity"]) + 1
    portal.fault(lose_response=True, next=1, method="POST",
                 path="/v1/subscriptions/sub_demo_grace")
    response = portal.post("/v1/portal/subscriptions/sub_demo_grace/quantity",
                           customer="cus_demo_grace", json={"quantity": wanted})
    assert portal.item_of("sub_demo_grace")["quantity"] == wanted
    assert response.status_code == 200, response.get_json()
