"""A bare Flask app with the i18n extension: catalog tests need no database or sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from widget_server import i18n


@pytest.fixture
def i18n_app() -> Iterator[Flask]:
    app = Flask("i18n-tests")
    i18n.init_app(app)
    with app.app_context():
        yield app
