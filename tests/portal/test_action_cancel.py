"""Cancel (with a reason), resume, the retention offer, pause and unpause."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.portal.helpers import Portal, error_of
from widget_server import db
from widget_server.models import AuditEvent

ANA = "/v1/portal/subscriptions/sub_demo_ana"
EVE = "/v1/portal/subscriptions/sub_demo_eve"


def test_cancel_at_period_end_with_a_reason(portal: Portal) -> None:
    response = portal.post(f"{ANA}/cancel", json={"reason": "too_expensive",
                                                  "comment": "Cheaper elsewhere"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"].startswith("Your subscription will end on ")
    assert body["subscription"]["cancel_at_period_end"] is True
    assert body["subscription"]["actions"]["resume"] is True
    assert body["subscription"]["state"] == "canceling"
    assert body["subscription"]["badge"] == {"text": "Set to cancel", "tone": "warning"}
    sub = portal.subscription("sub_demo_ana")
    assert (sub["status"], sub["cancel_at_period_end"]) == ("active", True)
    assert sub["cancellation_details"]["feedback"] == "too_expensive"
    assert sub["cancellation_details"]["comment"] == "Cheaper elsewhere"
    assert sub["metadata"]["cancellation_reason"] == "too_expensive"
    [row] = portal.audit("subscription.cancel")
    assert (row.result, row.detail["reason"], row.actor) == ("ok", "too_expensive", "cus_demo_ana")


def test_canceling_drops_a_scheduled_downgrade_and_the_audit_says_so(portal: Portal) -> None:
    """Sam's Pro yearly has a downgrade to Starter scheduled at period end: canceling releases
    the schedule (the plan stays Pro until it ends) and the audit row names the schedule."""
    schedule = portal.subscription("sub_demo_sam")["schedule"]
    assert schedule
    response = portal.post("/v1/portal/subscriptions/sub_demo_sam/cancel", json={},
                           customer="cus_demo_sam")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["subscription"]["scheduled_change"] is None
    sub = portal.subscription("sub_demo_sam")
    assert (sub["cancel_at_period_end"], sub["schedule"]) == (True, None)
    assert portal.obj("subscription_schedule", schedule)["status"] == "released"
    assert portal.item_price("sub_demo_sam") == "price_pro_yearly"
    [row] = portal.audit("subscription.cancel")
    assert (row.result, row.detail["released_schedule"]) == ("ok", schedule)


def test_cancel_immediately_only_when_allowed(portal: Portal) -> None:
    refused = portal.post(f"{ANA}/cancel", json={"at_period_end": False})
    assert refused.status_code == 403
    assert error_of(refused) == {"code": "feature_disabled", "param": "at_period_end",
                                 "message": error_of(refused)["message"]}
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["status"] == "active"
    portal.configure(cancel_immediately=True)
    response = portal.post(f"{ANA}/cancel", json={"at_period_end": False, "reason": "unused"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["message"] == "Your subscription has been canceled."
    sub = portal.subscription("sub_demo_ana")
    assert sub["status"] == "canceled"
    assert sub["cancellation_details"]["feedback"] == "unused"
    assert sub["metadata"]["cancellation_reason"] == "unused"
    assert [r.result for r in portal.audit("subscription.cancel")] == ["refused", "ok"]


def test_bad_reason_and_long_comment(portal: Portal) -> None:
    bad = portal.post(f"{ANA}/cancel", json={"reason": "because"})
    assert (bad.status_code, error_of(bad)["param"]) == (400, "reason")
    long = portal.post(f"{ANA}/cancel", json={"reason": "other", "comment": "x" * 501})
    assert (long.status_code, error_of(long)["param"]) == (400, "comment")
    portal.configure(cancellation_reason=False)
    asked = portal.post(f"{ANA}/cancel", json={"reason": "other"})
    assert (asked.status_code, error_of(asked)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []


def test_cancel_off_foreign_and_already_ending(portal: Portal) -> None:
    foreign = portal.post(f"{ANA}/cancel", customer="cus_demo_ben")
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    ending = portal.post(f"{EVE}/cancel", customer="cus_demo_eve")
    assert (ending.status_code, error_of(ending)["code"]) == (403, "action_not_allowed")
    portal.configure(cancellation=False)
    off = portal.post(f"{ANA}/cancel")
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is False
    assert [r.result for r in portal.audit("subscription.cancel")] == ["refused"] * 3


def test_resume_undoes_a_cancel_at_period_end(portal: Portal) -> None:
    response = portal.post(f"{EVE}/resume", customer="cus_demo_eve")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["message"] == "Your subscription will continue."
    assert response.get_json()["subscription"]["cancel_at_period_end"] is False
    sub = portal.subscription("sub_demo_eve")
    assert (sub["cancel_at_period_end"], sub["cancel_at"]) == (False, None)


def test_resume_off_foreign_and_not_ending(portal: Portal) -> None:
    foreign = portal.post(f"{EVE}/resume", customer="cus_demo_ana")
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    not_ending = portal.post(f"{ANA}/resume")
    assert (not_ending.status_code, error_of(not_ending)["code"]) == (403, "action_not_allowed")
    portal.configure(undo_cancel=False)
    off = portal.post(f"{EVE}/resume", customer="cus_demo_eve")
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    assert portal.writes() == []
    assert portal.subscription("sub_demo_eve")["cancel_at_period_end"] is True


# --- retention offer -----------------------------------------------------------------------

def test_retention_offer_is_shown_once_and_applied(portal: Portal) -> None:
    path = "/v1/portal/retention_offer?subscription=sub_demo_ana"
    assert portal.call("GET", path).get_json() == {"offer": None}
    portal.configure(retention_offer=True, retention_coupon="retention-50")
    offer = portal.call("GET", path).get_json()["offer"]
    assert offer == {"coupon_id": "retention-50", "display": "50% off for 3 months"}
    foreign = portal.call("GET", path, customer="cus_demo_ben")
    assert foreign.status_code == 404
    accepted = portal.post(f"{ANA}/discount", json={"coupon": "retention-50", "retention": True})
    assert accepted.status_code == 200, accepted.get_json()
    sub = portal.subscription("sub_demo_ana")
    assert len(sub["discounts"]) == 1
    assert portal.obj("discount", sub["discounts"][0])["source"]["coupon"] == "retention-50"
    assert sub["metadata"]["retention_coupon_used"] == "retention-50"
    assert portal.call("GET", path).get_json() == {"offer": None}
    again = portal.post(f"{ANA}/discount", json={"coupon": "retention-50", "retention": True})
    assert (again.status_code, error_of(again)["code"]) == (409, "offer_used")


def test_retention_coupon_must_be_the_configured_one(portal: Portal) -> None:
    wrong = portal.post(f"{ANA}/discount", json={"coupon": "vip-50", "retention": True})
    assert (wrong.status_code, error_of(wrong)["code"]) == (403, "feature_disabled")
    portal.configure(retention_offer=True, retention_coupon="retention-50")
    wrong = portal.post(f"{ANA}/discount", json={"coupon": "vip-50", "retention": True})
    assert (wrong.status_code, error_of(wrong)["code"]) == (400, "invalid_coupon")
    foreign = portal.post(f"{ANA}/discount", customer="cus_demo_ben",
                          json={"coupon": "retention-50", "retention": True})
    assert foreign.status_code == 404
    assert portal.writes() == []



def test_the_retention_flag_never_applies_a_typed_code(portal: Portal) -> None:
    """The offer is the configured coupon only: a code or an unset coupon is refused."""
    portal.configure(retention_offer=True)  # no retention coupon configured
    for body in ({"code": "WELCOME20", "retention": True},
                 {"coupon": "", "retention": True}):
        refused = portal.post(f"{ANA}/discount", json=body)
        assert (refused.status_code, error_of(refused)["code"]) == (400, "invalid_coupon")
    portal.configure(retention_coupon="retention-50")
    typed = portal.post(f"{ANA}/discount", json={"code": "WELCOME20", "retention": True})
    assert (typed.status_code, error_of(typed)["code"]) == (400, "invalid_coupon")
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["discounts"] == []

# --- pause ---------------------------------------------------------------------------------

def test_pause_until_a_date_and_unpause(portal: Portal) -> None:
    portal.configure(pause=True)
    resumes_at = int(time.time()) + 30 * 86400
    paused = portal.post(f"{ANA}/pause", json={"resumes_at": resumes_at})
    assert paused.status_code == 200, paused.get_json()
    assert paused.get_json()["message"].startswith("Payments are paused until ")
    assert portal.subscription("sub_demo_ana")["pause_collection"] == {
        "behavior": "void", "resumes_at": resumes_at}
    assert paused.get_json()["subscription"]["actions"]["unpause"] is True
    resumed = portal.post(f"{ANA}/unpause")
    assert resumed.status_code == 200, resumed.get_json()
    assert portal.subscription("sub_demo_ana")["pause_collection"] is None


def test_pause_refusals(portal: Portal) -> None:
    off = portal.post(f"{ANA}/pause")
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    off = portal.post(f"{ANA}/unpause")
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    portal.configure(pause=True)
    past = portal.post(f"{ANA}/pause", json={"resumes_at": int(time.time()) - 10})
    assert (past.status_code, error_of(past)["param"]) == (400, "resumes_at")
    foreign = portal.post(f"{ANA}/pause", customer="cus_demo_ben")
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    foreign = portal.post(f"{ANA}/unpause", customer="cus_demo_ben")
    assert foreign.status_code == 404
    not_paused = portal.post(f"{ANA}/unpause")
    assert (not_paused.status_code, error_of(not_paused)["code"]) == (403, "action_not_allowed")
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["pause_collection"] is None


def test_a_reopened_retention_offer_is_counted_once_a_day(portal: Portal) -> None:
    path = "/v1/portal/retention_offer?subscription=sub_demo_ana"
    portal.configure(retention_offer=True, retention_coupon="retention-50")
    for _ in range(3):
        assert portal.call("GET", path).get_json()["offer"]["coupon_id"] == "retention-50"
    [row] = portal.audit("subscription.retention_offer")
    assert (row.target, row.detail) == ("sub_demo_ana", {"coupon": "retention-50"})
    # another subscription, or another coupon, is another offer
    eve = "/v1/portal/retention_offer?subscription=sub_demo_eve"
    assert portal.call("GET", eve, customer="cus_demo_eve").get_json()["offer"] is not None
    portal.configure(retention_offer=True, retention_coupon="vip-50")
    assert portal.call("GET", path).get_json()["offer"]["coupon_id"] == "vip-50"
    rows = portal.audit("subscription.retention_offer")
    assert sorted((r.target, r.detail["coupon"]) for r in rows) == [
        ("sub_demo_ana", "retention-50"), ("sub_demo_ana", "vip-50"),
        ("sub_demo_eve", "retention-50")]


def test_a_retention_offer_seen_again_the_next_day_is_counted_again(portal: Portal) -> None:
    path = "/v1/portal/retention_offer?subscription=sub_demo_ana"
    portal.configure(retention_offer=True, retention_coupon="retention-50")
    portal.call("GET", path)
    with db.session_scope(portal.app) as session:
        for row in session.scalars(select(AuditEvent).where(
                AuditEvent.action == "subscription.retention_offer")):
            row.created_at = datetime.now(UTC) - timedelta(days=1)
    portal.call("GET", path)
    assert len(portal.audit("subscription.retention_offer")) == 2
