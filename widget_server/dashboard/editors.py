"""The Plans and Appearance sections of the account page: what they show, and their saves.

``POST /dashboard/accounts/<id>/plans`` saves the catalog picker (``catalog_picker.py``),
``POST …/appearance`` the branding and one locale's custom strings (``appearance.py``). Each
is checked on the server; a refusal keeps what the owner entered and names what is wrong.
The page may show a preview draft's values instead of the saved ones (``?draft=…``).
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from widget_server.billing.errors import BillingError
from widget_server.billing_web import billing_for
from widget_server.dashboard import appearance, bp, catalog_picker
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.catalog_picker import PickerChoice, PickerView
from widget_server.dashboard.views import (
    _audit,
    _owned_account,
    _page,
    _refused,
    _service,
)
from widget_server.db import get_session
from widget_server.features import SUPPORTED_LOCALE_CODES
from widget_server.i18n import _
from widget_server.models import Account

__all__ = ["appearance", "appearance_editor", "locale_names", "parse_plans", "plan_picker"]


def locale_names() -> list[tuple[str, str]]:
    """Each supported locale with its name in its own language."""
    return [(code, Locale.parse(code).get_display_name(code) or code)
            for code in SUPPORTED_LOCALE_CODES]


def _unreachable() -> str:
    return _("Stripe could not be reached to read the catalog. Nothing was changed; try again "
             "in a minute.")


def parse_plans(account: Account, form: MultiDict[str, str]) -> tuple[PickerChoice, list[str]]:
    """The posted picker, checked against the account's catalog in Stripe."""
    billing = billing_for(_service().stripe_key(account))
    try:
        return catalog_picker.parse_picker(form, billing.catalog_prices(), billing.price)
    except BillingError:
        return PickerChoice([], []), [_unreachable()]


def _shown_settings(account: Account) -> dict[str, Any]:
    from widget_server.dashboard.preview import current_draft

    saved = _service().settings(account)
    draft = current_draft(account)
    return {**saved, **draft.settings} if draft else saved


def plan_picker(account: Account) -> PickerView:
    """The picker for the page (template helper): saved, draft or just-submitted values."""
    try:
        catalog = billing_for(_service().stripe_key(account)).catalog_prices()
    except BillingError:
        return PickerView([], [], error=_unreachable())
    settings = _shown_settings(account)
    submitted: MultiDict[str, str] | None = g.get("plans_submitted")
    if submitted is not None:
        known = {p.id for p in catalog}
        settings = {"catalog_prices": [p for p in submitted.getlist("plan_price") if p in known],
                    "catalog_addons": submitted.getlist("addon_product")}
    view = catalog_picker.picker_view(catalog, settings)
    if submitted is not None:
        offered = set(submitted.getlist("plan_interval"))
        view.intervals = [(interval, interval in offered) for interval, _on in view.intervals]
    view.error = "; ".join(g.get("plans_errors") or []) or None
    return view


def appearance_editor(account: Account) -> dict[str, Any]:
    """What the Appearance section shows (template helper)."""
    settings = _shown_settings(account)
    submitted: MultiDict[str, str] | None = g.get("appearance_submitted")
    source: Any = submitted if submitted is not None else settings
    locale = (submitted.get("cs_locale") if submitted is not None
              else request.args.get("strings_locale")) or str(settings["locale"])
    if locale not in SUPPORTED_LOCALE_CODES:
        locale = "en"
    table = (settings.get("custom_strings") or {}).get(locale, {})
    return {
        "accent_color": source.get("accent_color", "") or "",
        "logo_url": source.get("logo_url", "") or "",
        "font_family": source.get("font_family", "") or "",
        "fonts": appearance.font_choices(str(settings.get("font_family") or "")),
        "locale": locale,
        "locales": locale_names(),
        "rows": appearance.string_rows(locale, table, submitted),
        "categories": appearance.plural_categories(locale),
        "message_ids": appearance.portal_message_ids(),
        "errors": g.get("appearance_errors") or {},
    }


@bp.route("/accounts/<public_id>/plans", methods=["POST"])
@login_required
def save_plans(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    choice, errors = parse_plans(account, request.form)
    if errors:
        _refused(account, "dashboard.plans.update", {"errors": len(errors)})
        g.plans_submitted, g.plans_errors = request.form, errors
        return _page(account, 400)
    _service().update_settings(account, choice.settings())
    _audit(account, "dashboard.plans.update", "ok", choice.settings())
    get_session().commit()
    flash(_("Plans saved."))
    return redirect(url_for("dashboard.account_page", public_id=public_id) + "#plans")


@bp.route("/accounts/<public_id>/appearance", methods=["POST"])
@login_required
def save_appearance(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    changes, errors = appearance.parse_appearance(request.form, _service().settings(account))
    if errors:
        _refused(account, "dashboard.appearance.update", {"fields": sorted(errors)})
        g.appearance_submitted, g.appearance_errors = request.form, errors
        return _page(account, 400)
    _service().update_settings(account, changes)
    _audit(account, "dashboard.appearance.update", "ok", {"settings": sorted(changes)})
    get_session().commit()
    flash(_("Appearance saved."))
    locale = request.form.get("cs_locale", "")
    return redirect(url_for("dashboard.account_page", public_id=public_id,
                            strings_locale=locale) + "#appearance")
