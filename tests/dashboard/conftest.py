"""Dashboard fixtures: an owner with one account, and a client signed in as that owner."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.dashboard.helpers import OwnerWithAccount, create_owner, give_account, login
from tests.dashboard.owner_fixtures import dash, owned  # noqa: F401 (fixtures of the customers tests)


@pytest.fixture
def ana(app: Flask) -> OwnerWithAccount:
    owner_id = create_owner(app, "ana@owner.test")
    return OwnerWithAccount("ana@owner.test", owner_id, give_account(app, owner_id))


@pytest.fixture
def signed_in(client: FlaskClient, ana: OwnerWithAccount) -> FlaskClient:
    login(client, ana.email)
    return client
