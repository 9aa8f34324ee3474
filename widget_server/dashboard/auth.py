"""Owner login and logout, the login-required guard and the login rate limit."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from flask import (
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.exceptions import TooManyRequests
from werkzeug.security import check_password_hash, generate_password_hash

from widget_server.dashboard import bp
from widget_server.dashboard.forms import LoginForm
from widget_server.db import get_session
from widget_server.i18n import _
from widget_server.limits import Throttle, limiter, private_key
from widget_server.models import Owner
from widget_server.owners import OwnerService

P = ParamSpec("P")
R = TypeVar("R")

LOGIN_LIMIT = "10 per minute"
SESSION_OWNER = "owner_id"
SESSION_FINGERPRINT = "owner_fp"
SESSION_EPOCH = "owner_epoch"


@functools.cache
def _dummy_password_hash() -> str:
    """Checked when the email is unknown, so timing does not tell which emails exist."""
    return generate_password_hash("widget-server: no such owner")


def _fingerprint(owner: Owner) -> str:
    # Changing the password changes the hash, which ends every session opened before.
    return hashlib.sha256(owner.password_hash.encode("utf-8")).hexdigest()[:32]


def current_owner() -> Owner | None:
    """The logged-in owner of this request, or None."""
    if "owner" in g:
        cached: Owner | None = g.owner
        return cached
    owner: Owner | None = None
    owner_id = session.get(SESSION_OWNER)
    if isinstance(owner_id, int):
        found = get_session().get(Owner, owner_id)
        if (found is not None and found.disabled_at is None
                and session.get(SESSION_FINGERPRINT) == _fingerprint(found)
                and session.get(SESSION_EPOCH) == found.session_epoch):
            owner = found
    g.owner = owner
    return owner


def login_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Send anonymous visitors to the login page, remembering where they wanted to go."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if current_owner() is None:
            target = request.path if request.method == "GET" else None
            return redirect(url_for("dashboard.login", next=target))
        return view(*args, **kwargs)

    return wrapper


def _safe_next(target: str | None) -> str:
    """Only paths inside the dashboard: never an open redirect to another site."""
    prefix = bp.url_prefix or "/dashboard"
    if (
        target
        and target.startswith(prefix + "/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return url_for("dashboard.account_list")


def _find_owner(email: str) -> Owner | None:
    return get_session().scalar(
        select(Owner).where(func.lower(Owner.email) == email.lower()).limit(1)
    )


def _login_failures() -> Throttle:
    return Throttle("login-fail-owner", str(current_app.config["RATELIMIT_LOGIN_FAILURES"]))


def _too_many_attempts_page() -> ResponseReturnValue:
    return render_template(
        "dashboard/login.html",
        error=_("Too many sign-in attempts. Please wait a minute and try again."),
        next="",
    ), 429


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if current_owner() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("dashboard/login.html", next=request.args.get("next", ""))
    form = LoginForm.submitted()
    email, password = form.email.data or "", form.password.data or ""
    # Per owner email, on top of the per-IP limit: guesses spread over many addresses stop too.
    owner_key = private_key(email.lower())
    if _login_failures().exhausted(owner_key):
        return _too_many_attempts_page()
    owner = _find_owner(email) if email else None
    valid = check_password_hash(
        owner.password_hash if owner else _dummy_password_hash(), password
    )
    if owner is None or not valid or not password or owner.disabled_at is not None:
        _login_failures().hit(owner_key)
        return render_template(
            "dashboard/login.html",
            error=_("The email or password is not correct."),
            email=email,
            next=form.next.data or "",
        ), 401
    start_session(owner)
    return redirect(_safe_next(form.next.data))


def start_session(owner: Owner) -> None:
    """Sign `owner` in with a fresh session: nothing from before (token, flashes) survives."""
    session.clear()
    session[SESSION_OWNER] = owner.id
    session[SESSION_FINGERPRINT] = _fingerprint(owner)
    session[SESSION_EPOCH] = owner.session_epoch
    g.pop("owner", None)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    owner = current_owner()
    if owner is not None:
        # Server-side: this cookie, and any copy of it, stops working.
        OwnerService(get_session()).end_sessions(owner)
        get_session().commit()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("dashboard.login"))


@bp.errorhandler(TooManyRequests)
def _too_many_attempts(_error: TooManyRequests) -> ResponseReturnValue:
    return _too_many_attempts_page()


@bp.record_once
def _limit_login(state: BlueprintSetupState) -> None:
    """The limiter lives on the app, so the login view is wrapped when the blueprint is bound."""
    app = cast(Flask, state.app)
    endpoint = f"{bp.name}.login"
    with app.app_context():
        limited: Any = limiter().limit(LOGIN_LIMIT, methods=["POST"])(app.view_functions[endpoint])
    app.view_functions[endpoint] = limited
