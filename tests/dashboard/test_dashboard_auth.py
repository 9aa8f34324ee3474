"""Login, logout, the login guard, CSRF, the login rate limit and the response headers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import (
    OwnerWithAccount,
    create_owner,
    csrf_from,
    load_account,
    login,
    page_token,
)
from tests.helpers import make_test_app
from widget_server import db
from widget_server.sandbox import SandboxServer


def _post_login(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    token = csrf_from(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code, response.get_data(as_text=True)


def test_login_with_the_right_password_opens_the_account_list(
    client: FlaskClient, ana: OwnerWithAccount
) -> None:
    login(client, ana.email)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert ana.public_id in page.get_data(as_text=True)


def test_login_is_case_insensitive_on_the_email(client: FlaskClient, ana: OwnerWithAccount) -> None:
    login(client, ana.email.upper())
    assert client.get("/dashboard/").status_code == 200


def test_bad_password_and_unknown_email_get_the_same_generic_error(
    client: FlaskClient, ana: OwnerWithAccount
) -> None:
    wrong_password = _post_login(client, ana.email, "nope")
    unknown_email = _post_login(client, "nobody@owner.test", "nope")
    assert wrong_password[0] == unknown_email[0] == 401
    assert "The email or password is not correct." in wrong_password[1]
    assert "The email or password is not correct." in unknown_email[1]
    assert client.get("/dashboard/").status_code == 302


def test_login_starts_a_fresh_session_with_a_new_csrf_token(
    client: FlaskClient, ana: OwnerWithAccount
) -> None:
    before = csrf_from(client.get("/dashboard/login").get_data(as_text=True))
    with client.session_transaction("/dashboard/") as session:
        session["planted"] = "by an attacker"
    login(client, ana.email)
    with client.session_transaction("/dashboard/") as session:
        assert "planted" not in session
    # The token from before the login is refused after it; the page's new one works.
    assert client.post("/dashboard/logout", data={"csrf_token": before}).status_code == 400
    after = page_token(client, ana.public_id)
    assert after != before
    assert client.post("/dashboard/logout", data={"csrf_token": after}).status_code == 302


def test_pages_require_login(client: FlaskClient, ana: OwnerWithAccount) -> None:
    for path in ("/dashboard/", f"/dashboard/accounts/{ana.public_id}",
                 f"/dashboard/accounts/{ana.public_id}/backend-snippets"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/dashboard/login" in response.headers["Location"]


def test_login_returns_to_the_page_asked_for_but_never_off_site(
    client: FlaskClient, ana: OwnerWithAccount
) -> None:
    target = f"/dashboard/accounts/{ana.public_id}"
    token = csrf_from(client.get("/dashboard/login").get_data(as_text=True))
    form = {"email": ana.email, "password": "correct horse battery staple", "csrf_token": token}
    response = client.post("/dashboard/login", data={**form, "next": target})
    assert response.headers["Location"].endswith(target)
    client.post("/dashboard/logout", data={"csrf_token": page_token(client, ana.public_id)})
    token = csrf_from(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={**form, "csrf_token": token, "next": "//evil.test/dashboard/"}
    )
    assert response.headers["Location"] == "/dashboard/"


def test_logout_ends_the_session(signed_in: FlaskClient, ana: OwnerWithAccount) -> None:
    token = page_token(signed_in, ana.public_id)
    assert signed_in.post("/dashboard/logout", data={"csrf_token": token}).status_code == 302
    assert signed_in.get("/dashboard/").status_code == 302


def test_a_password_change_ends_existing_sessions(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    from widget_server.models import Owner

    with db.session_scope(app) as session:
        owner = session.get(Owner, ana.owner_id)
        assert owner is not None
        owner.password_hash = "pbkdf2:sha256:1000$changed$" + "0" * 64
    assert signed_in.get("/dashboard/").status_code == 302


def test_post_without_or_with_a_bad_csrf_token_is_400_and_changes_nothing(
    app: Flask, signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    path = f"/dashboard/accounts/{ana.public_id}/origins"
    for data in ({"origins": "https://evil.test"},
                 {"origins": "https://evil.test", "csrf_token": "forged"}):
        assert signed_in.post(path, data=data).status_code == 400
    assert load_account(app, ana.public_id).allowed_origins == ["http://localhost:5000"]
    rotate = f"/dashboard/accounts/{ana.public_id}/rotate-secret"
    assert signed_in.post(rotate, data={"confirm": "yes"}).status_code == 400
    assert load_account(app, ana.public_id).previous_hmac_secret_encrypted is None


def test_login_form_needs_the_csrf_token(client: FlaskClient, ana: OwnerWithAccount) -> None:
    response = client.post(
        "/dashboard/login", data={"email": ana.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400


def test_login_is_rate_limited(tmp_path: Path, sandbox: SandboxServer) -> None:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True)
    try:
        create_owner(app, "rate@owner.test")
        client = app.test_client()
        statuses = [_post_login(client, "rate@owner.test", "wrong")[0] for _ in range(10)]
        assert statuses == [401] * 10
        status, body = _post_login(client, "rate@owner.test", "correct horse battery staple")
        assert status == 429
        assert "Too many sign-in attempts" in body
        assert client.get("/dashboard/login").status_code == 200  # only POSTs are limited
    finally:
        db.get_database(app).engine.dispose()


def test_dashboard_pages_are_not_cached_or_framed(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    for path in ("/dashboard/login", "/dashboard/", f"/dashboard/accounts/{ana.public_id}"):
        response = signed_in.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_a_csrf_failure_is_a_clear_page_in_the_owners_language(
    signed_in: FlaskClient, ana: OwnerWithAccount
) -> None:
    response = signed_in.post(f"/dashboard/accounts/{ana.public_id}/origins",
                              data={"origins": "https://evil.test"},
                              headers={"Accept-Language": "de"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Dieses Formular konnte nicht angenommen werden" in page
    assert 'lang="de"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_over_https_a_post_must_come_from_the_dashboards_own_origin(
    client: FlaskClient, ana: OwnerWithAccount
) -> None:
    https = "https://localhost"
    token = csrf_from(client.get("/dashboard/login", base_url=https).get_data(as_text=True))
    form = {"email": ana.email, "password": "correct horse battery staple", "csrf_token": token}
    for referer in (None, "https://evil.test/dashboard/login"):
        headers = {"Referer": referer} if referer else {}
        response = client.post("/dashboard/login", data=form, base_url=https, headers=headers)
        assert response.status_code == 400
    response = client.post("/dashboard/login", data=form, base_url=https,
                           headers={"Referer": https + "/dashboard/login"})
    assert response.status_code == 302
