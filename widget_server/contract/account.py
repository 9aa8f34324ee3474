"""The account API's bodies: settings (generated from ``features.FEATURES``) and the audit trail.

The settings models are built from the settings table, so a setting added there is in the API,
its document and its reference at once. The schema states each setting's type (and choices,
colour pattern, lengths); the rest of each rule is the table's own check
(``features.validate_value``), applied by the view, so the API cannot accept what the
dashboard form refuses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.config import JsonValue

from widget_server.features import FEATURES, PLURAL_CATEGORIES, Feature, defaults

MAX_SETTING_TEXT = 2000
MAX_EVENTS_PAGE = 100
DEFAULT_EVENTS_PAGE = 10
EVENT_ID_PREFIX = "ev_"

_Text = Annotated[str, Field(max_length=MAX_SETTING_TEXT)]
_PluralText = dict[Literal[PLURAL_CATEGORIES], _Text]  # type: ignore[valid-type]
_Strings = dict[str, dict[str, _Text | _PluralText]]


def _setting_type(feature: Feature) -> Any:
    if feature.kind == "bool":
        return bool
    if feature.kind == "choice":
        return Literal[feature.choices]
    if feature.kind == "color":
        return Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
    if feature.kind in {"str", "url"}:
        return _Text
    if feature.kind == "str_list":
        return list[Annotated[str, Field(min_length=1, max_length=MAX_SETTING_TEXT)]]
    if feature.kind == "strings":
        return _Strings
    raise LookupError(f"no API type for setting kind {feature.kind!r} ({feature.name})")


def _fields(*, optional: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for feature in FEATURES:
        kind = _setting_type(feature)
        if optional:
            fields[feature.name] = (kind | None, Field(None, description=feature.help))
        else:
            fields[feature.name] = (kind, Field(description=feature.help))
    return fields


_EXAMPLE: dict[str, JsonValue] = {"cancellation_reason": True, "accent_color": "#0f766e"}

AccountSettingsUpdate: type[BaseModel] = create_model(
    "AccountSettingsUpdate",
    __config__=ConfigDict(extra="forbid", strict=True, regex_engine="python-re",
                          json_schema_extra={"examples": [_EXAMPLE]}),
    __doc__="A partial update: only the settings sent change; null means not sent.",
    **_fields(optional=True),
)

SettingsValues: type[BaseModel] = create_model(
    "SettingsValues", __config__=ConfigDict(extra="forbid"),
    __doc__="Every setting of the account, defaults included.", **_fields(optional=False),
)


class AccountSettings(BaseModel):
    """The account's settings, as the dashboard shows them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "object": "account_settings", "account": "acct_123", "live_mode": False,
        "settings": defaults()}]})

    object: Literal["account_settings"]
    account: str = Field(description="The account's public id (acct_…).")
    live_mode: bool
    settings: SettingsValues  # type: ignore[valid-type]


class EventsQuery(BaseModel):
    """``GET /v1/account/events``: one page of the audit trail, newest first."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re",
                              json_schema_extra={"examples": [{"limit": 10}]})

    limit: int | None = Field(None, ge=1, le=MAX_EVENTS_PAGE,
                              description=f"1 to {MAX_EVENTS_PAGE}; default "
                                          f"{DEFAULT_EVENTS_PAGE}.")
    starting_after: str | None = Field(
        None, max_length=40, pattern=r"^ev_[0-9]{1,18}$",
        description="An event id: the page starts after it (the has_more cursor).")
    action: str | None = Field(None, max_length=64,
                               description="Only this action, e.g. dashboard.settings.update.")
    created_gte: int | None = Field(None, ge=0, le=2**40,
                                    description="Only events at or after this Unix time.")
    created_lte: int | None = Field(None, ge=0, le=2**40,
                                    description="Only events at or before this Unix time.")


class AuditEventOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="ev_…, usable as starting_after.")
    object: Literal["event"]
    created: int = Field(description="Unix time.")
    action: str
    actor_type: Literal["customer", "owner", "api", "system"]
    actor: str = Field(description="Who: an owner's or customer's email or id, an API key's "
                                   "name.")
    target: str
    result: Literal["ok", "refused", "error"]
    detail: dict[str, Any]


class EventList(BaseModel):
    """A Stripe-like list: ``{object: "list", data, has_more, url}``."""

    model_config = ConfigDict(extra="forbid")

    object: Literal["list"]
    data: list[AuditEventOut]
    has_more: bool
    url: str
