"""The demo: a pretend customer app that embeds the portal with the real loader and hash.

Only registered when ENV is ``demo``. The host page is served on ``localhost`` and the portal on
``127.0.0.1``, so the demo crosses origins exactly as a real installation does.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from widget_server.accounts import AccountService, secret_box
from widget_server.db import get_session
from widget_server.identity import compute_identity_hash

bp = Blueprint("demo", __name__, url_prefix="/demo")

LOCALE_CHOICES = ("auto", "en", "de", "fr", "es", "it", "nl", "pt", "ja", "ar", "he", "pl", "sv")


def _demo_customers() -> list[dict[str, Any]]:
    """The demo account's customers, read from its Stripe by the demo runner."""
    return list(current_app.config.get("DEMO_CUSTOMERS") or [])


@bp.get("/")
def index() -> str:
    return render_template(
        "demo/index.html",
        customers=_demo_customers(),
        portal_origin=current_app.config["DEMO_PORTAL_ORIGIN"],
    )


@bp.get("/app")
def host_page() -> str:
    """The pretend app's billing page: its 'backend' computes the hash, like a real one."""
    customers = {c["id"]: c for c in _demo_customers()}
    customer = customers.get(request.args.get("customer", ""))
    if customer is None:
        abort(404)
    by = "customer_id" if request.args.get("by") == "customer_id" else "email"
    identifier = customer["id"] if by == "customer_id" else customer["email"]
    service = AccountService(get_session(), secret_box())
    account = service.get(current_app.config["DEMO_ACCOUNT_ID"])
    if account is None:
        abort(500)
    secret = service.identity_secrets(account)[0]
    mode = "inline" if request.args.get("mode") == "inline" else "iframe"
    locale = request.args.get("locale", "auto")
    return render_template(
        "demo/app.html",
        customer=customer,
        customers=_demo_customers(),
        by=by,
        identifier=identifier,
        hash=compute_identity_hash(secret, identifier),
        account_id=account.public_id,
        mode=mode,
        locale=locale if locale in LOCALE_CHOICES else "auto",
        locales=LOCALE_CHOICES,
        portal_origin=current_app.config["DEMO_PORTAL_ORIGIN"],
    )
