"""Dashboard test helpers: owners with accounts, signing in, CSRF tokens from pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from tests.helpers import create_account
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.models import Account, Owner

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class OwnerWithAccount:
    email: str
    owner_id: int
    created: CreatedAccount

    @property
    def public_id(self) -> str:
        return self.created.account.public_id


def create_owner(app: Flask, email: str, password: str = PASSWORD) -> int:
    with db.session_scope(app) as session:
        # A cheap hash method keeps the suite fast; production uses werkzeug's default.
        hashed = generate_password_hash(password, "pbkdf2:sha256:1000")
        owner = Owner(email=email, password_hash=hashed)
        session.add(owner)
        session.flush()
        return owner.id


def give_account(app: Flask, owner_id: int, **kwargs: object) -> CreatedAccount:
    created = create_account(app, **kwargs)
    with db.session_scope(app) as session:
        account = session.get(Account, created.account.id)
        assert account is not None
        account.owner_id = owner_id
    return created


def load_account(app: Flask, public_id: str) -> Account:
    with db.session_scope(app) as session:
        account = session.query(Account).filter_by(public_id=public_id).one()
        session.expunge(account)
        return account


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_from(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def page_token(client: FlaskClient, public_id: str) -> str:
    return csrf_from(client.get(f"/dashboard/accounts/{public_id}").get_data(as_text=True))
