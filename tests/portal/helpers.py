"""Helpers of the portal tests (their fixtures, `portal` and `fresh_sandbox`, are in conftest.py).

`Portal` is a freshly reseeded sandbox plus an account whose settings a test can change, a
way to call the portal API as a given customer, and views of what Stripe received and holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from widget_server import db
from widget_server.accounts import AccountService, CreatedAccount, secret_box
from widget_server.identity import issue_portal_token
from widget_server.models import Account, AuditEvent
from widget_server.sandbox import SandboxServer

WRITE_METHODS = ("POST", "DELETE")


@dataclass
class Portal:
    """One test's view of the app, its account and the Stripe sandbox."""

    app: Flask
    client: FlaskClient
    account: CreatedAccount
    sandbox: SandboxServer

    # --- settings and calls ------------------------------------------------------------

    def configure(self, **settings: Any) -> None:
        with db.session_scope(self.app) as session:
            account = session.get(Account, self.account.account.id)
            assert account is not None
            AccountService(session, secret_box(self.app)).update_settings(account, settings)

    def token(self, *customers: str) -> str:
        token, _expires = issue_portal_token(
            self.app.config["SECRET_KEY"], account_id=self.account.account.public_id,
            customer_ids=list(customers), mode="embed", ttl_seconds=600)
        return token

    def call(self, method: str, path: str, customer: str | tuple[str, ...] = "cus_demo_ana",
             json: Any = None, key: str | None = None, **headers: str) -> Any:
        customers = (customer,) if isinstance(customer, str) else customer
        sent = {"Authorization": f"Bearer {self.token(*customers)}", **headers}
        if key is not None:
            sent["Idempotency-Key"] = key
        return self.client.open(path, method=method, json=json, headers=sent)

    def post(self, path: str, customer: str | tuple[str, ...] = "cus_demo_ana",
             json: Any = None, key: str | None = None) -> Any:
        return self.call("POST", path, customer, json=json, key=key)

    # --- the sandbox -------------------------------------------------------------------

    @property
    def stripe(self) -> stripe.StripeClient:
        """The official client on the sandbox, to arrange a test's Stripe state."""
        return stripe.StripeClient("sk_test_arrange", base_addresses={"api": self.sandbox.url},
                                   max_network_retries=0)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.sandbox.url}/_sandbox{path}", timeout=10,
                                    **kwargs)
        response.raise_for_status()
        return response.json()

    def clear_log(self) -> None:
        self.control("DELETE", "/requests")

    def requests(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "/requests")["requests"]
        return found

    def writes(self) -> list[dict[str, Any]]:
        """Stripe writes received since the log was cleared (previews are reads)."""
        return [r for r in self.requests() if r["method"] in WRITE_METHODS
                and not r["path"].endswith("/create_preview")]

    def fault(self, **faults: Any) -> None:
        self.control("POST", "/faults", json=faults)

    def clear_faults(self) -> None:
        self.control("DELETE", "/faults")

    def objects(self, kind: str) -> dict[str, dict[str, Any]]:
        state: dict[str, dict[str, Any]] = self.control("GET", "/state")["objects"].get(kind, {})
        return state

    def obj(self, kind: str, object_id: str) -> dict[str, Any]:
        return self.objects(kind)[object_id]

    def subscription(self, sub_id: str) -> dict[str, Any]:
        return self.obj("subscription", sub_id)

    def item_of(self, sub_id: str, index: int = 0) -> dict[str, Any]:
        """The sandbox's subscription item (items may be stored inline or in their table)."""
        sub = self.subscription(sub_id)
        items = sub.get("items")
        if isinstance(items, dict) and items.get("data"):
            return dict(items["data"][index])
        rows = [i for i in self.objects("subscription_item").values()
                if i.get("subscription") == sub_id]
        rows.sort(key=lambda i: i.get("created", 0))
        return rows[index]

    def item_price(self, sub_id: str, index: int = 0) -> str:
        price = self.item_of(sub_id, index)["price"]
        return str(price if isinstance(price, str) else price["id"])

    def customer_subscriptions(self, customer: str) -> list[dict[str, Any]]:
        return [s for s in self.objects("subscription").values() if s["customer"] == customer]

    # --- the audit log -----------------------------------------------------------------

    def audit(self, action: str | None = None) -> list[AuditEvent]:
        with db.session_scope(self.app) as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action:
                query = query.where(AuditEvent.action == action)
            rows = list(session.scalars(query))
            session.expunge_all()
        return rows


def error_of(response: Any) -> dict[str, Any]:
    """The one JSON error shape: {"error": {"code", "message", "param"?}}."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    error: dict[str, Any] = body["error"]
    return error


def auth(app: Flask, account: CreatedAccount, *customer_ids: str) -> dict[str, str]:
    """The Authorization header of a portal token for `customer_ids`."""
    token, _expires = issue_portal_token(
        app.config["SECRET_KEY"], account_id=account.account.public_id,
        customer_ids=list(customer_ids), mode="embed", ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def configure(app: Flask, account: CreatedAccount, **changes: Any) -> None:
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        found = service.get(account.account.public_id)
        assert found is not None
        service.update_settings(found, changes)
