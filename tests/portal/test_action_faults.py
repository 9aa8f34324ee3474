"""Stripe failing (500, 429, timeouts, dropped connections), bad bodies, tokens, audit rows."""

from __future__ import annotations

import pytest

from tests.portal.helpers import Portal, error_of
from widget_server.billing_web import registry


def open_invoice(portal: Portal, customer: str = "cus_demo_carla") -> str:
    [invoice_id] = [i for i, row in portal.objects("invoice").items()
                    if row["customer"] == customer and row["status"] == "open"]
    return invoice_id


@pytest.mark.parametrize(("status", "http", "code"), [
    (500, 502, "billing_unavailable"), (429, 429, "rate_limited")])
def test_a_failing_write_is_a_clear_error_and_the_next_request_works(
        portal: Portal, status: int, http: int, code: str) -> None:
    portal.fault(error_status=status, next=1, path="/v1/customers/cus_demo_ana")
    failed = portal.call("PATCH", "/v1/portal/customer", json={"name": "Ana Two"})
    assert failed.status_code == http
    error = error_of(failed)
    assert error["code"] == code
    assert "try again" in error["message"].lower()
    assert portal.obj("customer", "cus_demo_ana")["name"] == "Ana Souza"
    [row] = portal.audit("customer.update")
    assert (row.result, row.detail["code"]) == ("error", code)
    retried = portal.call("PATCH", "/v1/portal/customer", json={"name": "Ana Two"})
    assert retried.status_code == 200, retried.get_json()
    assert portal.obj("customer", "cus_demo_ana")["name"] == "Ana Two"


def test_a_failed_payment_request_leaves_the_invoice_open(portal: Portal) -> None:
    invoice_id = open_invoice(portal)
    portal.fault(error_status=500, rate=1.0, path=f"/v1/invoices/{invoice_id}/pay")
    failed = portal.post(f"/v1/portal/invoices/{invoice_id}/pay", customer="cus_demo_carla",
                         key="intent-fault-0001")
    assert (failed.status_code, error_of(failed)["code"]) == (502, "billing_unavailable")
    invoice = portal.obj("invoice", invoice_id)
    assert (invoice["status"], invoice["attempt_count"]) == ("open", 1)


def test_a_timeout_changes_nothing_and_the_retry_works(portal: Portal) -> None:
    registry(portal.app).timeout = 0.5  # before the account's client is built
    portal.fault(latency_ms=1500, path="/v1/subscriptions/sub_demo_ana")
    failed = portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel")
    assert (failed.status_code, error_of(failed)["code"]) == (502, "billing_unavailable")
    portal.clear_faults()
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is False
    retried = portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel")
    assert retried.status_code == 200, retried.get_json()
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is True


def test_a_dropped_connection_is_a_clear_error(portal: Portal) -> None:
    portal.fault(drop_connection=True, next=1, path="/v1/subscriptions/sub_demo_ana")
    failed = portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel")
    assert (failed.status_code, error_of(failed)["code"]) == (502, "billing_unavailable")
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is False
    assert portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel").status_code == 200


# --- bodies, tokens, ids -------------------------------------------------------------------

CANCEL = "/v1/portal/subscriptions/sub_demo_ana/cancel"


def test_bodies_must_be_json_objects(portal: Portal) -> None:
    token = portal.token("cus_demo_ana")
    for data in (b"{not json", b"[1, 2]", b'"cancel"'):
        response = portal.client.post(CANCEL, data=data, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert (response.status_code, error_of(response)["code"]) == (400, "invalid_json")
    wrong = portal.post(CANCEL, json={"at_period_end": "yes"})
    assert error_of(wrong)["param"] == "at_period_end"
    integer_for_bool = portal.post(CANCEL, json={"at_period_end": 0})
    assert error_of(integer_for_bool)["code"] == "invalid_parameter"
    bool_for_int = portal.post("/v1/portal/subscriptions/sub_demo_grace/quantity",
                               customer="cus_demo_grace", json={"quantity": True})
    assert bool_for_int.status_code in (400, 403)
    assert portal.writes() == []


def test_actions_need_a_valid_token(portal: Portal) -> None:
    missing = portal.client.post(CANCEL)
    assert (missing.status_code, error_of(missing)["code"]) == (401, "missing_token")
    forged = portal.client.post(CANCEL, headers={"Authorization": "Bearer forged.token"})
    assert (forged.status_code, error_of(forged)["code"]) == (401, "invalid_token")
    assert portal.writes() == []


def test_malformed_ids_are_404_without_any_stripe_call(portal: Portal) -> None:
    for path in ("/v1/portal/subscriptions/in_123/cancel",
                 "/v1/portal/subscriptions/sub_%27%20or%201/cancel",
                 "/v1/portal/invoices/sub_demo_ana/pay"):
        response = portal.post(path, key="intent-fault-0002")
        assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert portal.requests() == []


def test_every_attempt_is_audited_without_secrets(portal: Portal) -> None:
    portal.post(CANCEL, json={"reason": "other", "comment": "secret plans"})
    portal.post(CANCEL, customer="cus_demo_ben")
    portal.post("/v1/portal/payment_method/setup_intent", key="intent-fault-0003")
    rows = portal.audit()
    assert [(r.action, r.result) for r in rows] == [
        ("subscription.cancel", "ok"), ("subscription.cancel", "refused"),
        ("payment_method.setup_intent", "ok")]
    assert rows[1].detail["code"] == "not_found" and rows[1].actor == "cus_demo_ben"
    assert rows[0].account_id == portal.account.account.id
    flat = repr([(r.target, r.detail) for r in rows])
    assert "_secret_" not in flat and "sk_test" not in flat
