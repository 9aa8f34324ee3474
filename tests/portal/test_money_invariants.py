"""Stateful property tests of the money invariants (DESIGN §6.1), against the sandbox.

A hypothesis ``RuleBasedStateMachine`` drives random sequences of portal actions for one new
customer (sometimes in a trial, sometimes with a second live subscription to another product;
billed in USD, EUR or JPY through the plans' currency options): plan, interval and quantity
changes confirmed from their preview (sometimes from a stale second "tab"), cancels and resumes,
resubscribes (double submits, other tabs), failing and 3-D Secure cards, paying open invoices,
and clock advances through renewals. After every step it checks:

- the customer never holds two live subscriptions to one product (a change plan to the other
  subscription's product is neither offered in ``plan_options`` nor accepted: 409);
- every amount a preview showed equals, to the cent, what Stripe then charged or credited,
  and the preview's lines (discounts and account credit included) add up to it; a change in
  a trial invoices nothing (checked right after each confirm);
- every subscription shown offers an action or says why it offers none;
- no request ever answers 5xx.

``make test`` runs a bounded number of examples; ``WIDGET_SERVER_PROPERTY_EXAMPLES=N`` (and
``..._STEPS``) runs a longer one (docs/actions.md quotes the last long run).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.portal.helpers import Portal
from widget_server.portal.rules import LIVE_STATUSES

EXAMPLES = int(os.environ.get("WIDGET_SERVER_PROPERTY_EXAMPLES", "8"))
STEPS = int(os.environ.get("WIDGET_SERVER_PROPERTY_STEPS", "15"))
BASE_PRICES = ("price_starter_monthly", "price_starter_yearly", "price_pro_monthly",
               "price_pro_yearly", "price_team_monthly", "price_team_yearly")
CARDS = {
    "ok": "4242424242424242",
    "declines": "4000000000000341",  # attaches, then every charge is declined
    "3ds_on_session": "4000002500003155",
    "3ds_always": "4000002760003184",
}
DAY = 86400
# the seeded plans have EUR and JPY currency options (multi_currency is on): a zero-decimal
# currency checks the same invariants to the yen
CURRENCIES = ("usd", "eur", "jpy", "eur", "jpy")


class PortalMoney(RuleBasedStateMachine):
    portal: Portal  # set by the test before the machine runs

    # --- set-up --------------------------------------------------------------------------

    @initialize(price=st.sampled_from(BASE_PRICES), trial=st.booleans(),
                second=st.sampled_from([None, None, *BASE_PRICES]),
                currency=st.sampled_from(CURRENCIES))
    def new_customer(self, price: str, trial: bool, second: str | None,
                     currency: str) -> None:
        # a fresh sandbox per example: the clock advances renew every stored subscription,
        # so state left by earlier examples would make later ones slower and slower
        self.portal.control("POST", "/seed")
        stripe = self.portal.stripe
        customer = stripe.v1.customers.create({"email": f"{uuid.uuid4().hex[:10]}@example.com"})
        self.customer = customer.id
        self.attach("ok", default=True)
        event(f"billed in {currency}")
        stripe.v1.subscriptions.create({
            "customer": self.customer, "off_session": True, "currency": currency,
            "items": [{"price": price, "quantity": 2 if "team" in price else 1}],
            **({"trial_period_days": 14} if trial else {})})
        if second is not None and second.split("_")[1] != price.split("_")[1]:
            # a second live subscription: a change to its product would be a duplicate
            stripe.v1.subscriptions.create({"customer": self.customer, "off_session": True,
                                            "currency": currency,
                                            "items": [{"price": second, "quantity": 1}]})
        self.stale_previews: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
        self.checked_amounts = 0

    def attach(self, card: str, *, default: bool) -> str:
        stripe = self.portal.stripe
        pm = stripe.v1.payment_methods.create({"type": "card", "card": {
            "number": CARDS[card], "exp_month": 12, "exp_year": 2035}})
        stripe.v1.payment_methods.attach(pm.id, {"customer": self.customer})
        if default:
            stripe.v1.customers.update(self.customer, {
                "invoice_settings": {"default_payment_method": pm.id}})
        return str(pm.id)

    # --- helpers -------------------------------------------------------------------------

    def call(self, method: str, path: str, json: Any = None, key: str | None = None) -> Any:
        response = self.portal.call(method, path, self.customer, json=json, key=key)
        assert response.status_code < 500, (path, response.get_json())
        return response

    def view(self) -> dict[str, Any]:
        response = self.call("GET", "/v1/portal")
        assert response.status_code == 200, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    def subs(self, action: str | None = None) -> list[dict[str, Any]]:
        return [s for s in self.view()["subscriptions"]
                if action is None or s["actions"].get(action)]

    def invoice(self, invoice_id: str) -> dict[str, Any]:
        return self.portal.obj("invoice", invoice_id)

    def authenticate(self, client_secret: str, succeed: bool) -> None:
        intent = client_secret.split("_secret_")[0]
        self.portal.control("POST", f"/payment_intents/{intent}/authenticate",
                            json={"client_secret": client_secret,
                                  "outcome": "complete" if succeed else "fail"})

    def latest_invoice(self, sub_id: str) -> dict[str, Any]:
        return self.invoice(self.portal.subscription(sub_id)["latest_invoice"])

    def check_charged(self, sub_id: str, shown: dict[str, Any], before: str | None) -> None:
        """The invoice the change created is exactly the preview (a change that charged or
        credited something always creates one)."""
        invoice = self.latest_invoice(sub_id)
        lines = sum(line["amount"] for line in shown["lines"])
        if shown["applies_at_period_end"]:
            assert invoice["id"] == before
            return
        if shown["in_trial"]:  # a trial has no paid time: nothing invoiced, nothing due
            assert invoice["id"] == before and shown["lines"] == []
            assert (shown["total"], shown["amount_due"]) == (0, 0)
            assert self.portal.subscription(sub_id)["status"] == "trialing"
            event("change in a trial: nothing charged")
            return
        if not shown["other_pending"]:  # the lines add up to the charge (or to the credit)
            assert lines == (shown["amount_due"] if shown["total"] > 0 else shown["total"]), \
                shown
        assert invoice["id"] != before, "an immediate change creates its invoice"
        assert invoice["total"] == shown["total"], (invoice["total"], shown)
        assert invoice["amount_due"] == shown["amount_due"], (invoice["amount_due"], shown)
        if invoice["status"] == "paid":
            assert invoice["amount_paid"] == shown["amount_due"]
        event(f"change checked against its preview ({shown['kind']}, {invoice['status']})")
        self.checked_amounts += 1

    def confirm_change(self, sub: dict[str, Any], path: str, body: dict[str, Any],
                       shown: dict[str, Any], authenticate: bool) -> None:
        before = self.portal.subscription(sub["id"])["latest_invoice"]
        response = self.call("POST", path, json={
            **body, "proration_date": shown["proration_date"],
            "expected_total": shown["expected_total"],
            "expected_amount_due": shown["expected_amount_due"]})
        result = response.get_json()
        if response.status_code == 409:
            assert result["error"]["code"] in ("preview_stale", "state_changed", "conflict",
                                               "duplicate_subscription")
            event(f"confirm refused: {result['error']['code']}")
            return
        if response.status_code in (400, 403):  # the state moved on: expired or not allowed
            assert result["error"]["code"] in ("preview_expired", "action_not_allowed",
                                               "no_change")
            return
        if response.status_code == 402:  # declined: nothing applied, nothing paid
            invoice = self.latest_invoice(sub["id"])
            assert invoice["status"] != "paid" or invoice["id"] == before
            return
        assert response.status_code == 200, result
        self.check_charged(sub["id"], shown, before)
        action = result.get("requires_action")
        if action:
            event("change needed 3-D Secure")
            self.authenticate(action["client_secret"], authenticate)
            invoice = self.latest_invoice(sub["id"])
            if authenticate:
                assert invoice["status"] == "paid"
                assert invoice["amount_paid"] == shown["amount_due"]

    # --- rules ---------------------------------------------------------------------------

    @rule(price=st.sampled_from(BASE_PRICES), authenticate=st.booleans(),
          keep_for_later=st.sampled_from([False, False, False, True]))
    def change_plan(self, price: str, authenticate: bool, keep_for_later: bool) -> None:
        for sub in self.subs("change_plan"):
            path = f"/v1/portal/subscriptions/{sub['id']}/change_plan"
            body = {"price": price, "item": sub["items"][0]["id"]}
            response = self.call("POST", f"{path}/preview", json=body)
            offered = price in sub["items"][0]["plan_options"]
            if response.status_code == 409:  # another live subscription has this product
                assert response.get_json()["error"]["code"] == "duplicate_subscription"
                assert not offered, (price, sub["items"][0]["plan_options"])
                event("change plan refused: duplicate of another subscription")
                return
            if response.status_code != 200:
                assert response.status_code in (400, 403), response.get_json()
                return
            assert offered, (price, sub["items"][0]["plan_options"])
            shown = response.get_json()["preview"]
            if keep_for_later:  # a second tab that confirms later
                self.stale_previews.append((sub["id"], path, body, shown))
                return
            self.confirm_change(sub, path, body, shown, authenticate)
            return

    @rule(quantity=st.integers(min_value=1, max_value=6), authenticate=st.booleans())
    def change_quantity(self, quantity: int, authenticate: bool) -> None:
        for sub in self.subs("change_quantity"):
            path = f"/v1/portal/subscriptions/{sub['id']}/quantity"
            body = {"quantity": quantity, "item": sub["items"][0]["id"]}
            response = self.call("POST", f"{path}/preview", json=body)
            if response.status_code != 200:
                assert response.status_code in (400, 403), response.get_json()
                return
            self.confirm_change(sub, path, body, response.get_json()["preview"], authenticate)
            return

    @rule(authenticate=st.booleans())
    def confirm_a_stale_preview(self, authenticate: bool) -> None:
        if not self.stale_previews:
            return
        sub_id, path, body, shown = self.stale_previews.pop(0)
        self.confirm_change({"id": sub_id}, path, body, shown, authenticate)

    @rule(at_period_end=st.booleans())
    def cancel(self, at_period_end: bool) -> None:
        for sub in self.subs("cancel"):
            response = self.call("POST", f"/v1/portal/subscriptions/{sub['id']}/cancel",
                                 json={"at_period_end": at_period_end})
            assert response.status_code in (200, 402, 409), response.get_json()
            return

    @rule()
    def resume(self) -> None:
        for sub in self.subs("resume"):
            response = self.call("POST", f"/v1/portal/subscriptions/{sub['id']}/resume")
            assert response.status_code == 200, response.get_json()
            return

    @rule(double_submit=st.booleans(), second_tab=st.booleans(), authenticate=st.booleans())
    def resubscribe(self, double_submit: bool, second_tab: bool, authenticate: bool) -> None:
        for sub in self.subs("resubscribe"):
            path = f"/v1/portal/subscriptions/{sub['id']}/resubscribe"
            shown = self.call("POST", f"{path}/preview").get_json().get("preview")
            nonce = f"tab1-{uuid.uuid4().hex}"
            responses = [self.call("POST", path, key=nonce)]
            if double_submit:
                responses.append(self.call("POST", path, key=nonce))
            if second_tab:
                responses.append(self.call("POST", path, key=f"tab2-{uuid.uuid4().hex}"))
            created = [r.get_json() for r in responses if r.status_code == 200]
            assert len({c["subscription"]["id"] for c in created}) <= 1
            event(f"resubscribe: {len(responses)} submits, {len(created)} created")
            for r in responses:
                if r.status_code != 200:
                    assert r.status_code in (402, 409), r.get_json()
            if created:
                new = created[0]
                invoice = self.latest_invoice(new["subscription"]["id"])
                if shown is not None:
                    assert invoice["amount_due"] == shown["amount_due"], (invoice, shown)
                    self.checked_amounts += 1
                if new.get("requires_action"):
                    self.authenticate(new["requires_action"]["client_secret"], authenticate)
            return

    @rule(card=st.sampled_from(["ok", "ok", "declines", "3ds_on_session", "3ds_always"]))
    def use_card(self, card: str) -> None:
        pm = self.attach(card, default=False)
        response = self.call("POST", "/v1/portal/payment_method", json={"payment_method": pm})
        assert response.status_code == 200, response.get_json()

    @rule(authenticate=st.booleans())
    def pay_open_invoice(self, authenticate: bool) -> None:
        for sub in self.subs("pay_invoice"):
            invoice = sub["open_invoice"]
            response = self.call("POST", f"/v1/portal/invoices/{invoice['id']}/pay",
                                 key=f"pay-{uuid.uuid4().hex}")
            assert response.status_code in (200, 402, 409), response.get_json()
            body = response.get_json()
            if response.status_code == 200 and body.get("requires_action"):
                self.authenticate(body["requires_action"]["client_secret"], authenticate)
            if response.status_code == 200 and not body.get("requires_action"):
                paid = self.invoice(invoice["id"])
                assert paid["status"] == "paid" and paid["amount_paid"] == invoice["amount_due"]
            return

    @rule(days=st.sampled_from([1, 3, 12, 32]))
    def advance_clock(self, days: int) -> None:
        self.portal.control("POST", "/clock", json={"advance_seconds": days * DAY})

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def no_two_live_subscriptions_to_one_product(self) -> None:
        if not hasattr(self, "customer"):
            return
        seen: dict[str, str] = {}
        for sub in self.portal.customer_subscriptions(self.customer):
            if sub["status"] not in LIVE_STATUSES:
                continue
            for item in self.portal.objects("subscription_item").values():
                if item["subscription"] != sub["id"]:
                    continue
                product = self.portal.obj("price", item["price"])["product"]
                assert product not in seen, (product, seen[product], sub["id"])
                seen[product] = sub["id"]

    @invariant()
    def every_subscription_shows_a_way_forward_or_why_not(self) -> None:
        if not hasattr(self, "customer"):
            return
        for sub in self.view()["subscriptions"]:
            has_action = any(sub["actions"].values())
            assert has_action or sub["reason"], sub
            assert sub["badge"]["text"] and sub["badge"]["tone"]
            if sub["state"] != "active":
                assert sub["badge"]["tone"] != "success", sub


@pytest.mark.property
def test_money_invariants_hold_for_random_action_sequences(portal: Portal) -> None:
    portal.configure(quantity=True, resubscribe=True, cancel_immediately=True,
                     undo_cancel=True, pay_failed_invoices=True, update_card=True,
                     multi_currency=True)
    PortalMoney.portal = portal
    run_state_machine_as_test(PortalMoney, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 8,
        database=None))
