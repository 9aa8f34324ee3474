"""Deep links (flow_data) on POST /v1/portal_sessions and POST /v1/embed/session."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.conftest import HOST_ORIGIN, post_session, update_account
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.models import AuditEvent, HostedSession

RETURN = HOST_ORIGIN + "/account?flow=done"


@pytest.fixture
def api_key(app: Flask, account: CreatedAccount) -> str:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        row = service.get(account.account.public_id)
        assert row is not None
        return service.create_api_key(row, "flows")


def carla_open_invoice(app: Flask) -> str:
    from widget_server.billing_web import billing_for

    with app.app_context():
        invoices = billing_for("sk_test_widgetserver").invoices(["cus_demo_carla"])
    return next(i.id for i in invoices if i.status == "open")


def _create(client: FlaskClient, key: str, flow: dict[str, Any] | None,
            customer: str = "cus_demo_ana") -> Any:
    body: dict[str, Any] = {"customer": customer, "return_url": HOST_ORIGIN + "/account"}
    if flow is not None:
        body["flow_data"] = flow
    return client.post("/v1/portal_sessions", json=body,
                       headers={"Authorization": f"Bearer {key}"})


def _boot(client: FlaskClient, url: str) -> dict[str, Any]:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="portal-boot">(.*?)</script>',
                      html, re.S)
    assert match, html
    return json.loads(match.group(1))  # type: ignore[no-any-return]


REDIRECT = {"type": "redirect", "redirect": {"return_url": RETURN}}


@pytest.mark.parametrize(("flow", "customer", "expected"), [
    ({"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_demo_ana"},
      "after_completion": REDIRECT}, "cus_demo_ana",
     {"type": "subscription_cancel", "subscription": "sub_demo_ana", "invoice": None,
      "after_completion": "redirect", "return_url": RETURN}),
    ({"type": "subscription_update", "subscription_update": {"subscription": "sub_demo_ana"}},
     "cus_demo_ana",
     {"type": "subscription_update", "subscription": "sub_demo_ana", "invoice": None,
      "after_completion": "portal_homepage", "return_url": None}),
    ({"type": "payment_method_update", "after_completion": {"type": "portal_homepage"}},
     "cus_demo_ana",
     {"type": "payment_method_update", "subscription": None, "invoice": None,
      "after_completion": "portal_homepage", "return_url": None}),
])
def test_each_flow_opens_from_the_hosted_page(app: Flask, client: FlaskClient, api_key: str,
                                              flow: dict[str, Any], customer: str,
                                              expected: dict[str, Any]) -> None:
    response = _create(client, api_key, flow, customer)
    assert response.status_code == 200, response.get_json()
    boot = _boot(client, response.get_json()["url"])
    assert boot["flow"] == expected
    with db.session_scope(app) as session:
        row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "portal.hosted_session")).one()
        assert row.detail["flow"] == expected["type"]


def test_invoice_pay_flow_for_the_customers_open_invoice(app: Flask, client: FlaskClient,
                                                         api_key: str) -> None:
    invoice = carla_open_invoice(app)
    response = _create(client, api_key, {"type": "invoice_pay", "invoice_pay": {
        "invoice": invoice}, "after_completion": REDIRECT}, "cus_demo_carla")
    assert response.status_code == 200, response.get_json()
    assert _boot(client, response.get_json()["url"])["flow"]["invoice"] == invoice
    # Ana cannot be sent to pay Carla's invoice.
    refused = _create(client, api_key, {"type": "invoice_pay", "invoice_pay": {
        "invoice": invoice}})
    assert refused.status_code == 404
    assert refused.get_json()["error"]["param"] == "flow_data[invoice_pay][invoice]"


def test_invoice_pay_refuses_an_open_invoice_the_portal_cannot_pay(
        portal: Portal, client: FlaskClient, api_key: str) -> None:
    invoice = carla_open_invoice(portal.app)
    # canceling leaves the invoice open, but no live subscription offers to pay it
    portal.stripe.v1.subscriptions.cancel("sub_demo_carla")
    refused = _create(client, api_key, {"type": "invoice_pay", "invoice_pay": {
        "invoice": invoice}}, "cus_demo_carla")
    assert refused.status_code == 400, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "invoice_not_payable"
    assert error["param"] == "flow_data[invoice_pay][invoice]" and invoice in error["message"]


def test_a_hosted_page_without_flow_data_opens_the_home(client: FlaskClient,
                                                        api_key: str) -> None:
    response = _create(client, api_key, None)
    assert _boot(client, response.get_json()["url"])["flow"] is None


@pytest.mark.parametrize(("flow", "status", "code", "param"), [
    # another customer's subscription: the same 404 as a subscription that does not exist
    ({"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_demo_carla"}},
     404, "subscription_not_found", "flow_data[subscription_cancel][subscription]"),
    ({"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_nothing"}},
     404, "subscription_not_found", "flow_data[subscription_cancel][subscription]"),
    ({"type": "subscription_update"}, 400, "missing_parameter",
     "flow_data[subscription_update]"),
    ({"type": "payment_method_update",
      "subscription_cancel": {"subscription": "sub_demo_ana"}}, 400, "unknown_parameter",
     "flow_data[subscription_cancel]"),
    ({"type": "subscription_delete"}, 400, "invalid_parameter", "flow_data[type]"),
    ({"type": "payment_method_update", "after_completion": {"type": "redirect"}}, 400,
     "missing_parameter", "flow_data[after_completion][redirect][return_url]"),
    ({"type": "payment_method_update", "after_completion": {
        "type": "redirect", "redirect": {"return_url": "https://evil.example/"}}}, 400,
     "return_url_not_allowed", "flow_data[after_completion][redirect][return_url]"),
    ({"type": "payment_method_update", "after_completion": {
        "type": "redirect", "redirect": {"return_url": "javascript:alert(1)//localhost:5000"}}},
     400, "return_url_not_allowed", "flow_data[after_completion][redirect][return_url]"),
    ({"type": "payment_method_update", "after_completion": {
        "type": "portal_homepage", "redirect": {"return_url": RETURN}}}, 400,
     "unknown_parameter", "flow_data[after_completion][redirect]"),
    ({"type": "payment_method_update", "colour": "red"}, 400, "unknown_parameter",
     "flow_data[colour]"),
])
def test_bad_flows_are_refused_and_no_session_is_made(
        app: Flask, client: FlaskClient, api_key: str, flow: dict[str, Any], status: int,
        code: str, param: str) -> None:
    response = _create(client, api_key, flow)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert "sub_demo_carla" not in error["message"] or code == "subscription_not_found"
    with db.session_scope(app) as session:
        assert session.scalar(select(HostedSession)) is None
        if param not in {"flow_data[type]", "flow_data[colour]"}:  # past the body's schema
            row = session.scalars(select(AuditEvent).where(
                AuditEvent.action == "portal.hosted_session")).one()
            assert (row.result, row.detail["reason"], row.detail["param"]) == (
                "refused", code, param)


def test_ended_subscription_and_disabled_flow_are_refused(
        app: Flask, client: FlaskClient, account: CreatedAccount, api_key: str) -> None:
    ended = _create(client, api_key, {"type": "subscription_cancel", "subscription_cancel": {
        "subscription": "sub_demo_dan"}}, "cus_demo_dan")
    assert ended.status_code == 400
    assert ended.get_json()["error"]["code"] == "subscription_ended"
    update_account(app, account.account.public_id, cancellation=False)
    off = _create(client, api_key, {"type": "subscription_cancel", "subscription_cancel": {
        "subscription": "sub_demo_ana"}})
    assert off.status_code == 403
    assert off.get_json()["error"]["code"] == "flow_not_allowed"


def test_embed_session_returns_the_checked_flow(client: FlaskClient,
                                                account: CreatedAccount) -> None:
    flow = {"type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_demo_ana"},
            "after_completion": REDIRECT}
    response = post_session(client, account, flow_data=flow)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["flow"] == {
        "type": "subscription_cancel", "subscription": "sub_demo_ana", "invoice": None,
        "after_completion": "redirect", "return_url": RETURN}
    wrong = post_session(client, account, flow_data={
        "type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_demo_carla"}})
    assert wrong.status_code == 404
    assert "token" not in wrong.get_json()
    bad_url = post_session(client, account, flow_data={
        "type": "payment_method_update", "after_completion": {
            "type": "redirect", "redirect": {"return_url": "https://evil.example/x"}}})
    assert bad_url.status_code == 400
    assert bad_url.get_json()["error"]["code"] == "return_url_not_allowed"
