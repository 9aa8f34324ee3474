"""GET /v1/portal/invoices: newest first, subscription invoices unless show_all_invoices."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.portal.helpers import auth
from widget_server import db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.sandbox import SandboxServer

pytestmark = pytest.mark.usefixtures("fresh_sandbox")


def invoices(client: FlaskClient, headers: dict[str, str], query: str = "") -> list[Any]:
    response = client.get(f"/v1/portal/invoices{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    found: list[Any] = response.get_json()["invoices"]
    return found


def add_one_off_invoice(sandbox: SandboxServer, customer_id: str) -> str:
    store = sandbox.store
    with store.lock:
        template = next(i for i in store.table("invoice").values()
                        if i["customer"] == customer_id and i["status"] == "paid")
        invoice = copy.deepcopy(template)
        invoice.update(id=store.new_id("in_"), parent=None, number=None, created=store.now())
        store.insert("invoice", invoice)
    return str(invoice["id"])


def test_invoice_shape_and_order(app: Flask, client: FlaskClient,
                                 account: CreatedAccount) -> None:
    found = invoices(client, auth(app, account, "cus_demo_ana"))
    assert found and [i["created"] for i in found] == sorted(
        (i["created"] for i in found), reverse=True)
    first = found[0]
    assert set(first) >= {"id", "number", "status", "status_display", "currency", "amount_due",
                          "amount_paid", "total", "total_display", "created", "created_display",
                          "hosted_invoice_url", "invoice_pdf", "subscription_id"}
    assert first["status_display"] == "Paid" and first["total_display"] == "$29.00"
    assert first["subscription_id"] == "sub_demo_ana"
    assert first["hosted_invoice_url"].startswith("http")
    # what the invoice is for: the subscription's plan and its service period
    assert first["plans_display"] == "Pro"
    assert first["period_end"] - first["period_start"] >= 28 * 86400
    assert " \u2013 " in first["period_display"]


def test_german_formatting(app: Flask, client: FlaskClient, account: CreatedAccount) -> None:
    first = invoices(client, auth(app, account, "cus_demo_ana"), "?locale=de")[0]
    assert first["total_display"] == "29,00\xa0$"
    assert first["created_display"].count(".") == 2


def test_one_off_invoices_only_with_show_all_invoices(
    app: Flask, client: FlaskClient, account: CreatedAccount, sandbox: SandboxServer
) -> None:
    one_off = add_one_off_invoice(sandbox, "cus_demo_grace")
    headers = auth(app, account, "cus_demo_grace")
    assert one_off not in {i["id"] for i in invoices(client, headers)}
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        found = service.get(account.account.public_id)
        assert found is not None
        service.update_settings(found, {"show_all_invoices": True})
    assert one_off in {i["id"] for i in invoices(client, headers)}


def test_a_token_only_lists_its_customers_invoices(app: Flask, client: FlaskClient,
                                                   account: CreatedAccount) -> None:
    ana = {i["subscription_id"] for i in invoices(client, auth(app, account, "cus_demo_ana"))}
    assert ana == {"sub_demo_ana"}
    both = {i["subscription_id"] for i in
            invoices(client, auth(app, account, "cus_demo_ana", "cus_demo_hana"))}
    assert both == {"sub_demo_ana", "sub_demo_hana"}


def test_requires_a_token(client: FlaskClient) -> None:
    assert client.get("/v1/portal/invoices").status_code == 401
