"""The settings form, generated from the settings table (``features.FEATURES``).

One WTForms field per feature, chosen by its kind; one validator for all of them, which is the
table's own check (``features.validate_value``), so the form cannot accept what the API
refuses. Error messages are per field and translated when the form is validated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wtforms import BooleanField, Field, StringField, TextAreaField
from wtforms.validators import ValidationError

from widget_server import features
from widget_server.dashboard.forms import MAX_FIELD, DashboardForm, strip
from widget_server.features import FEATURES, Feature
from widget_server.i18n import N_, _, language_name

_INVALID_JSON = object()  # what a JSON field holds when its text does not parse


class JSONField(TextAreaField):
    """A textarea holding JSON; shows the submitted text again when it does not parse."""

    data: Any
    raw: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.raw = str(valuelist[0])
        text = self.raw.strip()
        if len(self.raw) > MAX_FIELD:
            self.data = _INVALID_JSON
        elif not text:
            self.data = self.default() if callable(self.default) else self.default
        else:
            try:
                self.data = json.loads(text)
            except ValueError:
                self.data = _INVALID_JSON

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.data, indent=2, ensure_ascii=False)


class FeatureValue:
    """Validates a field with the settings table's rule for its feature."""

    def __init__(self, feature: Feature) -> None:
        self.feature = feature

    def __call__(self, form: DashboardForm, field: Field) -> None:
        try:
            features.validate_value(self.feature, field.data)
        except features.FeatureError:
            raise ValidationError(kind_error(self.feature)) from None


def kind_error(feature: Feature) -> str:
    """What to enter instead, by the kind of setting (translated at validation time)."""
    kind = feature.kind
    if kind == "choice":
        return _("Choose one of the listed values.")
    if kind == "color":
        return _("Enter a colour as # and six hex digits, like #4f46e5.")
    if kind == "url":
        return _("Enter an address starting with https:// (or leave it empty).")
    if kind == "str_list":
        return _('Enter a JSON list of non-empty strings, like ["price_123", "price_456"].')
    if kind == "strings":
        return _('Enter a JSON object like {"de": {"Cancel": "Kündigen"}} with supported locales.')
    return _("This value is too long.")


def _field_for(feature: Feature) -> Field:
    validators = [FeatureValue(feature)]
    default = features.defaults()[feature.name]
    if feature.kind == "bool":
        return BooleanField(feature.name, validators=validators, default=default)
    if feature.kind in {"str_list", "strings"}:
        return JSONField(feature.name, validators=validators, default=default)
    if feature.kind in {"choice", "str", "url", "color"}:
        return StringField(feature.name, validators=validators, default=default,
                           filters=[strip])
    raise LookupError(f"no form field for setting kind {feature.kind!r} ({feature.name})")


# Settings with an editor of their own on the account page (dashboard/editors.py): the plan
# catalog picker and Appearance. This form neither shows nor saves them.
EDITED_ELSEWHERE = frozenset({"catalog_prices", "catalog_addons", "accent_color", "logo_url",
                              "font_family", "custom_strings"})
SHOWN = tuple(feature for feature in FEATURES if feature.name not in EDITED_ELSEWHERE)


# The page's groups, in order, and each setting's label in plain words (the help is the
# settings table's). A setting added to features.py and not placed here shows under "Other".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Identity"), ("identify_by", "require_hash", "debug")),
    (N_("Plans"), ("change_plan", "downgrade_at_period_end", "quantity", "catalog_prices",
                   "catalog_addons", "resubscribe", "change_plan_when_canceled",
                   "only_active_subscriptions", "actions_dropdown", "show_entitlements",
                   "multi_currency")),
    (N_("Cancellation"), ("cancellation", "cancellation_reason", "cancel_immediately",
                          "undo_cancel", "retention_offer", "retention_coupon", "pause")),
    (N_("Payments"), ("update_card", "stripe_publishable_key", "pay_failed_invoices",
                      "coupons", "coupon_ids", "coupon_on_resubscribe", "billing_details")),
    (N_("Invoices"), ("show_all_invoices", "show_usage", "show_credit")),
    (N_("Appearance"), ("accent_color", "logo_url", "font_family")),
    (N_("Languages"), ("locale", "auto_detect_locale", "custom_strings")),
    (N_("Sign-in by email"), ("login_page", "shared_profile")),
)
OTHER = N_("Other")
LABELS = {
    "identify_by": N_("Identify users by"),
    "require_hash": N_("Require the identity hash"),
    "debug": N_("Debug mode"),
    "change_plan": N_("Change plan"),
    "downgrade_at_period_end": N_("Downgrade at the end of the period"),
    "quantity": N_("Change quantity"),
    "catalog_prices": N_("Plans users can switch between"),
    "catalog_addons": N_("Add-on products"),
    "resubscribe": N_("Restart a canceled subscription"),
    "change_plan_when_canceled": N_("Choose another plan when restarting"),
    "only_active_subscriptions": N_("Hide canceled subscriptions"),
    "actions_dropdown": N_("Actions in a menu"),
    "show_entitlements": N_("Show what each plan grants"),
    "cancellation": N_("Cancel a subscription"),
    "cancellation_reason": N_("Ask for a cancellation reason"),
    "cancel_immediately": N_("Cancel immediately"),
    "undo_cancel": N_("Undo a cancellation"),
    "retention_offer": N_("Retention offer"),
    "retention_coupon": N_("Retention coupon"),
    "pause": N_("Pause payments"),
    "update_card": N_("Update card"),
    "stripe_publishable_key": N_("Stripe publishable key"),
    "pay_failed_invoices": N_("Pay a failed invoice"),
    "coupons": N_("Promotion codes"),
    "coupon_ids": N_("Accept coupon ids"),
    "coupon_on_resubscribe": N_("Promotion code when restarting"),
    "billing_details": N_("Edit billing details"),
    "show_all_invoices": N_("Show every invoice"),
    "show_usage": N_("Show metered usage"),
    "show_credit": N_("Show credit balance and grants"),
    "accent_color": N_("Accent colour"),
    "logo_url": N_("Logo address"),
    "font_family": N_("Font"),
    "locale": N_("Default language"),
    "auto_detect_locale": N_("Use the browser's language"),
    "custom_strings": N_("Custom texts"),
    "login_page": N_("Login page"),
    "shared_profile": N_("Show on the profile page"),
    "multi_currency": N_("Plans in the customer's currency"),
}


def label_of(feature: Feature) -> str:
    return _(LABELS[feature.name]) if feature.name in LABELS else feature.name


# What each value of a choice setting means, in plain words (the value is shown beside it).
CHOICE_LABELS = {
    "identify_by": {"email": N_("Email address"), "customer_id": N_("Stripe customer id"),
                    "both": N_("Email address or Stripe customer id")},
}


def choice_label(feature: Feature, choice: str) -> str:
    """The option's text: plain words for a known value, a language's own name for a locale."""
    words = CHOICE_LABELS.get(feature.name, {}).get(choice)
    if words is not None:
        return _(words)
    if feature.name == "locale":
        return f"{language_name(choice)} ({choice})"
    return choice


class SettingsForm(DashboardForm):
    """Every feature setting; fields are added below from the settings table."""

    def feature_fields(self) -> list[tuple[Feature, Field]]:
        return [(feature, self[feature.name]) for feature in SHOWN]

    def groups(self) -> list[tuple[str, list[tuple[Feature, Field, str]]]]:
        """(translated group title, its settings as (feature, field, translated label)) in
        page order; empty groups left out."""
        by_name = {feature.name: feature for feature in FEATURES}
        placed = {name for _title, names in GROUPS for name in names}
        found = [(_(title), [(by_name[n], self[n], label_of(by_name[n]))
                             for n in names if n in by_name and n not in EDITED_ELSEWHERE])
                 for title, names in GROUPS]
        rest = [(f, self[f.name], label_of(f)) for f in SHOWN if f.name not in placed]
        if rest:
            found.append((_(OTHER), rest))
        return [(title, fields) for title, fields in found if fields]

    def values(self) -> dict[str, Any]:
        return {feature.name: self[feature.name].data for feature in SHOWN}

    def error_on_setting(self, message: str) -> bool:
        """Show an account-level refusal (it quotes the setting, like 'require_hash') on that
        setting's field; False when it names none."""
        for feature in SHOWN:
            if f"'{feature.name}'" in message:
                self[feature.name].errors = [*self[feature.name].errors, message]
                return True
        return False


for _feature in FEATURES:
    if _feature.name not in EDITED_ELSEWHERE:
        setattr(SettingsForm, _feature.name, _field_for(_feature))


def saved_settings_form(values: Mapping[str, Any]) -> SettingsForm:
    """The form showing saved values, not the body of whichever form was posted."""
    return SettingsForm(formdata=None, data=dict(values))


WIDGETS = {"bool": "checkbox", "choice": "select", "str_list": "textarea", "strings": "textarea"}


def widget_of(feature: Feature) -> str:
    """How the page shows the setting (the template writes the HTML)."""
    return WIDGETS.get(feature.kind, "text")


def help_of(feature: Feature) -> str:
    # Translated here, not with the template's _(): that one extracts only literal strings.
    return _(feature.help)
