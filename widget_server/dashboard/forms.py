"""Form parsing for the account page: feature settings generated from FEATURES, allowed
origins, and the identity hash checker. Pure functions; the views call them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from widget_server import features
from widget_server.accounts import AccountError, normalize_origin
from widget_server.features import FEATURES, Feature
from widget_server.i18n import _
from widget_server.identity import IdentityVerdict, check_identity, is_well_formed_hash

MAX_ORIGINS = 50
MAX_FIELD = 20_000
_WIDGETS = {"bool": "checkbox", "choice": "select", "str_list": "textarea", "strings": "textarea"}


@dataclass(frozen=True)
class SettingField:
    """One row of the settings form: the feature, how it is edited, what it shows."""

    feature: Feature
    widget: str  # checkbox | select | text | textarea
    value: Any  # bool for checkboxes, text otherwise
    error: str | None = None

    @property
    def name(self) -> str:
        return self.feature.name

    @property
    def help(self) -> str:
        # Translated here, not in the template: Jinja marks template translations as safe.
        return _(self.feature.help)


def widget_for(feature: Feature) -> str:
    return _WIDGETS.get(feature.kind, "text")


def display_value(feature: Feature, value: Any) -> Any:
    """The saved value as the form shows it."""
    if feature.kind == "bool":
        return bool(value)
    if feature.kind in {"str_list", "strings"}:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "" if value is None else str(value)


def setting_fields(
    values: Mapping[str, Any],
    *,
    submitted: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[SettingField]:
    """Fields for every feature: saved values, or the submitted ones when re-rendering."""
    errors = errors or {}
    fields = []
    for feature in FEATURES:
        if submitted is not None and feature.name in submitted:
            shown = submitted[feature.name]
        else:
            shown = display_value(feature, values.get(feature.name, feature.default))
        fields.append(SettingField(feature, widget_for(feature), shown, errors.get(feature.name)))
    return fields


def submitted_settings(form: Mapping[str, str]) -> dict[str, Any]:
    """The raw form, per feature, for re-rendering after an error (checkbox absent = off)."""
    raw: dict[str, Any] = {}
    for feature in FEATURES:
        if feature.kind == "bool":
            raw[feature.name] = form.get(feature.name) == "on"
        else:
            raw[feature.name] = form.get(feature.name, "")[:MAX_FIELD]
    return raw


def parse_settings(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn the whole settings form into typed values; returns (values, errors by field)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for feature in FEATURES:
        raw = form.get(feature.name)
        try:
            value = _parse_one(feature, raw)
            features.validate_value(feature, value)
        except (ValueError, features.FeatureError):
            errors[feature.name] = _kind_error(feature)
            continue
        values[feature.name] = value
    return values, errors


def _parse_one(feature: Feature, raw: str | None) -> Any:
    if feature.kind == "bool":
        return raw == "on"
    text = (raw or "")[:MAX_FIELD]
    if feature.kind in {"str_list", "strings"}:
        if not text.strip():
            return [] if feature.kind == "str_list" else {}
        return json.loads(text)
    if feature.kind == "int":
        return int(text.strip())
    return text.strip()


def _kind_error(feature: Feature) -> str:
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
    if kind == "int":
        return _("Enter a whole number.")
    return _("This value is too long.")


def error_field(message: str) -> str | None:
    """The setting an AccountError message names (they quote it, like 'require_hash')."""
    for feature in FEATURES:
        if f"'{feature.name}'" in message:
            return feature.name
    return None


def parse_origins(text: str) -> tuple[list[str], str | None]:
    """One origin per line; returns (normalized origins, first error or None)."""
    lines = [line.strip() for line in text[:MAX_FIELD].splitlines() if line.strip()]
    if len(lines) > MAX_ORIGINS:
        return [], _("At most %(count)s origins are allowed.", count=MAX_ORIGINS)
    origins: list[str] = []
    for line in lines:
        try:
            origin = normalize_origin(line)
        except AccountError:
            return [], _(
                "%(origin)s is not an origin: use a scheme and host only, "
                "like https://app.example.com.",
                origin=line,
            )
        if origin not in origins:
            origins.append(origin)
    return origins, None


class HashVerdict(Enum):
    CURRENT = "current"
    PREVIOUS = "previous"
    MISMATCH = "mismatch"
    MALFORMED = "malformed"
    NO_IDENTIFIER = "no_identifier"


@dataclass(frozen=True)
class HashCheck:
    verdict: HashVerdict
    message: str
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict in {HashVerdict.CURRENT, HashVerdict.PREVIOUS}


def check_hash(secrets: Sequence[str], identifier: str, candidate: str) -> HashCheck:
    """Which secret (current first, then previous) the hash was made with, if any.

    Says only match / mismatch / why malformed: never the secret or the expected hash.
    The verdict is ``identity.check_identity``'s, the same check ``POST /v1/embed/session``
    makes, so the checker cannot disagree with the endpoint.
    """
    notes = _identifier_notes(identifier)
    if not identifier:
        return HashCheck(HashVerdict.NO_IDENTIFIER, _("Paste the email or customer id."))
    candidate = candidate.strip()
    verdict = check_identity(secrets, identifier, candidate)  # the embed endpoint's own check
    if verdict is IdentityVerdict.MALFORMED_HASH:
        return HashCheck(HashVerdict.MALFORMED, _malformed_reason(candidate), notes)
    if verdict is IdentityVerdict.CURRENT_SECRET:
        return HashCheck(HashVerdict.CURRENT, _("It matches: made with the current secret."))
    if verdict is IdentityVerdict.PREVIOUS_SECRET:
        return HashCheck(
            HashVerdict.PREVIOUS,
            _("It matches the previous secret, which stops working when the rotation overlap "
              "ends. Update your backend to the current secret."),
        )
    return HashCheck(
        HashVerdict.MISMATCH,
        _("It does not match this account's current or previous secret for this identifier."),
        notes,
    )


def _malformed_reason(candidate: str) -> str:
    if not candidate:
        return _("Paste the hash your backend computed.")
    if len(candidate) != 64:
        return _(
            "The hash has %(count)s characters; it must be 64 lowercase hex characters.",
            count=len(candidate),
        )
    if candidate.lower() != candidate and is_well_formed_hash(candidate.lower()):
        return _("The hash has uppercase letters; send the lowercase hex digest.")
    return _("The hash has characters other than 0-9 and a-f; send the hex digest, not base64.")


def _identifier_notes(identifier: str) -> tuple[str, ...]:
    notes = []
    if identifier != identifier.strip():
        notes.append(
            _("The identifier starts or ends with spaces; they are part of what is hashed.")
        )
    if identifier != identifier.lower() and "@" in identifier:
        notes.append(
            _("The email has uppercase letters; it is hashed exactly as written, not lowercased.")
        )
    return tuple(notes)
