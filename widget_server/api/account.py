"""The account REST API, authenticated by an account API key (``Authorization: Bearer wsk_…``).

``GET``/``PATCH /v1/account/settings``: the settings the dashboard edits, checked by the same
table (``features``): a partial update, every field named when it is wrong, audited as done by
the key's name. ``GET /v1/account/events``: the audit trail, newest first, a Stripe-like list
paged with ``starting_after``/``limit`` and filtered by action and time.

The key decides the account: there is no account id in these paths, so one account's key can
never read or change another's (tests/api/test_account_api.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from sqlalchemy import select

from widget_server import audit, features
from widget_server.accounts import AccountService, secret_box
from widget_server.api import bp
from widget_server.api.keyauth import api_key_use, per_api_key
from widget_server.contract.account import (
    DEFAULT_EVENTS_PAGE,
    EVENT_ID_PREFIX,
    AccountSettingsUpdate,
    EventsQuery,
)
from widget_server.contract.validation import validated, validated_query
from widget_server.db import get_session
from widget_server.errors import BadRequest, NotFound
from widget_server.i18n import _
from widget_server.i18n.custom_strings import check_custom_strings, problem_message
from widget_server.limits import limit
from widget_server.login.availability import setting_refusal
from widget_server.models import Account, AuditEvent


def setting_error(feature: features.Feature) -> str:
    """What to send instead, by setting (translated)."""
    if feature.name == "font_family":
        return _('Enter font names separated by commas, like "Inter, sans-serif".')
    if feature.name == "stripe_publishable_key":
        return _("Enter a publishable key (pk_live_… or pk_test_…), never a secret key.")
    if feature.kind == "bool":
        return _("Send true or false.")
    if feature.kind == "choice":
        return _("Choose one of the listed values.")
    if feature.kind == "color":
        return _("Enter a colour as # and six hex digits, like #4f46e5.")
    if feature.kind == "url":
        return _("Enter an address starting with https:// (or leave it empty).")
    if feature.kind == "str_list":
        return _('Enter a JSON list of non-empty strings, like ["price_123", "price_456"].')
    if feature.kind == "strings":
        return _('Enter a JSON object like {"de": {"Cancel": "Kündigen"}} with supported locales.')
    return _("Send text of at most %(max)s characters.", max=2000)


def _settings_body(account: Account) -> dict[str, Any]:
    values = AccountService(get_session(), secret_box()).settings(account)
    return {"object": "account_settings", "account": account.public_id,
            "live_mode": account.live_mode,
            "settings": {f.name: values[f.name] for f in features.FEATURES}}


@bp.get("/v1/account/settings")
@limit("RATELIMIT_API", key_func=per_api_key)
def get_account_settings() -> Response:
    """The account's settings, every one (defaults included)."""
    use = api_key_use()
    body = _settings_body(use.account)
    get_session().commit()  # last_used_at
    return jsonify(body)


@bp.patch("/v1/account/settings")
@limit("RATELIMIT_API", key_func=per_api_key)
def update_account_settings() -> Response:
    """Change the settings sent; all or nothing."""
    use = api_key_use()
    account = use.account
    session = get_session()
    session.commit()  # last_used_at, before the audit rows' own connection writes
    try:
        changes = validated(AccountSettingsUpdate).model_dump(exclude_none=True)
    except BadRequest as error:  # say what the setting takes, not only that it is wrong
        feature = features.FEATURES_BY_NAME.get((error.param or "").split("[")[0])
        if feature is not None and error.code == "invalid_parameter":
            error.message = f"{error.message} {setting_error(feature)}"
        raise
    try:
        for name, value in changes.items():
            try:
                features.validate_value(features.FEATURES_BY_NAME[name], value)
            except features.FeatureError:
                raise BadRequest(setting_error(features.FEATURES_BY_NAME[name]),
                                 code="invalid_parameter", param=name) from None
        # the dashboard's check of keys and placeholders, so the API cannot store an override
        # that names no message or drops an amount
        problems = check_custom_strings(changes.get("custom_strings") or {})
        if problems:
            raise BadRequest(problem_message(problems[0]), code="invalid_parameter",
                             param="custom_strings")
        refusal = setting_refusal(changes, account.settings, current_app.config)
        if refusal is not None:  # a sign-in setting this server cannot serve
            raise BadRequest(refusal[1], code="setting_unavailable", param=refusal[0])
        try:
            account.settings = features.validate_settings(
                changes, current=account.settings, live_mode=account.live_mode)
        except features.FeatureError:  # a setting only a test-mode account may turn off
            name = next((f.name for f in features.FEATURES if f.test_only_off), "require_hash")
            raise BadRequest(_("This setting cannot be turned off while the account uses a "
                               "live Stripe key."), code="live_mode_setting", param=name) from None
    except BadRequest as error:
        session.rollback()
        audit.record(account, "api", use.name, "api.settings.update", account.public_id,
                     "refused", {"fields": sorted(changes), "param": error.param})
        raise
    session.commit()
    audit.record(account, "api", use.name, "api.settings.update", account.public_id, "ok",
                 {"settings": sorted(changes), "api_key_id": use.key_id})
    return jsonify(_settings_body(account))


def _event_id(raw: str | None, account: Account) -> int | None:
    if raw is None:
        return None
    number = int(raw.removeprefix(EVENT_ID_PREFIX))
    owned = get_session().scalar(select(AuditEvent.id).where(
        AuditEvent.id == number, AuditEvent.account_id == account.id))
    if owned is None:  # unknown, or another account's: the same answer
        raise NotFound(_("There is no event %(id)s in this account.", id=raw),
                       code="resource_missing", param="starting_after")
    return number


def _unix(moment: datetime) -> int:
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _event(row: AuditEvent) -> dict[str, Any]:
    return {"id": f"{EVENT_ID_PREFIX}{row.id}", "object": "event",
            "created": _unix(row.created_at), "action": row.action,
            "actor_type": row.actor_type, "actor": row.actor, "target": row.target,
            "result": row.result, "detail": row.detail or {}}


@bp.get("/v1/account/events")
@limit("RATELIMIT_API", key_func=per_api_key)
def list_account_events() -> Response:
    """One page of the account's audit trail, newest first."""
    use = api_key_use()
    get_session().commit()  # last_used_at
    query = validated_query(EventsQuery)
    if (query.created_gte is not None and query.created_lte is not None
            and query.created_gte > query.created_lte):
        raise BadRequest(_("created_gte must not be after created_lte."),
                         code="invalid_parameter", param="created_gte")
    page = query.limit or DEFAULT_EVENTS_PAGE
    statement = select(AuditEvent).where(AuditEvent.account_id == use.account.id)
    after = _event_id(query.starting_after, use.account)
    if after is not None:
        statement = statement.where(AuditEvent.id < after)
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.created_gte is not None:
        statement = statement.where(
            AuditEvent.created_at >= datetime.fromtimestamp(query.created_gte, UTC))
    if query.created_lte is not None:
        statement = statement.where(
            AuditEvent.created_at < datetime.fromtimestamp(query.created_lte + 1, UTC))
    rows = list(get_session().scalars(statement.order_by(AuditEvent.id.desc()).limit(page + 1)))
    return jsonify(object="list", data=[_event(row) for row in rows[:page]],
                   has_more=len(rows) > page, url=request.path)
