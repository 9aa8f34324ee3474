"""The install page of an account: the embed snippet, the backend snippets as code blocks, the
identity secret (shown once at creation; then only on an audited reveal that asks for the
owner's password again), the hash checker, rotation, and the Servicebot/Billflow import."""

from __future__ import annotations

from typing import Any, cast

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound
from werkzeug.security import check_password_hash
from wtforms import BooleanField, PasswordField, StringField

from widget_server import legacy
from widget_server.accounts import secret_box
from widget_server.dashboard import bp
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.forms import (
    DashboardForm,
    HashCheckForm,
    RotateSecretForm,
    strip,
    truncate,
)
from widget_server.dashboard.hash_check import check_hash as check_identity_hash
from widget_server.dashboard.snippets import backend_snippets_text, embed_snippet, guide_blocks
from widget_server.dashboard.views import (
    _audit,
    _owned_account,
    _owner,
    _refused,
    _service,
    service_url,
)
from widget_server.db import get_session
from widget_server.i18n import _
from widget_server.limits import limiter
from widget_server.models import Account, utcnow

REVEAL_LIMIT = "10 per minute"


class RevealForm(DashboardForm):
    password = PasswordField(filters=[truncate(1024)], default="")


class ImportForm(DashboardForm):
    source = StringField(filters=[strip, truncate(20)], default="servicebot")
    legacy_id = StringField(filters=[strip, truncate(100)], default="")
    secret = PasswordField(filters=[strip, truncate(300)], default="")
    confirm = BooleanField(false_values=(False, "false", "", "no"))


def install_page(account: Account, status: int = 200, **context: Any) -> ResponseReturnValue:
    session = get_session()
    context.setdefault("hash_form", HashCheckForm(formdata=None))
    context.setdefault("import_form", ImportForm(formdata=None))
    expires = account.previous_secret_expires_at
    overlap_active = len(_service().identity_secrets(account)) > 1
    guide = backend_snippets_text(account_id=account.public_id, service_url=service_url())
    return render_template(
        "dashboard/install.html",
        account=account,
        service_url=service_url(),
        embed_snippet=embed_snippet(service_url=service_url(), account_id=account.public_id),
        blocks=guide_blocks(guide),
        aliases=legacy.aliases_of(session, account),
        previous_expires=expires if overlap_active else None,
        overlap_hours=f"{int(current_app.config['SECRET_ROTATION_OVERLAP']) / 3600:g}",
        **context,
    ), status


@bp.route("/accounts/<public_id>/install")
@login_required
def install(public_id: str) -> ResponseReturnValue:
    return install_page(_owned_account(public_id))


@bp.route("/accounts/<public_id>/backend-snippets")
@login_required
def backend_snippets(public_id: str) -> ResponseReturnValue:
    """The former address of the backend snippets: now a section of the install page."""
    _owned_account(public_id)
    return redirect(url_for("dashboard.install", public_id=public_id) + "#backend")


@bp.route("/accounts/<public_id>/check-hash", methods=["POST"])
@login_required
def check_hash(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    form = HashCheckForm.submitted()
    result = check_identity_hash(
        _service().identity_secrets(account), form.identifier.data or "", form.hash.data or "")
    return install_page(account, hash_check=result, hash_form=form)


@bp.route("/accounts/<public_id>/rotate-secret", methods=["POST"])
@login_required
def rotate_secret(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    form = RotateSecretForm.submitted()
    if not form.validate():
        return install_page(account, 400, rotate_form=form)
    overlap = int(current_app.config["SECRET_ROTATION_OVERLAP"])
    revoke = bool(current_app.config["REVOKE_TOKENS_ON_ROTATION"])
    secret = _service().rotate_secret(account, overlap_seconds=overlap, now=utcnow(),
                                      revoke_tokens=revoke)
    _audit(account, "dashboard.secret.rotate", "ok",
           {"overlap_seconds": overlap, "tokens_revoked": revoke})
    get_session().commit()
    # Rendered directly, never redirected: the secret must not pass through the session cookie.
    return install_page(account, new_secret=secret)


@bp.route("/accounts/<public_id>/reveal-secret", methods=["POST"])
@login_required
def reveal_secret(public_id: str) -> ResponseReturnValue:
    """Show the current identity secret once more, after the owner re-enters the password."""
    account = _owned_account(public_id)
    form = RevealForm.submitted()
    if not check_password_hash(_owner().password_hash, form.password.data or ""):
        _refused(account, "dashboard.secret.reveal", {"reason": "password"})
        return install_page(account, 403, reveal_error=_(
            "The password is not correct. The secret was not shown; the attempt is in the "
            "activity log."))
    _audit(account, "dashboard.secret.reveal", "ok", {})
    get_session().commit()
    secret = _service().identity_secrets(account)[0]
    return install_page(account, revealed_secret=secret)


def _import_refusal(reason: str) -> str:
    if reason == "alias_taken":
        return _("This id is already used by an account.")
    if reason == "alias_format":
        return _("The id may have only letters, digits, - and _ (at most 64).")
    if reason == "secret_format":
        return _("The secret must be 16 to 255 printable characters without spaces.")
    if reason == "confirm":
        return _("Tick the box to confirm the import.")
    if reason == "empty":
        return _("Enter the id, the secret, or both.")
    return _("Choose Servicebot or Billflow.")


@bp.route("/accounts/<public_id>/import", methods=["POST"])
@login_required
def import_legacy(public_id: str) -> ResponseReturnValue:
    """Import a Servicebot/Billflow id (an alias of the account) and/or its identity secret."""
    account = _owned_account(public_id)
    form = ImportForm.submitted()
    source, alias, secret = form.source.data or "", form.legacy_id.data or "", \
        form.secret.data or ""
    session = get_session()
    try:
        if not alias and not secret:
            raise legacy.ImportRefused("empty")
        if secret and not form.confirm.data:
            raise legacy.ImportRefused("confirm")
        if source not in legacy.SOURCES:
            raise legacy.ImportRefused("source")
        if alias:
            legacy.import_alias(session, account, alias, source)
        if secret:
            legacy.import_secret(secret_box(), account, secret,
                                 overlap_seconds=int(current_app.config["SECRET_ROTATION_OVERLAP"]))
    except legacy.ImportRefused as exc:
        _refused(account, "dashboard.legacy.import", {"reason": exc.reason, "source": source})
        return install_page(account, 400, import_form=form,
                            import_error=_import_refusal(exc.reason))
    _audit(account, "dashboard.legacy.import", "ok",
           {"source": source, "id": alias, "identity_secret_imported": bool(secret)})
    session.commit()
    flash(_("Imported. Pages with the old snippet work once its script URL points here."),
          "install")
    return redirect(url_for("dashboard.install", public_id=public_id) + "#import")


@bp.route("/accounts/<public_id>/aliases/<int:alias_id>/remove", methods=["POST"])
@login_required
def remove_alias(public_id: str, alias_id: int) -> ResponseReturnValue:
    account = _owned_account(public_id)
    row = legacy.remove_alias(get_session(), account, alias_id)
    if row is None:
        raise NotFound()
    _audit(account, "dashboard.legacy.remove", "ok", {"id": row.alias})
    get_session().commit()
    flash(_("The imported id no longer opens this account's portal."), "install")
    return redirect(url_for("dashboard.install", public_id=public_id) + "#import")


@bp.record_once
def _limit_reveal(state: BlueprintSetupState) -> None:
    """Password guesses through the reveal form are limited per IP, as sign-in is."""
    app = cast(Flask, state.app)
    endpoint = f"{bp.name}.reveal_secret"
    with app.app_context():
        limited: Any = limiter().limit(REVEAL_LIMIT, methods=["POST"])(
            app.view_functions[endpoint])
    app.view_functions[endpoint] = limited

