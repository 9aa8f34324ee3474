"""Cost independent of history: a warm view makes at most 2 Stripe calls whatever the
customer's past, invoices and canceled subscriptions come a page at a time (Stripe cursors),
and the UI strings are served once, versioned and cacheable."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

from tests.portal.helpers import Portal, error_of
from widget_server.sandbox.growth import add_customer, add_invoices, add_subscriptions

LONG = "cus_test_history"


def _get(portal: Portal, path: str, customer: str = LONG) -> dict[str, Any]:
    response = portal.call("GET", path, customer)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _stripe_gets(portal: Portal) -> list[tuple[str, dict[str, list[str]]]]:
    found = [(r["path"], parse_qs(r["query"])) for r in portal.requests()
             if r["method"] == "GET"]
    portal.clear_log()
    return found


def test_a_warm_view_makes_two_stripe_calls_whatever_the_history(portal: Portal) -> None:
    add_customer(portal.sandbox.store, LONG)
    add_subscriptions(portal.sandbox.store, LONG, 1)
    add_subscriptions(portal.sandbox.store, LONG, 49, canceled=True)
    _get(portal, "/v1/portal", "cus_demo_ana")  # warms the catalog
    for customer in ("cus_demo_ana", "cus_demo_ivan", LONG):
        _stripe_gets(portal)
        _get(portal, "/v1/portal", customer)
        calls = _stripe_gets(portal)
        assert sorted(path for path, _q in calls) == [
            f"/v1/customers/{customer}", "/v1/subscriptions"], calls
        customer_query = dict(calls)[f"/v1/customers/{customer}"]
        # tax ids and the default card come with the customer: never a call of their own
        assert set(customer_query["expand[0]"] + customer_query["expand[1]"]) == {
            "invoice_settings.default_payment_method", "tax_ids"}


def test_canceled_subscriptions_come_a_page_at_a_time(portal: Portal) -> None:
    add_customer(portal.sandbox.store, LONG)
    (live,) = add_subscriptions(portal.sandbox.store, LONG, 1)
    canceled = add_subscriptions(portal.sandbox.store, LONG, 12, canceled=True)
    view = _get(portal, "/v1/portal")
    shown = [s["id"] for s in view["subscriptions"]]
    assert live in shown and len(shown) == 1 + 5
    seen = [s for s in shown if s != live]
    cursor = view["canceled_next"]
    pages = 0
    while cursor:
        _stripe_gets(portal)
        page = _get(portal, f"/v1/portal/subscriptions/canceled?starting_after={cursor}")
        calls = _stripe_gets(portal)
        # the canceled page, and the live ones (what a resubscribe would duplicate)
        assert sorted(q.get("status", ["live"])[0] for _p, q in calls) == ["canceled", "live"]
        assert all(s["status"] == "canceled" for s in page["subscriptions"])
        assert all(s["actions"]["resubscribe"] is False or s["duplicate_of"] is None
                   for s in page["subscriptions"])
        seen += [s["id"] for s in page["subscriptions"]]
        cursor = page["next"]
        pages += 1
    assert pages == 2 and len(seen) == len(set(seen)) == 12
    assert set(seen) == set(canceled)
    created = [portal.subscription(s)["created"] for s in seen]
    assert created == sorted(created, reverse=True)  # newest first across pages


def test_only_active_subscriptions_offers_no_more_canceled(portal: Portal) -> None:
    add_customer(portal.sandbox.store, LONG)
    add_subscriptions(portal.sandbox.store, LONG, 8, canceled=True)
    assert _get(portal, "/v1/portal")["canceled_next"]
    portal.configure(only_active_subscriptions=True)
    view = _get(portal, "/v1/portal")
    assert view["subscriptions"] == [] and view["canceled_next"] is None


def test_111_invoices_come_12_at_a_time_newest_first(portal: Portal) -> None:
    add_customer(portal.sandbox.store, LONG)
    add_subscriptions(portal.sandbox.store, LONG, 1)
    add_invoices(portal.sandbox.store, LONG, 111)
    expected = [i["id"] for i in sorted(
        (i for i in portal.objects("invoice").values() if i["customer"] == LONG),
        key=lambda i: i["created"], reverse=True)]
    assert len(expected) == 112
    _get(portal, "/v1/portal")  # warms the catalog (product names of the invoices)
    seen: list[str] = []
    query = ""
    while True:
        _stripe_gets(portal)
        page = _get(portal, f"/v1/portal/invoices{query}")
        (call,) = _stripe_gets(portal)
        assert call[0] == "/v1/invoices" and call[1]["limit"] == ["12"]
        assert len(page["invoices"]) <= 12
        seen += [i["id"] for i in page["invoices"]]
        assert page["has_more"] is (page["next"] is not None)
        if not page["next"]:
            break
        query = f"?starting_after={page['next']}"
    assert seen == expected  # every invoice once, in Stripe's order


def test_a_cursor_for_another_customer_or_garbage_is_refused(portal: Portal) -> None:
    other = base64.urlsafe_b64encode(json.dumps({"cus_demo_ben": ""}).encode()).decode()
    for cursor in (other.rstrip("="), "bm90LWpzb24", "e30"):
        for path in ("/v1/portal/invoices", "/v1/portal/subscriptions/canceled"):
            response = portal.call("GET", f"{path}?starting_after={cursor}", "cus_demo_ana")
            assert response.status_code == 409, (path, cursor)
            assert error_of(response)["code"] == "invalid_cursor"
    assert portal.requests() == []  # refused before any Stripe call
    response = portal.call("GET", "/v1/portal/invoices?starting_after=a%20b", "cus_demo_ana")
    assert response.status_code == 400  # not even a cursor's characters


def test_strings_are_versioned_public_and_cached(portal: Portal) -> None:
    url = _get(portal, "/v1/portal?locale=de", "cus_demo_ana")["strings_url"]
    response = portal.client.get(url)  # no token: the strings are not secret
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.get_json()
    assert (body["locale"], body["strings"]["Subscriptions"]) == ("de", "Abonnements")
    stale = portal.client.get(url.replace("v=", "v=0"))
    assert stale.headers["Cache-Control"] == "no-cache"
    portal.configure(custom_strings={"de": {"Subscriptions": "Ihre Abos"}})
    changed = _get(portal, "/v1/portal?locale=de", "cus_demo_ana")["strings_url"]
    assert changed != url  # a new version: browsers fetch it again
    assert portal.client.get(changed).get_json()["strings"]["Subscriptions"] == "Ihre Abos"
    assert "strings" not in _get(portal, "/v1/portal", "cus_demo_ana")  # not in every view


def test_strings_of_an_unknown_account_are_a_404(portal: Portal) -> None:
    response = portal.client.get("/v1/portal/strings?account=acct_nope&locale=de")
    assert response.status_code == 404
    assert error_of(response)["code"] == "account_not_found"
    response = portal.client.get("/v1/portal/strings?locale=de")
    assert response.status_code == 400
