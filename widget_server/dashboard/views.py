"""Account list and the account page: settings, allowed origins, embed snippet, Stripe key and
the audit log (the identity secret is on the install page, install.py). Owners see only their
own accounts (else 404)."""

from __future__ import annotations

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
from widget_server.billing_web import registry
from widget_server.billing_web.snapshots import forget_account_views
from widget_server.dashboard import bp, snippets
from widget_server.dashboard.auth import current_owner, login_required
from widget_server.dashboard.forms import (
    OriginsForm,
    StripeKeyForm,
)
from widget_server.dashboard.settings_form import (
    SettingsForm,
    choice_label,
    help_of,
    saved_settings_form,
    widget_of,
)
from widget_server.dashboard.stripe_keys import key_refusal, verify_key
from widget_server.db import get_session
from widget_server.i18n import _, text_direction
from widget_server.login.availability import setting_refusal
from widget_server.models import Account, AuditEvent, Owner

AUDIT_ROWS = 50


@bp.context_processor
def _layout() -> dict[str, Any]:
    locale = g.get("locale", "en")
    return {"owner": current_owner(), "locale": locale, "direction": text_direction(locale),
            "widget_of": widget_of, "help_of": help_of, "choice_label": choice_label}


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
    context.setdefault("settings_form", saved_settings_form(values))
    context.setdefault("origins_form", OriginsForm(
        formdata=None, origins="\n".join(account.allowed_origins or [])))
    context.setdefault("stripe_key_form", StripeKeyForm(formdata=None))
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
        embed_snippet=snippets.embed_snippet(service_url=service_url(),
                                             account_id=account.public_id),
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
    account = _owned_account(public_id)
    from widget_server.dashboard.preview import current_draft

    draft = current_draft(account)  # ?draft=…: the page shows a preview's unsaved settings
    if draft is None:
        return _page(account)
    return _page(account, settings_form=saved_settings_form(
        {**_service().settings(account), **draft.settings}))


@bp.route("/accounts/<public_id>/settings", methods=["POST"])
@login_required
def save_settings(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    form = SettingsForm.submitted()
    form_error = None
    valid = form.validate()
    refusal = setting_refusal(form.values(), account.settings, current_app.config)
    if valid and refusal is not None:  # a sign-in setting this server cannot serve
        form[refusal[0]].errors = [refusal[1]]
    elif valid:
        try:
            _service().update_settings(account, form.values())
        except AccountError as exc:
            message = _("This value cannot be saved: %(reason)s", reason=str(exc))
            if not form.error_on_setting(message):
                form_error = message
    if form.errors or form_error:
        _refused(account, "dashboard.settings.update", {"fields": sorted(form.errors)})
        return _page(
            account,
            400,
            settings_form=form,
            settings_error=form_error or _("Nothing was saved: correct the marked settings."),
        )
    _audit(account, "dashboard.settings.update", "ok", {"settings": sorted(form.values())})
    get_session().commit()
    flash(_("Settings saved."), "settings")  # shown beside the form, which takes the focus
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#settings-saved")


@bp.route("/accounts/<public_id>/origins", methods=["POST"])
@login_required
def save_origins(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    form = OriginsForm.submitted()
    if form.validate():
        try:
            _service().set_allowed_origins(account, form.normalized)
        except AccountError:
            form.origins.errors = [_(
                "An origin is not valid: use a scheme and host, like https://app.example.com.")]
    if form.origins.errors:
        _refused(account, "dashboard.origins.update", {})
        return _page(account, 400, origins_form=form)
    _audit(account, "dashboard.origins.update", "ok", {"origins": form.normalized})
    get_session().commit()
    flash(_("Allowed origins saved."), "origins")
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#origins")


@bp.route("/accounts/<public_id>/stripe-key", methods=["POST"])
@login_required
def replace_stripe_key(public_id: str) -> ResponseReturnValue:
    """Replace the account's Stripe key once Stripe has accepted it (never shown again)."""
    account = _owned_account(public_id)
    form = StripeKeyForm.submitted()
    refusal: dict[str, Any] = {"reason": "format"}
    if form.validate():
        key = str(form.stripe_key.data)
        check = verify_key(key)
        refusal = {"reason": check.verdict.value, "stripe_code": check.stripe_code,
                   "missing": [p.code for p in check.missing]}
        if not check.missing:
            del refusal["missing"]
        if not check.ok:
            form.stripe_key.errors = [key_refusal(check)]
        else:
            try:
                old_key = _service().stripe_key(account)
                _service().set_stripe_key(account, key)
                registry().forget(old_key)
            except AccountError as exc:  # a live key while require_hash is off
                refusal = {"reason": "settings"}
                form.stripe_key.errors = [
                    _("This value cannot be saved: %(reason)s", reason=str(exc))]
    if form.stripe_key.errors:
        _refused(account, "dashboard.stripe_key.update", refusal)
        return _page(account, 400, stripe_key_form=form)
    _audit(account, "dashboard.stripe_key.update", "ok",
           {"mode": "live" if form.live_mode else "test"})
    get_session().commit()
    forget_account_views(account)  # the key may reach another Stripe account
    flash(_("Stripe key replaced."), "stripe-key")
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#stripe-key")
