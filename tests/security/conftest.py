"""Fixtures of the security tests (plain helpers: tests/security/helpers.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers import create_account
from widget_server.accounts import CreatedAccount


@pytest.fixture
def second_account(app: Flask) -> CreatedAccount:
    return create_account(app, name="Other Co", allowed_origins=["https://other.example"])
