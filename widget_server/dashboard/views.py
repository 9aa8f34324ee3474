"""Account list and the account page: settings, allowed origins, embed snippet, identity hash
checker, secret rotation and the audit log. Owners see only their own accounts (else 404)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from widget_server.accounts import AccountError, AccountService, secret_box
from widget_server.dashboard import bp, forms
from widget_server.dashboard.auth import current_owner, login_required
from widget_server.db import get_session
from widget_server.i18n import _, negotiate_locale, text_direction
from widget_server.models import Account, AuditEvent, Owner, utcnow

AUDIT_ROWS = 50
SNIPPETS_DOC = Path(__file__).resolve().parents[2] / "docs" / "backend-snippets.md"


@bp.before_request
def _dashboard_locale() -> None:
    g.locale = negotiate_locale(
        explicit=None,
        accept_language=request.headers.get("Accept-Language"),
        account_default=current_app.config.get("DEFAULT_LOCALE", "en"),
    )


@bp.context_processor
def _layout() -> dict[str, Any]:
    locale = g.get("locale", "en")
    return {"owner": current_owner(), "locale": locale, "direction": text_direction(locale)}


def _service() -> AccountService:
    return AccountService(get_session(), secret_box())


def _owner() -> Owner:
    owner = current_owner()
    if owner is None:  # login_required runs first; this keeps the type checker honest
        abort(401)
    return owner


def _owned_account(public_id: str) -> Account:
    """The account if the logged-in owner owns it; 404 otherwise (no hint that it exists)."""
    account = _service().get(public_id)
    if account is None or account.owner_id != _owner().id:
        abort(404)
    return account


def _audit(account: Account, action: str, result: str, detail: dict[str, Any]) -> None:
    """Add an owner audit row to the current transaction (never with secrets in it)."""
    get_session().add(
        AuditEvent(
            account_id=account.id,
            actor_type="owner",
            actor=_owner().email,
            action=action,
            target=account.public_id,
            result=result,
            detail=detail,
        )
    )


def _refused(account: Account, action: str, detail: dict[str, Any]) -> None:
    """Drop the attempted change, keep a record that it was refused."""
    session = get_session()
    session.rollback()
    _audit(account, action, "refused", detail)
    session.commit()


def service_url() -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return str(base).rstrip("/")


def _page(account: Account, status: int = 200, **context: Any) -> ResponseReturnValue:
    service = _service()
    values = service.settings(account)
    context.setdefault("fields", forms.setting_fields(values))
    context.setdefault("origins_text", "\n".join(account.allowed_origins or []))
    events = get_session().scalars(
        select(AuditEvent)
        .where(AuditEvent.account_id == account.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_ROWS)
    )
    expires = account.previous_secret_expires_at
    overlap_active = len(service.identity_secrets(account)) > 1
    return render_template(
        "dashboard/account.html",
        account=account,
        service_url=service_url(),
        events=list(events),
        previous_expires=expires if overlap_active else None,
        overlap_hours=f"{int(current_app.config['SECRET_ROTATION_OVERLAP']) / 3600:g}",
        **context,
    ), status


@bp.route("/")
@login_required
def account_list() -> ResponseReturnValue:
    accounts = get_session().scalars(
        select(Account).where(Account.owner_id == _owner().id).order_by(Account.name)
    )
    return render_template("dashboard/accounts.html", accounts=list(accounts))


@bp.route("/accounts/<public_id>")
@login_required
def account_page(public_id: str) -> ResponseReturnValue:
    return _page(_owned_account(public_id))


@bp.route("/accounts/<public_id>/settings", methods=["POST"])
@login_required
def save_settings(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    submitted = forms.submitted_settings(request.form)
    values, errors = forms.parse_settings(request.form)
    form_error = None
    if not errors:
        try:
            _service().update_settings(account, values)
        except AccountError as exc:
            field = forms.error_field(str(exc))
            message = _("This value cannot be saved: %(reason)s", reason=str(exc))
            if field:
                errors[field] = message
            else:
                form_error = message
    if errors or form_error:
        _refused(account, "dashboard.settings.update", {"fields": sorted(errors)})
        return _page(
            account,
            400,
            fields=forms.setting_fields({}, submitted=submitted, errors=errors),
            settings_error=form_error or _("Nothing was saved: correct the marked settings."),
        )
    _audit(account, "dashboard.settings.update", "ok", {"settings": sorted(values)})
    get_session().commit()
    flash(_("Settings saved."))
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#settings")


@bp.route("/accounts/<public_id>/origins", methods=["POST"])
@login_required
def save_origins(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    text = request.form.get("origins", "")
    origins, error = forms.parse_origins(text)
    if error is None:
        try:
            _service().set_allowed_origins(account, origins)
        except AccountError:
            error = _("An origin is not valid: use a scheme and host, like https://app.example.com.")
    if error is not None:
        _refused(account, "dashboard.origins.update", {})
        return _page(account, 400, origins_text=text[: forms.MAX_FIELD], origins_error=error)
    _audit(account, "dashboard.origins.update", "ok", {"origins": origins})
    get_session().commit()
    flash(_("Allowed origins saved."))
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#origins")


@bp.route("/accounts/<public_id>/check-hash", methods=["POST"])
@login_required
def check_hash(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    identifier = request.form.get("identifier", "")[:512]
    candidate = request.form.get("hash", "")[:512]
    result = forms.check_hash(_service().identity_secrets(account), identifier, candidate)
    return _page(account, hash_check=result, checked_identifier=identifier)


@bp.route("/accounts/<public_id>/rotate-secret", methods=["POST"])
@login_required
def rotate_secret(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    if request.form.get("confirm") != "yes":
        return _page(account, 400, rotate_error=_("Tick the box to confirm the rotation."))
    overlap = int(current_app.config["SECRET_ROTATION_OVERLAP"])
    revoke = bool(current_app.config["REVOKE_TOKENS_ON_ROTATION"])
    secret = _service().rotate_secret(account, overlap_seconds=overlap, now=utcnow(),
                                      revoke_tokens=revoke)
    _audit(account, "dashboard.secret.rotate", "ok",
           {"overlap_seconds": overlap, "tokens_revoked": revoke})
    get_session().commit()
    # Rendered directly, never redirected: the secret must not pass through the session cookie.
    return _page(account, new_secret=secret)


@bp.route("/accounts/<public_id>/backend-snippets")
@login_required
def backend_snippets(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    try:
        text = SNIPPETS_DOC.read_text(encoding="utf-8")
    except OSError:
        text = None
    if text is not None:
        text = text.replace("acct_…", account.public_id).replace(
            "https://portal.example.com", service_url()
        )
    return render_template("dashboard/snippets.html", account=account, text=text)
