""""New account": a name, a Stripe key that Stripe accepts (a restricted key with every
permission the portal needs) and the allowed origins. The identity secret is shown once, on
the install page the owner lands on."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from widget_server.accounts import AccountError
from widget_server.dashboard import bp, once
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.forms import OriginsForm, StripeKeyForm, strip, truncate
from widget_server.dashboard.install import install_page
from widget_server.dashboard.stripe_keys import key_refusal, required_permissions, verify_key
from widget_server.dashboard.views import _audit, _owner, _service
from widget_server.db import get_session
from widget_server.i18n import _

MAX_NAME = 200


class NewAccountForm(StripeKeyForm, OriginsForm):
    name = StringField(filters=[strip, truncate(MAX_NAME + 1)], default="")

    def validate_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Give the account a name."))
        if len(field.data) > MAX_NAME:
            raise ValidationError(_("The name is too long (at most %(count)s characters).",
                                    count=MAX_NAME))


def _form_page(form: NewAccountForm, status: int = 200, **context: Any) -> ResponseReturnValue:
    context.setdefault("once", once.issue())
    return render_template("dashboard/new_account.html", form=form,
                           permissions=required_permissions(), **context), status


@bp.route("/accounts/new", methods=["GET", "POST"])
@login_required
def new_account() -> ResponseReturnValue:
    if request.method == "GET":
        return _form_page(NewAccountForm(formdata=None))
    form = NewAccountForm.submitted()
    if not once.spend():  # a reload of the page that showed the new account's secret
        flash(_("This form was already sent: the account was created then. Its identity "
                "secret can be shown again on its install page."))
        return redirect(url_for("dashboard.account_list"))
    if not form.validate():
        return _form_page(form, 400)
    key = str(form.stripe_key.data)
    check = verify_key(key)
    if not check.ok:
        form.stripe_key.errors = [key_refusal(check)]
        return _form_page(form, 400, missing=[p.code for p in check.missing])
    try:
        created = _service().create(name=form.name.data or "", stripe_key=key,
                                    allowed_origins=form.normalized)
    except AccountError as exc:
        get_session().rollback()
        form.stripe_key.errors = [_("This value cannot be saved: %(reason)s", reason=str(exc))]
        return _form_page(form, 400)
    account = created.account
    account.owner_id = _owner().id
    _audit(account, "dashboard.account.create", "ok",
           {"mode": "live" if account.live_mode else "test", "origins": form.normalized,
            "restricted_key": key.startswith("rk_")})
    get_session().commit()
    # Rendered, never redirected: the secret must not pass through the session cookie.
    return install_page(account, 201, new_secret=created.hmac_secret, created=True)
