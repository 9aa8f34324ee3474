"""The sign-in pages' blueprint (routes in ``pages`` and ``profile``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("login", __name__)
