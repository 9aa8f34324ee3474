"""Billing, wired into the Flask app: the one place the web layer gets a ``BillingService``.

``init_app`` builds the process's ``StripeBillingFactory`` from the app's settings and keeps it
on ``app.extensions``; blueprints call ``billing_for(stripe_key)``. Without Redis, the view
snapshots' generation tokens are kept in the database (``billing_web.view_tokens``), so every
worker sees every invalidation. Billing's domain errors become HTTP errors in
``billing_web.errors``.
"""

from __future__ import annotations

from flask import Flask, current_app

from widget_server.billing.registry import ClientRegistry
from widget_server.billing.service import BillingConfig, BillingService, StripeBillingFactory
from widget_server.billing_web.view_tokens import SqlTokenStore
from widget_server.db import get_database

EXTENSION = "widget_server.billing"


def config_from(app: Flask) -> BillingConfig:
    settings = app.config
    redis_url = settings.get("REDIS_URL") or None
    return BillingConfig(
        api_base=settings.get("STRIPE_API_BASE") or None,
        timeout=float(settings["STRIPE_TIMEOUT"]),
        max_retries=int(settings["STRIPE_MAX_RETRIES"]),
        catalog_ttl_seconds=float(settings["CATALOG_CACHE_SECONDS"]),
        catalog_max_accounts=int(settings["CATALOG_CACHE_MAX_ACCOUNTS"]),
        redis_url=redis_url,
        view_cache_size=int(settings["VIEW_CACHE_SIZE"]),
        view_cache_seconds=float(settings["VIEW_CACHE_SECONDS"]),
        # Without Redis the snapshots' tokens live in the database every worker shares.
        view_tokens=None if redis_url else SqlTokenStore(lambda: get_database(app).engine),
    )


def init_app(app: Flask) -> None:
    from widget_server.billing_web.errors import register_error_handler

    app.extensions[EXTENSION] = StripeBillingFactory(config_from(app))
    register_error_handler(app)


def billing_factory(app: Flask | None = None) -> StripeBillingFactory:
    found: StripeBillingFactory = (app or current_app).extensions[EXTENSION]
    return found


def registry(app: Flask | None = None) -> ClientRegistry:
    """The app's Stripe clients (tests shorten their timeout)."""
    return billing_factory(app).clients


def billing_for(stripe_key: str) -> BillingService:
    """The billing of the account using this Stripe key (needs an app context)."""
    return billing_factory().service(stripe_key)
