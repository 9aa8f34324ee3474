"""Per-account feature settings (DESIGN §4), declared once as data.

The dashboard renders its toggles from FEATURES, the API validates against it, the docs table
is generated from it, and every portal action checks it on the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SUPPORTED_LOCALE_CODES = ("en", "de", "fr", "es", "it", "nl", "pt", "ja", "ar", "he", "pl", "sv")
# CLDR plural categories (Babel's `Locale.plural_form`): the keys of a plural custom string.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


class FeatureError(ValueError):
    """A feature setting does not exist or has a value of the wrong type."""


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # bool | choice | str | str_list | strings | color | url | int
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    test_only_off: bool = False  # may be False only for accounts with test-mode keys


FEATURES: tuple[Feature, ...] = (
    Feature("identify_by", "choice", "both",
            "Which identifier the backend hashes: the user's email, their Stripe customer id, "
            "or either.", choices=("email", "customer_id", "both")),
    Feature("require_hash", "bool", True,
            "Require the identity hash. Can be turned off only while the account uses a test key.",
            test_only_off=True),
    Feature("change_plan", "bool", True,
            "Let users switch between the catalog's prices, with a proration preview first."),
    Feature("downgrade_at_period_end", "bool", False,
            "Apply downgrades at the end of the billing period instead of immediately."),
    Feature("resubscribe", "bool", True,
            "Let users restart a canceled subscription with the same items."),
    Feature("change_plan_when_canceled", "bool", False,
            "Let users pick another plan while resubscribing."),
    Feature("coupons", "bool", False,
            "Let users enter a promotion code on an active subscription."),
    Feature("coupon_ids", "bool", False,
            "Also accept raw coupon ids (not only promotion codes) where codes are allowed."),
    Feature("coupon_on_resubscribe", "bool", False,
            "Let users enter a promotion code while resubscribing."),
    Feature("actions_dropdown", "bool", False,
            "Show subscription actions in a dropdown menu instead of buttons."),
    Feature("update_card", "bool", True,
            "Let users update their card (Stripe Elements + SetupIntent, 3-D Secure ready)."),
    Feature("pay_failed_invoices", "bool", True,
            "Show a banner on past-due subscriptions and let users pay the open invoice."),
    Feature("show_all_invoices", "bool", False,
            "List every invoice of the customer (one-off too), not only subscription invoices."),
    Feature("only_active_subscriptions", "bool", False, "Hide canceled subscriptions."),
    Feature("quantity", "bool", False,
            "Let users change quantity where the product allows it (product metadata "
            "quantity_min / quantity_max / quantity_step and unit label)."),
    Feature("cancellation", "bool", True, "Let users cancel their subscription themselves."),
    Feature("cancellation_reason", "bool", True,
            "Ask why (Stripe's feedback reasons plus free text), saved on the subscription."),
    Feature("cancel_immediately", "bool", False,
            "Cancel immediately instead of at the end of the billing period."),
    Feature("undo_cancel", "bool", True,
            "Let users resume a subscription that is set to cancel at period end."),
    Feature("retention_offer", "bool", False,
            "Offer the retention coupon before a cancellation is confirmed."),
    Feature("retention_coupon", "str", "",
            "The Stripe coupon id offered by the retention offer."),
    Feature("pause", "bool", False, "Let users pause payment collection and resume it."),
    Feature("stripe_publishable_key", "str", "",
            "The Stripe publishable key (pk_live_… / pk_test_…) the portal's card form uses "
            "(any pk_test_… key works with the sandbox)."),
    Feature("billing_details", "bool", True,
            "Let users update email, name, phone, address and tax ids."),
    Feature("catalog_prices", "str_list", [],
            "Stripe price ids users may switch between, in the order shown. Empty: every active "
            "recurring price."),
    Feature("catalog_addons", "str_list", [],
            "Stripe product ids that are add-ons (as is product metadata portal_role=addon): "
            "never offered in place of a base plan."),
    Feature("locale", "choice", "en", "Default language of the portal.",
            choices=SUPPORTED_LOCALE_CODES),
    Feature("auto_detect_locale", "bool", True,
            "Use the visitor's browser language when it is supported."),
    Feature("custom_strings", "strings", {},
            "Owner overrides of UI strings: {locale: {message id: text}}; a plural message "
            "takes {CLDR category (one, few, many, other…): text}."),
    Feature("accent_color", "color", "#4f46e5", "Accent colour of buttons and links."),
    Feature("logo_url", "url", "", "Logo shown at the top of the hosted portal."),
    Feature("font_family", "str", "",
            "CSS font-family for the portal (empty: the system font stack)."),
    Feature("debug", "bool", False,
            "Verbose console logging in the loader, and identity failure reasons (test keys)."),
    Feature("login_page", "bool", False,
            "A hosted login page (/login/<account id>) for sites without a backend: customers "
            "get a one-time code by email and then the hosted portal. Needs the operator's "
            "SMTP settings."),
    Feature("shared_profile", "bool", False,
            "Show this account's subscriptions on the instance's profile page (/profile), "
            "where a customer signed in by emailed code sees every account that opted in. "
            "Needs the operator's PROFILE_PAGE and SMTP settings."),
    Feature("show_entitlements", "bool", False,
            "Show what each subscription grants (the Stripe entitlement features of its "
            "products) and, when changing plan, what the new plan adds and removes."),
    Feature("multi_currency", "bool", False,
            "Offer plans in the customer's currency: prices with currency options (Stripe "
            "Prices' currency_options) are shown, previewed and changed in the currency the "
            "customer is billed in. Off: only plans whose main currency is the customer's."),
    Feature("show_usage", "bool", False,
            "Show metered usage: this period's usage so far, the next invoice's estimate and "
            "a daily chart (loaded on its own request, only when on)."),
    Feature("show_credit", "bool", False,
            "Show the customer's credit balance and billing credit grants, and where they "
            "will be applied (loaded on its own request, only when on)."),
)

FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
_COLOR = re.compile(r"\A#[0-9a-fA-F]{6}\Z")
# A CSS font-family list and nothing else: names, quotes, commas, spaces, hyphens. No
# parentheses, semicolons or braces, so it can never carry url(), another property or a rule.
# Sent to every end user's browser: only ever a publishable key, never a secret one.
_PUBLISHABLE_KEY = re.compile(r"\Apk_(test|live)_[A-Za-z0-9]{1,247}\Z")
_FONT_FAMILY = re.compile(r"\A[\w \-,'\".]{0,200}\Z")
_MAX_STR = 2000


def defaults() -> dict[str, Any]:
    return {f.name: _copy(f.default) for f in FEATURES}


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def validate_value(feature: Feature, value: Any) -> Any:
    """Return the value if it fits the feature's type, else raise FeatureError."""
    name, kind = feature.name, feature.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise FeatureError(f"setting {name!r} must be true or false, not {value!r}")
    elif kind == "choice":
        if value not in feature.choices:
            raise FeatureError(
                f"setting {name!r} must be one of {', '.join(feature.choices)}, not {value!r}"
            )
    elif kind in {"str", "url", "color"}:
        if not isinstance(value, str) or len(value) > _MAX_STR:
            raise FeatureError(
                f"setting {name!r} must be a string of at most {_MAX_STR} characters"
            )
        if kind == "color" and not _COLOR.match(value):
            raise FeatureError(f"setting {name!r} must be a colour like #4f46e5, not {value!r}")
        if kind == "url" and value and not value.startswith(("https://", "http://")):
            raise FeatureError(f"setting {name!r} must be an http(s) URL")
        if (name == "stripe_publishable_key" and value
                and not _PUBLISHABLE_KEY.match(value)):
            raise FeatureError(
                f"setting {name!r} must be a publishable key (pk_live_… or pk_test_…); a secret "
                "or restricted key would be sent to every visitor's browser")
        if name == "font_family" and not _FONT_FAMILY.match(value):
            raise FeatureError(
                f"setting {name!r} must be a list of font names like \"Inter, sans-serif\""
            )
    elif kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise FeatureError(f"setting {name!r} must be a list of non-empty strings")
    elif kind == "strings":
        _validate_strings(name, value)
    return value


def _validate_strings(name: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise FeatureError(f"setting {name!r} must be an object of locale -> {{id: text}}")
    for locale, table in value.items():
        if locale not in SUPPORTED_LOCALE_CODES:
            raise FeatureError(f"setting {name!r}: unsupported locale {locale!r}")
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and (_is_text(v) or _is_plural_text(v)) for k, v in table.items()
        ):
            raise FeatureError(
                f"setting {name!r}: {locale!r} must map message ids to text, or a plural "
                f"message id to {{category: text}} with the categories "
                f"{', '.join(PLURAL_CATEGORIES)} and at least 'other'"
            )


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= _MAX_STR


def _is_plural_text(value: Any) -> bool:
    """A plural override: CLDR category -> text (docs/i18n.md, "Custom strings")."""
    return (isinstance(value, dict) and "other" in value
            and all(k in PLURAL_CATEGORIES and _is_text(v) for k, v in value.items()))


def validate_settings(
    changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None, live_mode: bool
) -> dict[str, Any]:
    """Validate a partial update against FEATURES and return the merged, complete settings.

    Raises FeatureError naming the first bad setting; nothing is applied in that case.
    """
    merged = defaults()
    merged.update(current or {})
    for name, value in changes.items():
        feature = FEATURES_BY_NAME.get(name)
        if feature is None:
            raise FeatureError(f"unknown setting {name!r}")
        merged[name] = validate_value(feature, value)
    if live_mode:
        for feature in FEATURES:
            if feature.test_only_off and merged[feature.name] is False:
                raise FeatureError(
                    f"setting {feature.name!r} cannot be turned off for a live-mode account")
    return merged


def features_markdown_table() -> str:
    rows = ["| setting | type | default | what it does |", "|---|---|---|---|"]
    for f in FEATURES:
        kind = f"one of {', '.join(f.choices)}" if f.choices else f.kind
        rows.append(f"| `{f.name}` | {kind} | `{f.default!r}` | {f.help} |")
    return "\n".join(rows)
