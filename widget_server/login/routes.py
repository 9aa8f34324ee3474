"""The blueprint with every sign-in route registered on it (``create_app`` imports this)."""

from __future__ import annotations

from widget_server.login import pages, profile, sign_out
from widget_server.login.blueprint import bp

__all__ = ["bp", "pages", "profile", "sign_out"]
