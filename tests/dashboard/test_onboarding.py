"""The first-run page (the first owner, then gone; race-safe) and owner invites (one-time
links that expire, are audited and can be revoked)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.dashboard.helpers import (
    PASSWORD,
    OwnerWithAccount,
    create_owner,
    csrf_from,
    give_account,
    login,
)
from tests.helpers import make_test_app
from widget_server import db
from widget_server.models import AuditEvent, Owner, OwnerInvite, utcnow
from widget_server.onboarding import (
    FirstRunTaken,
    InviteClosed,
    InviteService,
    InviteState,
    create_first_owner,
    first_run_open,
    setup_code,
    setup_code_matches,
)
from widget_server.sandbox import SandboxServer

NEW_PASSWORD = "a long and unusual passphrase 42"


def _owners(app: Flask) -> list[str]:
    with db.session_scope(app) as session:
        return sorted(session.scalars(select(Owner.email)))


def _audits(app: Flask, action: str) -> list[tuple[str, str]]:
    with db.session_scope(app) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.id))
        return [(row.result, row.target) for row in rows]


def code_of(app: Flask) -> str:
    return setup_code(str(app.config["SECRET_KEY"]), app.config.get("SETUP_CODE"))


def _first_run(client: FlaskClient, **fields: str) -> tuple[int, str]:
    token = csrf_from(client.get("/dashboard/first-run").get_data(as_text=True))
    data = {"setup_code": code_of(client.application), "email": "first@owner.test",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token} | fields
    response = client.post("/dashboard/first-run", data=data)
    return response.status_code, response.get_data(as_text=True)


# --- first run ------------------------------------------------------------------------------

def test_with_no_owner_the_dashboard_leads_to_the_first_run_page(client: FlaskClient) -> None:
    response = client.get("/dashboard/", follow_redirects=True)
    assert response.request.path == "/dashboard/first-run"
    assert "Set up widget-server" in response.get_data(as_text=True)


def test_the_first_run_creates_the_owner_signs_in_and_then_is_gone(
    app: Flask, client: FlaskClient
) -> None:
    status, _page = _first_run(client, email="  first@owner.test ")
    assert status == 302
    assert _owners(app) == ["first@owner.test"]
    assert client.get("/dashboard/accounts/new").status_code == 200  # signed in
    assert client.get("/dashboard/first-run").status_code == 404
    assert client.post("/dashboard/first-run", data={}).status_code in (400, 404)
    assert _audits(app, "dashboard.owner.first_run") == [("ok", "first@owner.test")]
    with app.test_client() as other:
        assert other.get("/dashboard/first-run").status_code == 404
        assert other.get("/dashboard/login").status_code == 200  # the sign-in page again


@pytest.mark.parametrize("given", ["", "WRONG-CODE-0000-0000", "x"])
def test_the_first_run_needs_the_setup_code(app: Flask, client: FlaskClient,
                                            given: str) -> None:
    status, page = _first_run(client, setup_code=given)
    assert status == 400
    assert "The setup code is not right" in page
    assert 'value="first@owner.test"' in page  # what was typed is kept
    assert _owners(app) == [] and first_run_open_in(app)
    assert _audits(app, "dashboard.owner.first_run") == []


def test_the_setup_code_is_forgiving_in_form_only(app: Flask, client: FlaskClient) -> None:
    code = code_of(app)
    assert len(code) == 19 and code.count("-") == 3
    assert setup_code_matches(f"  {code.lower().replace('-', ' ')} ", code)
    assert not setup_code_matches(code[:-1], code) and not setup_code_matches("", code)
    assert setup_code("another secret key of enough length!!") != code  # per secret key
    assert setup_code("any", "  chosen-by-env ") == "chosen-by-env"
    status, _page = _first_run(client, setup_code=code.lower().replace("-", ""))
    assert status == 302 and _owners(app) == ["first@owner.test"]


def test_a_configured_setup_code_replaces_the_derived_one(app: Flask,
                                                         client: FlaskClient) -> None:
    derived = code_of(app)
    app.config["SETUP_CODE"] = "my-own-setup-code"
    assert _first_run(client, setup_code=derived)[0] == 400
    assert _first_run(client, setup_code="MY-OWN-SETUP-CODE")[0] == 302


def test_the_first_run_page_is_gone_when_an_owner_exists(
    client: FlaskClient, ana: OwnerWithAccount
) -> None:
    assert client.get("/dashboard/first-run").status_code == 404
    assert client.get("/dashboard/login").status_code == 200


def test_bad_input_on_the_first_run_is_named_and_creates_nobody(
    app: Flask, client: FlaskClient
) -> None:
    cases = {
        "Enter an email address.": {"email": "not-an-email"},
        "at least 12 characters": {"password": "short", "confirm": "short"},
        "breached passwords": {"password": "password1234", "confirm": "password1234"},
        "not the same": {"confirm": NEW_PASSWORD + "x"},
    }
    for words, fields in cases.items():
        status, page = _first_run(client, **fields)
        assert status == 400, words
        assert words in page, words
        assert NEW_PASSWORD not in page  # a password is never echoed
    assert _owners(app) == []
    assert first_run_open_in(app)


def first_run_open_in(app: Flask) -> bool:
    with db.session_scope(app) as session:
        return first_run_open(session)


def test_the_first_run_needs_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    response = client.post("/dashboard/first-run", data={
        "email": "first@owner.test", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert _owners(app) == []


def test_two_concurrent_first_runs_create_one_owner(app: Flask) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(email: str) -> None:
        session = db.get_database(app).sessions()
        try:
            assert first_run_open(session)
            barrier.wait(timeout=10)  # both have seen "no owner yet"
            create_first_owner(session, email, NEW_PASSWORD)
            outcomes.append("created")
        except FirstRunTaken:
            outcomes.append("taken")
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(f"owner{i}@race.test",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["created", "taken"]
    with db.session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(Owner)) == 1


# --- invites --------------------------------------------------------------------------------

def _invite(client: FlaskClient, email: str) -> tuple[int, str]:
    token = csrf_from(client.get("/dashboard/owners").get_data(as_text=True))
    response = client.post("/dashboard/owners/invite", data={"email": email, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _link_in(page: str) -> str:
    start = page.index('<pre id="invite-link"><code>') + len('<pre id="invite-link"><code>')
    return page[start:page.index("</code>", start)]


def _accept(client: FlaskClient, path: str, password: str = NEW_PASSWORD,
            confirm: str | None = None) -> tuple[int, str]:
    page = client.get(path)
    if page.status_code != 200:
        return page.status_code, page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(path, data={"password": password, "confirm": confirm or password,
                                       "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def test_an_invite_link_works_once_and_is_audited(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, page = _invite(signed_in, "bo@owner.test")
    assert status == 200
    link = _link_in(page)
    path = link[link.index("/dashboard/"):]
    with app.test_client() as bo:
        assert "bo@owner.test" in bo.get(path).get_data(as_text=True)
        status, _page = _accept(bo, path, "short")
        assert status == 400  # a refused password keeps the invite open
        status, _page = _accept(bo, path)
        assert status == 302
        assert bo.get("/dashboard/owners").status_code == 200  # signed in as bo
    assert _owners(app) == ["ana@owner.test", "bo@owner.test"]
    with app.test_client() as again:
        status, page = _accept(again, path)
        assert status == 404 and "used already" in page
    assert _audits(app, "dashboard.owner.invite") == [("ok", "bo@owner.test")]
    assert _audits(app, "dashboard.owner.invite_accept") == [("ok", "bo@owner.test")]
    with db.session_scope(app) as session:  # only the hash of the code is stored
        stored = session.scalars(select(OwnerInvite.code_hash)).one()
        assert stored not in link and path.split("/")[-1] not in stored


def test_an_invite_link_is_built_from_the_configured_url_not_the_host(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    app.config["PUBLIC_URL"] = "https://billing.example.com/"
    token = csrf_from(signed_in.get("/dashboard/owners").get_data(as_text=True))
    inner = app.wsgi_app

    def spoofing(environ: dict[str, Any], start_response: Any) -> Any:
        environ["HTTP_HOST"] = environ["HTTP_X_FORWARDED_HOST"] = "evil.example.net"
        return inner(environ, start_response)

    app.wsgi_app = spoofing  # type: ignore[method-assign]
    response = signed_in.post("/dashboard/owners/invite",
                              data={"email": "di@owner.test", "csrf_token": token})
    app.wsgi_app = inner  # type: ignore[method-assign]
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    link = _link_in(response.get_data(as_text=True))
    assert link.startswith("https://billing.example.com/dashboard/")
    assert "evil" not in link


def test_a_revoked_invite_no_longer_works(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    _status, page = _invite(signed_in, "cy@owner.test")
    path = _link_in(page)[_link_in(page).index("/dashboard/"):]
    with db.session_scope(app) as session:
        invite_id = session.scalars(select(OwnerInvite.id)).one()
    token = csrf_from(signed_in.get("/dashboard/owners").get_data(as_text=True))
    response = signed_in.post(f"/dashboard/owners/invites/{invite_id}/revoke",
                              data={"csrf_token": token})
    assert response.status_code == 302
    assert "revoked" in signed_in.get("/dashboard/owners").get_data(as_text=True)
    with app.test_client() as cy:
        status, page = _accept(cy, path)
        assert status == 404 and "was revoked" in page
    assert _owners(app) == ["ana@owner.test"]
    assert _audits(app, "dashboard.owner.invite_revoke") == [("ok", "cy@owner.test")]
    # Revoking twice, or an unknown invite, is a 404.
    assert signed_in.post(f"/dashboard/owners/invites/{invite_id}/revoke",
                          data={"csrf_token": token}).status_code == 404


def test_inviting_bad_or_existing_emails_is_refused(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    status, page = _invite(signed_in, "nobody")
    assert status == 400 and "Enter an email address." in page
    status, page = _invite(signed_in, "ANA@owner.test")
    assert status == 400 and "exists already" in page
    assert _audits(app, "dashboard.owner.invite") == [
        ("refused", "nobody"), ("refused", "ANA@owner.test")]


def test_an_unknown_invite_code_is_not_valid(client: FlaskClient, ana: OwnerWithAccount) -> None:
    for code in ("inv_unknown", "nothing", "inv_" + "x" * 200):
        response = client.get(f"/dashboard/invite/{code}")
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True)


def test_the_invite_pages_need_a_signed_in_owner(client: FlaskClient,
                                                 ana: OwnerWithAccount) -> None:
    assert client.get("/dashboard/owners").status_code == 302
    assert client.post("/dashboard/owners/invite", data={}).status_code in (302, 400)


def test_invite_lifecycle_expires_used_revoked(app: Flask, ana: OwnerWithAccount) -> None:
    with db.session_scope(app) as session:
        inviter = session.get(Owner, ana.owner_id)
        assert inviter is not None
        service = InviteService(session)
        now = utcnow()
        expired = service.create(inviter, "old@owner.test", ttl=timedelta(hours=1),
                                 now=now - timedelta(hours=2))
        try:
            service.accept(expired.code, NEW_PASSWORD, now=now)
        except InviteClosed as exc:
            assert exc.state is InviteState.EXPIRED
        else:
            raise AssertionError("an expired invite was accepted")
        fresh = service.create(inviter, "new@owner.test", now=now)
        assert [i.email for i in service.pending(now)] == ["new@owner.test"]
        owner = service.accept(fresh.code, NEW_PASSWORD, now=now)
        assert owner.email == "new@owner.test" and owner.password_hash != NEW_PASSWORD
        try:
            service.accept(fresh.code, NEW_PASSWORD, now=now)
        except InviteClosed as exc:
            assert exc.state is InviteState.USED
        else:
            raise AssertionError("a used invite was accepted twice")
        assert service.pending(now) == []
        assert service.revoke(fresh.invite.id, now) is None  # used: nothing to revoke
        assert PASSWORD != NEW_PASSWORD


def test_the_first_run_and_reveal_forms_are_rate_limited(tmp_path: Path,
                                                          sandbox: SandboxServer) -> None:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True)
    try:
        client = app.test_client()
        token = csrf_from(client.get("/dashboard/first-run").get_data(as_text=True))
        bad = {"email": "x@y.test", "password": "short", "confirm": "short", "csrf_token": token}
        statuses = [client.post("/dashboard/first-run", data=bad).status_code for _ in range(11)]
        assert statuses == [400] * 10 + [429]
        assert _owners(app) == []
        # The reveal form (a password check) is limited the same way.
        owner_id = create_owner(app, "rate@owner.test")
        public_id = give_account(app, owner_id).account.public_id
        with app.test_client() as owner:
            login(owner, "rate@owner.test")
            page = owner.get(f"/dashboard/accounts/{public_id}/install").get_data(as_text=True)
            wrong = {"password": "wrong", "csrf_token": csrf_from(page)}
            path = f"/dashboard/accounts/{public_id}/reveal-secret"
            statuses = [owner.post(path, data=wrong).status_code for _ in range(11)]
            assert statuses == [403] * 10 + [429]
    finally:
        db.get_database(app).engine.dispose()
