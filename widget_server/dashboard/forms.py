"""The dashboard's forms (WTForms), except the settings form (settings_form.py).

Messages are translated when a form is validated, in the request's language.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from wtforms import (
    BooleanField,
    Field,
    Form,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from widget_server.accounts import AccountError, normalize_origin, parse_stripe_key
from widget_server.i18n import _

F = TypeVar("F", bound="DashboardForm")
MAX_FIELD = 20_000
MAX_ORIGINS = 50
MAX_EMAIL = 320
MAX_PASSWORD = 1024
MAX_IDENTIFIER = 512


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def truncate(limit: int) -> Any:
    def cut(value: Any) -> Any:
        return value[:limit] if isinstance(value, str) else value
    return cut


class DashboardForm(Form):
    """A dashboard form. CSRF is not a field of it: CSRFProtect checks every dashboard POST
    before the view runs (csrf.py), forms or not."""

    @classmethod
    def submitted(cls: type[F]) -> F:
        """The form filled from this request's body."""
        return cls(request.form)


class LoginForm(DashboardForm):
    email = StringField(filters=[strip, truncate(MAX_EMAIL)], default="")
    password = PasswordField(filters=[truncate(MAX_PASSWORD)], default="")
    next = HiddenField(default="")


class OriginsForm(DashboardForm):
    """One origin per line; ``origins.data`` becomes the normalized list when valid."""

    origins = TextAreaField(filters=[truncate(MAX_FIELD)], default="")
    normalized: list[str]

    def validate_origins(self, field: Field) -> None:
        lines = [line.strip() for line in str(field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_ORIGINS:
            raise ValidationError(_("At most %(count)s origins are allowed.", count=MAX_ORIGINS))
        origins: list[str] = []
        for line in lines:
            try:
                origin = normalize_origin(line)
            except AccountError:
                raise ValidationError(_(
                    "%(origin)s is not an origin: use a scheme and host only, "
                    "like https://app.example.com.",
                    origin=line,
                )) from None
            if origin not in origins:
                origins.append(origin)
        self.normalized = origins


class HashCheckForm(DashboardForm):
    identifier = StringField(filters=[truncate(MAX_IDENTIFIER)], default="")
    hash = StringField(filters=[truncate(MAX_IDENTIFIER)], default="")


class RotateSecretForm(DashboardForm):
    confirm = BooleanField(false_values=(False, "false", "", "no"))

    def validate_confirm(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Tick the box to confirm the rotation."))


class StripeKeyForm(DashboardForm):
    """A new secret or restricted Stripe key; the mode is read from its prefix."""

    stripe_key = PasswordField(filters=[strip, truncate(300)], default="")
    live_mode: bool

    def validate_stripe_key(self, field: Field) -> None:
        try:
            self.live_mode = parse_stripe_key(str(field.data or ""))
        except AccountError:
            raise ValidationError(_(
                "Enter a secret key (sk_test_… or sk_live_…) or a restricted key (rk_test_… or "
                "rk_live_…). Publishable keys (pk_…) cannot read subscriptions."
            )) from None
