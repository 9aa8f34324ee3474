"""Customers in the dashboard: search through Stripe's search API, a customer's page, and the
owner's confirmed, audited, idempotent actions on a subscription (against the sandbox)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.dashboard.helpers import PASSWORD, create_owner, csrf_from, give_account, login
from tests.dashboard.owner_fixtures import BASE, Owned, page
from tests.helpers import set_webhook_secret
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.billing.owner import OwnerBilling, customer_search_query
from widget_server.billing_web import billing_factory, registry
from widget_server.models import AuditEvent

_INTENT = re.compile(r'name="intent" value="([^"]+)"')


def owner_audit(app: Flask) -> list[AuditEvent]:
    with db.session_scope(app) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.actor_type == "owner")
                                    .where(AuditEvent.action.startswith("dashboard.subscr"))
                                    .order_by(AuditEvent.id)))
        session.expunge_all()
    return rows


def action_path(owned: Owned, customer: str, sub: str, name: str) -> str:
    return f"{BASE}/{owned.public_id}/customers/{customer}/subscriptions/{sub}/{name}"


def confirm(client: FlaskClient, path: str, status: int = 302,
            intent: str | None = None) -> tuple[str, str]:
    """Open the confirm page and submit its form; (the answer's text, the intent used)."""
    html = page(client, path)
    sent_intent = intent or _INTENT.search(html).group(1)  # type: ignore[union-attr]
    response = client.post(path, data={"csrf_token": csrf_from(html), "intent": sent_intent,
                                       "confirm": "yes"})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True), sent_intent


# --- the search query ------------------------------------------------------------------------

def test_query_language_quotes_and_escapes_what_the_owner_typed() -> None:
    assert customer_search_query("ana@example.com") == "email:'ana@example.com'"
    assert customer_search_query("  Ana   Souza ") == "name~'Ana Souza' OR email~'Ana Souza'"
    assert customer_search_query("Al") == "name:'Al'"
    # part of an address is a substring of the email (Stripe's `~`, 3 characters at least)
    assert customer_search_query("ana@") == "email~'ana@'"
    assert customer_search_query("@example.com") == "email~'@example.com'"
    assert customer_search_query("ana@example") == "email~'ana@example'"
    assert customer_search_query("a@") == "email:'a@'"
    assert customer_search_query("   ") is None
    assert customer_search_query("o'brien") == "name~'o\\'brien' OR email~'o\\'brien'"
    assert customer_search_query("a\\b") == "name~'a\\\\b' OR email~'a\\\\b'"
    # an injected clause stays inside the quoted value
    injected = customer_search_query("x' OR email:'ana@example.com")
    assert injected == ("name~'x\\' OR email:\\'ana@example.com' OR "
                        "email~'x\\' OR email:\\'ana@example.com'")


# --- search ----------------------------------------------------------------------------------

def test_search_by_email_finds_exactly_that_customer(dash: FlaskClient, owned: Owned,
                                                     portal: Portal) -> None:
    portal.clear_log()
    html = page(dash, f"{BASE}/{owned.public_id}/customers?q=ANA@example.com")
    assert "cus_demo_ana" in html and "Ana Souza" in html
    assert "cus_demo_ben" not in html
    searches = [r for r in portal.requests() if r["path"].startswith("/v1/customers/search")]
    assert len(searches) == 1


@pytest.mark.parametrize("query", ["ana@", "ANA@exam", "ana@example"])
def test_search_by_part_of_an_email(dash: FlaskClient, owned: Owned, query: str) -> None:
    html = page(dash, f"{BASE}/{owned.public_id}/customers?q={quote(query)}")
    assert "cus_demo_ana" in html and "Ana Souza" in html
    assert "cus_demo_ben" not in html


def test_search_by_part_of_a_name(dash: FlaskClient, owned: Owned) -> None:
    html = page(dash, f"{BASE}/{owned.public_id}/customers?q=okafor")
    assert "cus_demo_ben" in html and "Ben Okafor" in html
    assert "cus_demo_ana" not in html
    assert "1 customer found" in html


def test_search_by_customer_id_retrieves_it_directly(dash: FlaskClient, owned: Owned,
                                                     portal: Portal) -> None:
    portal.clear_log()
    html = page(dash, f"{BASE}/{owned.public_id}/customers?q=cus_demo_carla")
    assert "Carla Rossi" in html
    paths = [r["path"] for r in portal.requests()]
    assert any(p.startswith("/v1/customers/cus_demo_carla") for p in paths)
    assert not any(p.startswith("/v1/customers/search") for p in paths)


@pytest.mark.parametrize("query", ["nobody@nowhere.test", "cus_doesnotexist", "zzzqqq"])
def test_no_results(dash: FlaskClient, owned: Owned, query: str) -> None:
    html = page(dash, f"{BASE}/{owned.public_id}/customers?q={query}")
    assert "No customer matches" in html
    assert "cus_demo_" not in html


@pytest.mark.parametrize("query", ["x' OR email:'ana@example.com", "ana\\", "'\"'",
                                   "a' AND -name:'b", "metadata['x']:'y'"])
def test_query_language_characters_never_break_or_widen_the_search(
        dash: FlaskClient, owned: Owned, query: str) -> None:
    response = dash.get(f"{BASE}/{owned.public_id}/customers", query_string={"q": query})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "cus_demo_ana" not in html
    assert "No customer matches" in html


def test_search_page_without_query_shows_the_form(dash: FlaskClient, owned: Owned) -> None:
    html = page(dash, f"{BASE}/{owned.public_id}/customers")
    assert 'name="q"' in html and "No customer matches" not in html


def test_stripe_failure_on_search_is_a_translated_error(dash: FlaskClient, owned: Owned,
                                                        portal: Portal) -> None:
    portal.fault(error_status=500, next=5, path="/v1/customers/search")
    response = dash.get(f"{BASE}/{owned.public_id}/customers?q=Souza",
                        headers={"Accept-Language": "de"})
    html = response.get_data(as_text=True)
    assert response.status_code == 502
    assert 'role="alert"' in html and 'lang="de"' in html
    assert "Abrechnungsdienst" in html  # billing_web's sentence, in German


# --- a customer's page -----------------------------------------------------------------------

def test_customer_page_shows_subscriptions_and_portal_activity(
        dash: FlaskClient, owned: Owned, portal: Portal) -> None:
    portal.configure(cancellation=True, cancellation_reason=True)
    assert portal.post("/v1/portal/subscriptions/sub_demo_ana/cancel",
                       json={"reason": "too_expensive"}).status_code == 200
    html = page(dash, f"{BASE}/{owned.public_id}/customers/cus_demo_ana")
    assert "sub_demo_ana" in html and "Set to cancel" in html
    assert "Ends on" in html and "Started on" in html
    assert "subscription.cancel" in html  # the portal's audit row
    assert "cus_demo_ben" not in html
    assert "/subscriptions/sub_demo_ana/resume" in html
    assert "/subscriptions/sub_demo_ana/cancel_now" in html
    assert "/subscriptions/sub_demo_ana/cancel_at_period_end" not in html  # already set


def test_unknown_customer_is_404(dash: FlaskClient, owned: Owned) -> None:
    page(dash, f"{BASE}/{owned.public_id}/customers/cus_nobody", 404)
    page(dash, f"{BASE}/{owned.public_id}/customers/not-an-id", 404)


# --- owner actions ----------------------------------------------------------------------------

def test_cancel_at_period_end_then_resume(app: Flask, dash: FlaskClient, owned: Owned,
                                          portal: Portal) -> None:
    confirm(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_at_period_end"))
    sub = portal.subscription("sub_demo_ana")
    assert sub["cancel_at_period_end"] is True and sub["status"] == "active"
    confirm(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "resume"))
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is False
    rows = owner_audit(app)
    assert [(r.action, r.result) for r in rows] == [
        ("dashboard.subscription.cancel_at_period_end", "ok"),
        ("dashboard.subscription.resume", "ok")]
    assert all(r.detail["owner_id"] == owned.owner_id and r.actor == "olga@owner.test"
               and r.target == "sub_demo_ana" and r.detail["customer"] == "cus_demo_ana"
               for r in rows)


def test_cancel_now_revokes_access(app: Flask, dash: FlaskClient, owned: Owned,
                                   portal: Portal) -> None:
    confirm(dash, action_path(owned, "cus_demo_farid", "sub_demo_farid", "cancel_now"))
    assert portal.subscription("sub_demo_farid")["status"] == "canceled"
    shown = page(dash, f"{BASE}/{owned.public_id}/customers/cus_demo_farid")
    assert "The subscription was canceled" in shown and "Canceled" in shown
    # the customer's portal has no live subscription left
    body = portal.call("GET", "/v1/portal", "cus_demo_farid").get_json()
    assert all(s["status"] == "canceled" for s in body["subscriptions"])
    assert owner_audit(app)[-1].action == "dashboard.subscription.cancel_now"


def test_get_only_shows_the_confirm_step(dash: FlaskClient, owned: Owned,
                                         portal: Portal) -> None:
    portal.clear_log()
    html = page(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now"))
    assert 'name="confirm" value="yes"' in html and 'name="csrf_token"' in html
    assert "cannot be undone" in html
    assert portal.writes() == []


@pytest.mark.parametrize("form", [{"intent": "abcdefgh12345"}, {"confirm": "yes"},
                                  {"confirm": "no", "intent": "abcdefgh12345"},
                                  {"confirm": "yes", "intent": "bad intent!"}])
def test_a_post_without_the_confirm_form_changes_nothing(
        app: Flask, dash: FlaskClient, owned: Owned, portal: Portal,
        form: dict[str, str]) -> None:
    path = action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now")
    token = csrf_from(page(dash, path))
    portal.clear_log()
    response = dash.post(path, data={"csrf_token": token, **form})
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["status"] == "active"


def test_csrf_is_required(dash: FlaskClient, owned: Owned, portal: Portal) -> None:
    portal.clear_log()
    response = dash.post(action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now"),
                         data={"confirm": "yes", "intent": "abcdefgh12345"})
    assert response.status_code == 400
    assert portal.writes() == []


def test_double_submit_makes_one_change(app: Flask, dash: FlaskClient, owned: Owned,
                                        portal: Portal) -> None:
    path = action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now")
    portal.clear_log()
    _html, intent = confirm(dash, path)
    token = csrf_from(page(dash, f"{BASE}/{owned.public_id}/customers/cus_demo_ana"))
    again = dash.post(path, data={"csrf_token": token, "intent": intent, "confirm": "yes"})
    assert again.status_code == 302
    cancels = [w for w in portal.writes() if w["path"] == "/v1/subscriptions/sub_demo_ana"
               and w["method"] == "DELETE"]
    assert len(cancels) == 1
    rows = owner_audit(app)
    assert [r.result for r in rows] == ["ok", "ok"]
    assert rows[1].detail.get("unchanged") is True


def owner_billing(app: Flask) -> OwnerBilling:
    key = "sk_test_widgetserver"
    return OwnerBilling(registry(app).client_for(key), billing_factory(app).catalog(key))


def test_a_racing_second_update_is_replayed_by_its_idempotency_key(
        app: Flask, portal: Portal, owned: Owned) -> None:
    """Two submits that both read the subscription before either wrote: Stripe replays."""
    billing = owner_billing(app)
    first = billing.owner_cancel_at_period_end("sub_demo_ana", idempotency_key="ws_test_1abc")
    portal.stripe.v1.subscriptions.update("sub_demo_ana", {"metadata": {"touched": "yes"}})
    second = billing.owner_cancel_at_period_end("sub_demo_ana", idempotency_key="ws_test_1abc")
    assert first == second  # the first answer, replayed (not a re-read with the new metadata)
    assert "touched" not in second.metadata
    updates = [w for w in portal.writes() if w["path"] == "/v1/subscriptions/sub_demo_ana"]
    assert len(updates) == 3


def test_a_racing_second_cancel_now_is_the_same_outcome(app: Flask, portal: Portal,
                                                        owned: Owned) -> None:
    billing = owner_billing(app)
    first = billing.owner_cancel_now("sub_demo_ana")
    second = billing.owner_cancel_now("sub_demo_ana")  # Stripe: already canceled
    assert first.status == second.status == "canceled"
    assert first.canceled_at == second.canceled_at


def test_cancel_of_a_subscription_with_a_scheduled_change(dash: FlaskClient, owned: Owned,
                                                          portal: Portal) -> None:
    confirm(dash, action_path(owned, "cus_demo_sam", "sub_demo_sam", "cancel_at_period_end"))
    sub = portal.subscription("sub_demo_sam")
    assert sub["cancel_at_period_end"] is True and sub["schedule"] is None


def test_an_action_already_done_writes_nothing(app: Flask, dash: FlaskClient, owned: Owned,
                                              portal: Portal) -> None:
    portal.clear_log()
    confirm(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "resume"))
    # resume on a subscription not set to cancel: already in that state, nothing written
    assert portal.writes() == []
    assert owner_audit(app)[-1].detail.get("unchanged") is True


def test_an_action_the_state_does_not_allow_is_refused(app: Flask, dash: FlaskClient,
                                                       owned: Owned, portal: Portal) -> None:
    path = action_path(owned, "cus_demo_dan", "sub_demo_dan", "cancel_at_period_end")
    html = page(dash, path, 409)  # the confirm step already says so, with no form
    assert 'name="confirm"' not in html and "not possible" in html
    token = csrf_from(page(dash, f"{BASE}/{owned.public_id}/customers/cus_demo_dan"))
    portal.clear_log()
    response = dash.post(path, data={"csrf_token": token, "confirm": "yes",
                                     "intent": "abcdefgh12345"})
    assert response.status_code == 409
    assert "not possible in the subscription" in response.get_data(as_text=True)
    assert portal.writes() == []
    row = owner_audit(app)[-1]
    assert row.result == "refused" and row.detail["code"] == "action_not_allowed"


def test_a_stripe_error_is_translated_and_audited(app: Flask, dash: FlaskClient,
                                                  owned: Owned, portal: Portal) -> None:
    path = action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_at_period_end")
    html = page(dash, path)
    portal.fault(error_status=500, next=1, path="/v1/subscriptions/sub_demo_ana",
                 method="POST")
    response = dash.post(path, headers={"Accept-Language": "fr"}, data={
        "csrf_token": csrf_from(html), "intent": _INTENT.search(html).group(1),  # type: ignore[union-attr]
        "confirm": "yes"})
    text = response.get_data(as_text=True)
    assert response.status_code == 502
    assert 'role="alert"' in text and 'lang="fr"' in text
    assert portal.subscription("sub_demo_ana")["cancel_at_period_end"] is False
    assert owner_audit(app)[-1].result == "error"


def test_a_subscription_of_another_customer_is_404(dash: FlaskClient, owned: Owned,
                                                   portal: Portal) -> None:
    path = action_path(owned, "cus_demo_ben", "sub_demo_ana", "cancel_now")
    page(dash, path, 404)
    assert dash.post(path, data={"confirm": "yes"}).status_code in (400, 404)
    page(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "delete_everything"), 404)
    assert portal.subscription("sub_demo_ana")["status"] == "active"


def test_another_owners_account_is_404(app: Flask, client: FlaskClient, owned: Owned,
                                       portal: Portal) -> None:
    other = create_owner(app, "mallory@owner.test")
    give_account(app, other, name="Mallory Co")
    login(client, "mallory@owner.test", PASSWORD)
    portal.clear_log()
    for path in (f"{BASE}/{owned.public_id}/customers?q=ana@example.com",
                 f"{BASE}/{owned.public_id}/customers/cus_demo_ana",
                 action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now"),
                 f"{BASE}/{owned.public_id}/analytics",
                 f"{BASE}/{owned.public_id}/analytics.csv"):
        assert client.get(path).status_code == 404, path
    token = csrf_from(client.get("/dashboard/").get_data(as_text=True)
                      if 'csrf_token' in client.get("/dashboard/").get_data(as_text=True)
                      else page(client, "/dashboard/login"))
    response = client.post(action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now"),
                           data={"csrf_token": token, "confirm": "yes",
                                 "intent": "abcdefgh12345"})
    assert response.status_code == 404
    assert portal.requests() == []
    assert portal.subscription("sub_demo_ana")["status"] == "active"


def test_signed_out_visitors_go_to_the_login(client: FlaskClient, owned: Owned) -> None:
    response = client.get(f"{BASE}/{owned.public_id}/customers")
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


# --- the customer's portal view snapshots -----------------------------------------------------

def _portal_sub(portal: Portal, customer: str, sub_id: str) -> tuple[dict[str, object], int]:
    """The customer's portal view of one subscription and the Stripe requests it made."""
    portal.clear_log()
    response = portal.call("GET", "/v1/portal", customer)
    assert response.status_code == 200, response.get_json()
    [sub] = [s for s in response.get_json()["subscriptions"] if s["id"] == sub_id]
    return sub, len(portal.requests())


def test_an_owner_action_makes_the_customers_next_portal_view_current(
        app: Flask, dash: FlaskClient, owned: Owned, portal: Portal) -> None:
    set_webhook_secret(app, owned.public_id, "whsec_" + "o" * 32)  # snapshots on
    _portal_sub(portal, "cus_demo_ana", "sub_demo_ana")
    cached, calls = _portal_sub(portal, "cus_demo_ana", "sub_demo_ana")
    assert calls == 0 and cached["cancel_at_period_end"] is False
    confirm(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_at_period_end"))
    sub, calls = _portal_sub(portal, "cus_demo_ana", "sub_demo_ana")
    assert calls > 0 and sub["cancel_at_period_end"] is True
    confirm(dash, action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_now"))
    body = portal.call("GET", "/v1/portal", "cus_demo_ana").get_json()
    assert all(s["status"] == "canceled" for s in body["subscriptions"])


def test_a_failed_owner_action_also_forgets_the_portal_view(
        app: Flask, dash: FlaskClient, owned: Owned, portal: Portal) -> None:
    set_webhook_secret(app, owned.public_id, "whsec_" + "o" * 32)
    _portal_sub(portal, "cus_demo_ana", "sub_demo_ana")
    path = action_path(owned, "cus_demo_ana", "sub_demo_ana", "cancel_at_period_end")
    html = page(dash, path)
    portal.fault(error_status=500, next=1, path="/v1/subscriptions/sub_demo_ana",
                 method="POST")
    response = dash.post(path, data={
        "csrf_token": csrf_from(html), "intent": _INTENT.search(html).group(1),  # type: ignore[union-attr]
        "confirm": "yes"})
    assert response.status_code == 502
    _sub, calls = _portal_sub(portal, "cus_demo_ana", "sub_demo_ana")
    assert calls > 0


def test_a_failed_cancel_says_the_pending_plan_change_was_released(
        app: Flask, dash: FlaskClient, owned: Owned, portal: Portal) -> None:
    """Stripe refuses to cancel a subscription a schedule manages, so the schedule is released
    first; when the cancel then fails, the audit row and the page say so."""
    schedule = portal.subscription("sub_demo_sam")["schedule"]
    assert schedule
    path = action_path(owned, "cus_demo_sam", "sub_demo_sam", "cancel_at_period_end")
    html = page(dash, path)
    portal.fault(error_status=500, next=1, path="/v1/subscriptions/sub_demo_sam",
                 method="POST")
    response = dash.post(path, data={
        "csrf_token": csrf_from(html), "intent": _INTENT.search(html).group(1),  # type: ignore[union-attr]
        "confirm": "yes"})
    text = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "The pending plan change was removed before the cancellation failed." in text
    row = owner_audit(app)[-1]
    assert row.result == "error" and row.detail["released_schedule"] == schedule
    assert portal.subscription("sub_demo_sam")["cancel_at_period_end"] is False


def test_a_successful_cancel_records_the_released_schedule(
        app: Flask, dash: FlaskClient, owned: Owned, portal: Portal) -> None:
    schedule = portal.subscription("sub_demo_sam")["schedule"]
    confirm(dash, action_path(owned, "cus_demo_sam", "sub_demo_sam", "cancel_now"))
    row = owner_audit(app)[-1]
    assert row.result == "ok" and row.detail["released_schedule"] == schedule
