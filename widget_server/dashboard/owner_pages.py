"""Owners besides the CLI: the first-run page (the first owner, then gone) and one-time invites
(create, list, revoke, accept). Every change is audited; invite codes are shown once."""

from __future__ import annotations

import logging
from typing import Any, cast

from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from wtforms import PasswordField, StringField

from widget_server import audit
from widget_server.dashboard import bp
from widget_server.dashboard.auth import current_owner, login_required, start_session
from widget_server.dashboard.forms import DashboardForm, strip, truncate
from widget_server.db import get_session
from widget_server.i18n import _
from widget_server.limits import limiter
from widget_server.models import Owner
from widget_server.onboarding import (
    FirstRunTaken,
    InviteClosed,
    InviteService,
    InviteState,
    create_first_owner,
    first_run_open,
    setup_code,
    setup_code_matches,
    state_of,
)
from widget_server.owners import MIN_PASSWORD_LENGTH, OwnerError, OwnerService, password_problem

FORM_LIMIT = "10 per minute"
log = logging.getLogger(__name__)
_LIMITED = ("first_run", "accept_invite")


class OwnerForm(DashboardForm):
    setup_code = StringField(filters=[strip, truncate(200)], default="")
    email = StringField(filters=[strip, truncate(320)], default="")
    password = PasswordField(filters=[truncate(1024)], default="")
    confirm = PasswordField(filters=[truncate(1024)], default="")


class InviteForm(DashboardForm):
    email = StringField(filters=[strip, truncate(320)], default="")


def password_refusal(password: str, confirm: str, email: str) -> str | None:
    """Why the password is refused, translated; None when it is accepted."""
    problem = password_problem(password, email)
    if problem is None:
        if password != confirm:
            return _("The two passwords are not the same.")
        return None
    if "at least" in problem:
        return _("The password must have at least %(count)s characters.",
                 count=MIN_PASSWORD_LENGTH)
    if "at most" in problem:
        return _("The password is too long.")
    if "breached" in problem:
        return _("This password is on a list of breached passwords; choose another.")
    if "email" in problem:
        return _("The password must not be the email address.")
    return _("The password repeats too few characters; choose another.")


def _email_refusal(email: str) -> str | None:
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        return _("Enter an email address.")
    return None


@bp.before_request
def _first_run_first() -> ResponseReturnValue | None:
    """While no owner exists, the sign-in page leads to the first-run page."""
    if request.endpoint == "dashboard.login" and request.method == "GET" \
            and first_run_open(get_session()):
        return redirect(url_for("dashboard.first_run"))
    return None


@bp.route("/first-run", methods=["GET", "POST"])
def first_run() -> ResponseReturnValue:
    session = get_session()
    if not first_run_open(session):
        abort(404)
    if request.method == "GET":
        return render_template("dashboard/first_run.html", form=OwnerForm(formdata=None))
    form = OwnerForm.submitted()
    email, password = form.email.data or "", form.password.data or ""
    config = current_app.config
    expected = setup_code(str(config["SECRET_KEY"]), config.get("SETUP_CODE"))
    if not setup_code_matches(form.setup_code.data or "", expected):
        log.warning("first run refused: wrong setup code")
        return render_template("dashboard/first_run.html", form=form, error=_(
            "The setup code is not right. Copy it from the server's log, or run "
            "'widget-server owners setup-code'.")), 400
    error = _email_refusal(email) or password_refusal(password, form.confirm.data or "", email)
    if error:
        return render_template("dashboard/first_run.html", form=form, error=error), 400
    try:
        owner = create_first_owner(session, email, password)
    except FirstRunTaken:
        abort(404)
    except OwnerError:
        if not first_run_open(session):  # another first run won with the same email
            abort(404)
        return render_template("dashboard/first_run.html", form=form,
                               error=_("Enter an email address.")), 400
    audit.record(None, "owner", owner.email, "dashboard.owner.first_run", owner.email, "ok")
    start_session(owner)
    flash(_("Welcome. Create your first account to get the embed snippet."))
    return redirect(url_for("dashboard.new_account"))


def _me() -> Owner:
    owner = current_owner()
    if owner is None:
        abort(401)
    return owner


def _owners_page(status: int = 200, **context: Any) -> ResponseReturnValue:
    session = get_session()
    context.setdefault("invite_form", InviteForm(formdata=None))
    owners = session.query(Owner).order_by(Owner.email).all()
    return render_template("dashboard/owners.html", owners=owners,
                           invites=InviteService(session).pending(), **context), status


@bp.route("/owners")
@login_required
def owners() -> ResponseReturnValue:
    return _owners_page()


def _dashboard_base() -> str:
    """Where owners reach the dashboard: DASHBOARD_URL, else PUBLIC_URL (the request's Host
    only when neither is set, as in development), so a spoofed Host never enters a link."""
    config = current_app.config
    base = config.get("DASHBOARD_URL") or config.get("PUBLIC_URL") or request.host_url
    return str(base).rstrip("/")


@bp.route("/owners/invite", methods=["POST"])
@login_required
def invite_owner() -> ResponseReturnValue:
    me = _me()
    form = InviteForm.submitted()
    email = form.email.data or ""
    error = _email_refusal(email)
    session = get_session()
    if error is None and OwnerService(session).find(email) is not None:
        error = _("An owner with this email exists already.")
    if error:
        audit.record(None, "owner", me.email, "dashboard.owner.invite", email, "refused")
        return _owners_page(400, invite_form=form, invite_error=error)
    created = InviteService(session).create(me, email)
    session.commit()
    audit.record(None, "owner", me.email, "dashboard.owner.invite", email, "ok",
                 {"invite": created.invite.id, "expires_at": created.invite.expires_at})
    link = _dashboard_base() + url_for("dashboard.accept_invite", code=created.code)
    # Rendered, never flashed: the link must not pass through the session cookie.
    return _owners_page(invite_link=link, invited=email)


@bp.route("/owners/invites/<int:invite_id>/revoke", methods=["POST"])
@login_required
def revoke_invite(invite_id: int) -> ResponseReturnValue:
    me = _me()
    session = get_session()
    invite = InviteService(session).revoke(invite_id)
    if invite is None:
        abort(404)
    session.commit()
    audit.record(None, "owner", me.email, "dashboard.owner.invite_revoke", invite.email, "ok",
                 {"invite": invite.id})
    flash(_("The invitation was revoked; its link no longer works."), "owners")
    return redirect(url_for("dashboard.owners") + "#invites")


def _closed_page(state: InviteState) -> ResponseReturnValue:
    messages = {
        InviteState.USED: _("This invitation has been used already."),
        InviteState.REVOKED: _("This invitation was revoked."),
        InviteState.EXPIRED: _("This invitation has expired. Ask for a new one."),
        InviteState.UNKNOWN: _("This invitation link is not valid."),
    }
    return render_template("dashboard/error.html", title=_("Invitation"),
                           message=messages[state]), 404


@bp.route("/invite/<code>", methods=["GET", "POST"])
def accept_invite(code: str) -> ResponseReturnValue:
    session = get_session()
    service = InviteService(session)
    invite = service.find(code)
    state = state_of(invite)
    if state is not InviteState.OPEN or invite is None:
        return _closed_page(state)
    if request.method == "GET":
        return render_template("dashboard/accept_invite.html", email=invite.email, code=code)
    form = OwnerForm.submitted()
    password = form.password.data or ""
    error = password_refusal(password, form.confirm.data or "", invite.email)
    if error:
        return render_template("dashboard/accept_invite.html", email=invite.email, code=code,
                               error=error), 400
    email = invite.email
    try:
        owner = service.accept(code, password)
        session.commit()
    except (InviteClosed, OwnerError) as exc:
        session.rollback()
        audit.record(None, "owner", email, "dashboard.owner.invite_accept", email, "refused",
                     {"reason": str(exc)})
        closed = exc.state if isinstance(exc, InviteClosed) else InviteState.USED
        return _closed_page(closed)
    audit.record(None, "owner", email, "dashboard.owner.invite_accept", email, "ok")
    start_session(owner)
    flash(_("Welcome. You can now create accounts."))
    return redirect(url_for("dashboard.account_list"))


@bp.record_once
def _limit_forms(state: BlueprintSetupState) -> None:
    """The first-run and accept forms are limited per IP, as the sign-in form is."""
    app = cast(Flask, state.app)
    with app.app_context():
        for name in _LIMITED:
            endpoint = f"{bp.name}.{name}"
            limited: Any = limiter().limit(FORM_LIMIT, methods=["POST"])(
                app.view_functions[endpoint])
            app.view_functions[endpoint] = limited
