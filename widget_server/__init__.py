"""widget-server: an embeddable, self-hostable Stripe customer billing portal."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from widget_server.config import ConfigError, check_production_ready, load_config

__all__ = ["ConfigError", "create_app"]


MAX_REQUEST_BYTES = 1024 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. Nothing happens at import time; everything hangs off the app."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_config(overrides=config)
    check_production_ready(settings)
    _fill_development_secrets(settings)
    app.config.update(settings)
    proxies = int(settings["TRUSTED_PROXIES"] or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = settings["ENV"] == "production"
    # No body we accept comes near this (the largest is the dashboard's settings form with
    # every custom string); anything bigger is a 413 before it is read into memory.
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from widget_server import assets, csp, db, i18n, limits, logs

    assets.init_app(app)  # first: its compression hook then runs after every other hook
    logs.init_app(app)
    from widget_server.accounts import EXTENSION_BOX
    from widget_server.billing_web import init_app as init_billing
    from widget_server.crypto import SecretBox
    from widget_server.errors import register_error_handlers

    app.extensions[EXTENSION_BOX] = SecretBox(settings["ENCRYPTION_KEYS"])
    db.init_app(app)
    i18n.init_app(app)
    limits.init_app(app)
    init_billing(app)
    from widget_server.portal.account_cache import init_app as cache_accounts

    cache_accounts(app)  # after the database and billing (its token store)
    register_error_handlers(app)
    _register_blueprints(app)
    limits.apply_route_limits(app)
    from widget_server.dashboard.isolation import init_app as isolate_dashboard

    isolate_dashboard(app)
    csp.init_app(app)
    from widget_server.contract.checking import init_app as check_contract

    check_contract(app)
    return app


def _fill_development_secrets(settings: dict[str, Any]) -> None:
    """Outside production, missing secrets are generated for this process only."""
    if settings["ENV"] == "production":
        return
    from widget_server.crypto import generate_key

    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = secrets.token_urlsafe(48)
        logging.getLogger(__name__).warning("no SECRET_KEY set: using a per-process random key")
    if not settings.get("ENCRYPTION_KEYS"):
        settings["ENCRYPTION_KEYS"] = [generate_key()]
        logging.getLogger(__name__).warning(
            "no ENCRYPTION_KEYS set: secrets stored now will be unreadable after a restart"
        )


def _register_blueprints(app: Flask) -> None:
    from widget_server.api import bp as api_bp
    from widget_server.dashboard import bp as dashboard_bp
    from widget_server.login.routes import bp as login_bp
    from widget_server.portal import bp as portal_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(login_bp)
    if app.config["ENV"] == "demo":
        from widget_server.demo import bp as demo_bp

        app.register_blueprint(demo_bp)
