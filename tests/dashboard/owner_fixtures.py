"""Fixtures and helpers of the customers and analytics tests: the portal fixture's account
owned by a signed-in owner (Olga), and page fetching."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import create_owner, login
from tests.portal.helpers import Portal
from widget_server import db
from widget_server.models import Account

BASE = "/dashboard/accounts"


@dataclass(frozen=True)
class Owned:
    public_id: str
    owner_id: int


@pytest.fixture
def owned(app: Flask, portal: Portal) -> Owned:
    """The portal fixture's account (on a freshly seeded sandbox), owned by Olga."""
    owner_id = create_owner(app, "olga@owner.test")
    with db.session_scope(app) as session:
        account = session.get(Account, portal.account.account.id)
        assert account is not None
        account.owner_id = owner_id
    return Owned(portal.account.account.public_id, owner_id)


@pytest.fixture
def dash(client: FlaskClient, owned: Owned) -> FlaskClient:
    login(client, "olga@owner.test")
    return client


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)
