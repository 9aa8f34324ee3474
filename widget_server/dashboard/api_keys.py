"""The account's API keys in the dashboard: create with a name (the key is shown once, on the
page that created it, never through a redirect or the session cookie), list with created and
last used, revoke. Every change is audited; CSRF is checked for every POST (csrf.py).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from widget_server import api_keys
from widget_server.dashboard import bp, once
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.forms import DashboardForm, strip, truncate
from widget_server.dashboard.views import _audit, _owned_account, _refused, service_url
from widget_server.db import get_session
from widget_server.i18n import _
from widget_server.models import Account


class ApiKeyForm(DashboardForm):
    name = StringField(filters=[strip, truncate(api_keys.MAX_NAME + 1)], default="")

    def validate_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Give the key a name, like the server or job that uses it."))
        if len(field.data) > api_keys.MAX_NAME:
            raise ValidationError(_("The name is too long (at most %(max)s characters).",
                                    max=api_keys.MAX_NAME))


def _page(account: Account, status: int = 200, **context: object) -> ResponseReturnValue:
    context.setdefault("form", ApiKeyForm(formdata=None))
    context.setdefault("once", once.issue())
    return render_template("dashboard/api_keys.html", account=account,
                           keys=api_keys.keys_of(get_session(), account),
                           service_url=service_url(), **context), status


@bp.route("/accounts/<public_id>/api-keys")
@login_required
def api_keys_page(public_id: str) -> ResponseReturnValue:
    return _page(_owned_account(public_id))


@bp.route("/accounts/<public_id>/api-keys", methods=["POST"])
@login_required
def create_api_key(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    form = ApiKeyForm.submitted()
    if not once.spend():  # a reload of the page that showed the new key: do not make another
        flash(_("This form was already sent: the key was created then and shown once. If it "
                "was not copied, revoke it and create another."))
        return redirect(url_for("dashboard.api_keys_page", public_id=public_id))
    if not form.validate():
        _refused(account, "dashboard.api_key.create", {"reason": "name"})
        return _page(account, 400, form=form)
    row, key = api_keys.create_key(get_session(), account, str(form.name.data))
    _audit(account, "dashboard.api_key.create", "ok", {"name": row.label, "prefix": row.prefix})
    get_session().commit()
    # Rendered directly, never redirected: the key must not pass through the session cookie.
    return _page(account, new_key=key, new_key_name=row.label)


@bp.route("/accounts/<public_id>/api-keys/<int:key_id>/revoke", methods=["POST"])
@login_required
def revoke_api_key(public_id: str, key_id: int) -> ResponseReturnValue:
    account = _owned_account(public_id)
    row = api_keys.key_of(get_session(), account, key_id)
    if row is None:  # another account's key, or none: no hint which
        abort(404)
    if api_keys.revoke(row):
        _audit(account, "dashboard.api_key.revoke", "ok", {"name": row.label,
                                                           "prefix": row.prefix})
        get_session().commit()
        flash(_("The key “%(name)s” was revoked: it stops working at once.", name=row.label))
    return redirect(url_for("dashboard.api_keys_page", public_id=public_id))
