"""`widget-server demo`: the pretend customer app embeds the portal with a real, valid hash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from widget_server import db
from widget_server.accounts import AccountService, secret_box
from widget_server.demo_runner import DEMO_ACCOUNT_ID, build_demo_app
from widget_server.identity import verify_identity_hash
from widget_server.sandbox.seed import DEMO_CUSTOMERS


@pytest.fixture
def demo_app(tmp_path: Path, sandbox):
    app, _password = build_demo_app(port=8123, sandbox_url=sandbox.url, data_dir=tmp_path)
    yield app
    db.get_database(app).engine.dispose()


def test_index_lists_every_seeded_customer(demo_app):
    page = demo_app.test_client().get("/demo/").get_data(as_text=True)
    for customer in DEMO_CUSTOMERS:
        assert f"customer={customer['id']}" in page


@pytest.mark.parametrize("by", ["email", "customer_id"])
def test_host_page_mounts_the_loader_with_a_hash_that_verifies(demo_app, by):
    customer = DEMO_CUSTOMERS[0]
    page = demo_app.test_client().get(
        f"/demo/app?customer={customer['id']}&by={by}&mode=inline").get_data(as_text=True)
    assert 'src="http://127.0.0.1:8123/embed/v1/portal.js"' in page
    assert '"inline"' in page
    identifier = customer["email"] if by == "email" else customer["id"]
    found = re.search(r'hash: "([0-9a-f]{64})"', page)
    assert found is not None
    with demo_app.app_context(), db.session_scope(demo_app) as session:
        service = AccountService(session, secret_box(demo_app))
        secret = service.identity_secrets(service.get(DEMO_ACCOUNT_ID))[0]
    assert verify_identity_hash(secret, identifier, found.group(1))


def test_demo_account_allows_the_host_origin_and_enables_every_capability(demo_app):
    with db.session_scope(demo_app) as session:
        service = AccountService(session, secret_box(demo_app))
        account = service.get(DEMO_ACCOUNT_ID)
        assert "http://localhost:8123" in account.allowed_origins
        settings = service.settings(account)
    assert all(settings[name] for name in ("quantity", "coupons", "pause", "change_plan",
                                           "cancellation", "update_card", "resubscribe"))


def test_unknown_customer_is_a_404(demo_app):
    assert demo_app.test_client().get("/demo/app?customer=cus_nobody").status_code == 404


def test_demo_routes_exist_only_in_demo_mode(client):
    assert client.get("/demo/").status_code == 404


@pytest.mark.parametrize("path", ["/demo/", f"/demo/app?customer={DEMO_CUSTOMERS[0]['id']}"])
def test_demo_pages_use_no_inline_event_handlers(demo_app, path):
    """The demo pages' CSP allows only nonce'd scripts, so an onchange="…" attribute is dead
    (the Identify-by / Mode / Language selects once did nothing)."""
    response = demo_app.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert not re.search(r"\son[a-z]+\s*=", response.get_data(as_text=True), re.IGNORECASE)


def test_the_demo_retention_coupon_exists_in_the_seed(sandbox):
    import stripe

    from widget_server.demo_runner import DEMO_SETTINGS

    client = stripe.StripeClient("sk_test_demo", base_addresses={"api": sandbox.url})
    coupon = client.v1.coupons.retrieve(DEMO_SETTINGS["retention_coupon"])
    assert coupon.valid and coupon.percent_off == 50


def test_demo_has_portal_activity_for_the_analytics(demo_app):
    from sqlalchemy import func, select

    from widget_server.demo_activity import CUSTOMERS
    from widget_server.models import AuditEvent

    with db.session_scope(demo_app) as session:
        actions = dict(session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
    for action in ("subscription.cancel", "subscription.retention_offer",
                   "subscription.change_plan", "subscription.resume"):
        assert actions.get(action, 0) > 0, action
    seeded = {c["id"] for c in DEMO_CUSTOMERS}
    assert set(CUSTOMERS) <= seeded
