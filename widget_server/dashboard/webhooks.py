"""The account page's Stripe webhook section: paste the endpoint's signing secret, or remove it.

With a signing secret, the service accepts the account's Stripe events at
``/v1/stripe/webhooks/<account>`` and serves repeat portal views from snapshots those events
invalidate (docs/webhooks.md). Both changes are audited and forget every snapshot of the
account; the secret is never shown again.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from wtforms import Field, PasswordField
from wtforms.validators import ValidationError

from widget_server.accounts import AccountError, parse_webhook_secret
from widget_server.billing.webhooks import WEBHOOK_EVENTS
from widget_server.billing_web.snapshots import forget_account_views
from widget_server.dashboard import bp
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.forms import DashboardForm, strip, truncate
from widget_server.dashboard.views import (
    _audit,
    _owned_account,
    _page,
    _refused,
    _service,
    service_url,
)
from widget_server.db import get_session
from widget_server.i18n import _
from widget_server.models import Account


class WebhookSecretForm(DashboardForm):
    webhook_secret = PasswordField(filters=[strip, truncate(300)], default="")

    def validate_webhook_secret(self, field: Field) -> None:
        try:
            parse_webhook_secret(str(field.data or ""))
        except AccountError:
            raise ValidationError(_(
                "Paste the endpoint's signing secret from Stripe (Developers → Webhooks → your "
                "endpoint → Signing secret); it starts with whsec_.")) from None


def webhook_url(account: Account) -> str:
    return service_url() + url_for("api.stripe_webhook", account_id=account.public_id)


@bp.context_processor
def _webhook_section() -> dict[str, Any]:
    return {"webhook_events": WEBHOOK_EVENTS, "webhook_url": webhook_url}


@bp.route("/accounts/<public_id>/webhook-secret", methods=["POST"])
@login_required
def save_webhook_secret(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    form = WebhookSecretForm.submitted()
    if not form.validate():
        _refused(account, "dashboard.webhook_secret.update", {"reason": "format"})
        return _page(account, 400, webhook_errors=form.webhook_secret.errors)
    replacing = account.webhook_secret_encrypted is not None
    _service().set_webhook_secret(account, str(form.webhook_secret.data),
                                  overlap_seconds=int(current_app.config["WEBHOOK_SECRET_OVERLAP"]))
    _audit(account, "dashboard.webhook_secret.update", "ok", {"replaced": replacing})
    get_session().commit()
    forget_account_views(account)
    flash(_("Webhook signing secret saved. Portal views are now kept until Stripe reports a "
            "change."))
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#webhook")


@bp.route("/accounts/<public_id>/webhook-secret/remove", methods=["POST"])
@login_required
def remove_webhook_secret(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    _service().clear_webhook_secret(account)
    _audit(account, "dashboard.webhook_secret.remove", "ok", {})
    get_session().commit()
    forget_account_views(account)
    flash(_("Webhook signing secret removed. Every portal view is read from Stripe again."))
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#webhook")
