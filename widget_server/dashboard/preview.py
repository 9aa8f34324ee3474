"""The live preview: the portal as one customer sees it, with the settings being edited.

``POST /dashboard/accounts/<id>/preview`` stores a draft of the edited settings (the settings,
plans and appearance forms, whichever were posted, over the previous draft or the saved
settings; checked like a save, nothing saved) and answers the preview frame's URL: JSON for
``dashboard.js`` (debounced as the owner types), a redirect to the account page without it.
``GET …/preview/frame?draft=…`` renders the portal for the draft's customer and locale with a
short-lived preview token (``preview_token.py``): framed only by the dashboard itself, and
read-only on the server (``portal/preview_guard.py``). Starting a preview (a new customer or
locale) is audited.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from widget_server import audit, features
from widget_server.billing.errors import BillingError
from widget_server.billing.samples import sample_customers
from widget_server.billing_web import billing_for, registry
from widget_server.dashboard import bp, catalog_picker, editors
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.settings_form import SettingsForm
from widget_server.dashboard.views import _owned_account, _owner, _page, _service
from widget_server.db import get_session
from widget_server.features import SUPPORTED_LOCALE_CODES
from widget_server.i18n import _, negotiate_locale
from widget_server.identity import identifier_fits_field
from widget_server.models import Account, PreviewDraft
from widget_server.portal.pages import render_error_page
from widget_server.preview_drafts import find_draft, save_draft
from widget_server.preview_token import issue_preview_token

SETTINGS_MARKER = "settings_form"
PANEL_MARKER = "preview_panel"
MAX_CUSTOMERS = 10
FRAME_ANCESTORS = "frame-ancestors 'self'"
PREVIEW_TOKEN_TTL = 15 * 60  # at most; each change of the draft loads a new frame and token


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _customer_ids(account: Account, identifier: str) -> list[str]:
    """The customers the identifier names (an email may name several); [] when none."""
    field = "customer_id" if identifier.startswith("cus_") else "email"
    if not identifier_fits_field(field, identifier):
        return []
    found = billing_for(_service().stripe_key(account)).find_customers(**{field: identifier})
    return [customer.id for customer in found][:MAX_CUSTOMERS]


def _edited_settings(account: Account, form: MultiDict[str, str],
                     base: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The settings of the posted forms over `base`, and what is wrong with them."""
    changes: dict[str, Any] = {}
    errors: list[str] = []
    if SETTINGS_MARKER in form:
        settings_form = SettingsForm(form)
        if settings_form.validate():
            changes.update(settings_form.values())
        else:
            errors += [message for messages in settings_form.errors.values()
                       for message in messages]
            g.preview_settings_form = settings_form
    if catalog_picker.MARKER in form:
        choice, picker_errors = editors.parse_plans(account, form)
        errors += picker_errors
        changes.update(choice.settings())
    if editors.appearance.MARKER in form:
        appearance_changes, field_errors = editors.appearance.parse_appearance(form, base)
        errors += [message for messages in field_errors.values() for message in messages]
        changes.update(appearance_changes)
    if errors:
        return base, errors
    try:
        merged = features.validate_settings(changes, current=base, live_mode=account.live_mode)
    except features.FeatureError as exc:
        return base, [_("This value cannot be saved: %(reason)s", reason=str(exc))]
    return merged, []


def _preview_customer(account: Account, form: MultiDict[str, str], identifier: str,
                      ) -> tuple[str, list[str], str | None]:
    """(identifier, its customer ids, the error) of the customer to preview: the one typed
    (or the previous draft's), or with the test-customer button the account's newest one."""
    try:
        if form.get("preview_test_customer") and not account.live_mode:
            identifier = _a_test_customer(account)
            if not identifier:
                return "", [], _("This account has no test customer yet: create one in "
                                 "Stripe's test mode, or enter a customer.")
        if not identifier:
            return "", [], _("Enter a customer's email or customer id to preview their "
                             "portal.")
        customers = _customer_ids(account, identifier)
    except BillingError:
        return identifier, [], _("Stripe could not be reached to find the customer. Try "
                                 "again in a minute.")
    if not customers:
        return identifier, [], _("No customer matches %(identifier)s.", identifier=identifier)
    return identifier, customers, None


@bp.route("/accounts/<public_id>/preview", methods=["POST"])
@login_required
def preview_draft(public_id: str) -> ResponseReturnValue:
    """Store the edited settings as a draft and answer where its preview is."""
    account = _owned_account(public_id)
    owner = _owner()
    session = get_session()
    form = request.form
    previous = find_draft(session, form.get("preview_draft", ""), account_id=account.id,
                          owner_id=owner.id)
    saved = _service().settings(account)
    base = {**saved, **previous.settings} if previous else saved
    settings, errors = _edited_settings(account, form, base)
    identifier = form.get("preview_customer", "").strip()[:320] or (
        previous.customer_id if previous else "")
    locale = form.get("preview_locale") or (previous.locale if previous else None) or None
    if locale is not None and locale not in SUPPORTED_LOCALE_CODES:
        errors.append(_("Choose one of the listed languages."))
    identifier, customers, customer_error = _preview_customer(account, form, identifier)
    if customer_error:
        errors.append(customer_error)
    if errors:
        return _refuse(account, errors, form)
    draft = save_draft(session, account_id=account.id, owner_id=owner.id, settings=settings,
                       customer_id=identifier, locale=locale)
    session.commit()
    if previous is None or (previous.customer_id, previous.locale) != (identifier, locale):
        audit.record(account, "owner", owner.email, "dashboard.preview.start",
                     account.public_id, "ok", {"customers": customers, "locale": locale})
    frame_url = url_for("dashboard.preview_frame", public_id=public_id, draft=draft.draft_id)
    if _wants_json():
        return jsonify(draft=draft.draft_id, frame_url=frame_url, customer=identifier,
                       message=_("The preview shows your changes; they are not saved yet."))
    return redirect(url_for("dashboard.account_page", public_id=public_id,
                            draft=draft.draft_id) + "#preview")


def _refuse(account: Account, errors: list[str], form: MultiDict[str, str],
            ) -> ResponseReturnValue:
    if _wants_json():
        return jsonify(errors=errors), 400
    g.preview_errors = errors
    g.plans_submitted = form if catalog_picker.MARKER in form else None
    g.appearance_submitted = form if editors.appearance.MARKER in form else None
    context: dict[str, Any] = {}
    if SETTINGS_MARKER in form:  # show the settings as posted, never lose an edit
        context["settings_form"] = g.get("preview_settings_form") or SettingsForm(form)
    return _page(account, 400, **context)


def current_draft_id() -> str:
    """The draft the page shows: named in its address, or (a form sent back with an error)
    in the form's hidden ``preview_draft``, so a refused save keeps the preview's customer."""
    draft_id = request.args.get("draft", "")
    if not draft_id and request.method == "POST":
        draft_id = request.form.get("preview_draft", "")
    return draft_id[:100]


def current_draft(account: Account) -> PreviewDraft | None:
    """The page's draft (``current_draft_id``), when it is this owner's for this account."""
    draft_id = current_draft_id()
    if not draft_id:
        return None
    return find_draft(get_session(), draft_id, account_id=account.id, owner_id=_owner().id)


def _frame_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = FRAME_ANCESTORS
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/accounts/<public_id>/preview/frame")
@login_required
def preview_frame(public_id: str) -> ResponseReturnValue:
    """The portal page of a draft's preview (framed by the dashboard's own page only)."""
    account = _owned_account(public_id)
    draft = current_draft(account)
    customers: list[str] = []
    if draft is not None:
        try:
            customers = _customer_ids(account, draft.customer_id)
        except BillingError:
            customers = []
    if draft is None or not customers:
        return _frame_headers(render_error_page(
            410, _("This preview has expired"),
            _("Change a setting or choose the customer again to start a new preview.")))
    settings = {**_service().settings(account), **draft.settings}
    locale = negotiate_locale(explicit=draft.locale, accept_language=request.accept_languages,
                              account_default=settings["locale"],
                              auto_detect=settings["auto_detect_locale"])
    g.locale = locale
    g.custom_strings = (settings.get("custom_strings") or {}).get(locale, {})
    token, expires_at = issue_preview_token(
        current_app.config["SECRET_KEY"], account_id=account.public_id, owner_id=_owner().id,
        draft_id=draft.draft_id, customer_ids=customers, locale=locale,
        session_epoch=_owner().session_epoch,
        ttl_seconds=min(int(current_app.config["PORTAL_TOKEN_TTL"]), PREVIEW_TOKEN_TTL))
    html = render_template(
        "dashboard/preview_frame.html", token=token, locale=locale, account=account,
        logo_url=settings.get("logo_url") or "", customer=draft.customer_id,
        api_base=request.host_url.rstrip("/"), expires_at=expires_at)
    return _frame_headers(Response(html, mimetype="text/html"))


def _a_test_customer(account: Account) -> str:
    """The account's newest test customer (its email, else its id); "" when there is none.

    Asked only when the owner presses the button: the page itself makes no Stripe call."""
    found = sample_customers(registry().client_for(_service().stripe_key(account)), limit=1)
    return (found[0].email or found[0].id) if found else ""


def preview_panel(account: Account) -> dict[str, Any]:
    """What the preview panel shows (template helper)."""
    draft = current_draft(account)
    return {
        "test_mode": not account.live_mode,
        "draft": draft.draft_id if draft else "",
        "customer": request.form.get("preview_customer", draft.customer_id if draft else ""),
        "locale": draft.locale if draft and draft.locale else "",
        "frame_url": url_for("dashboard.preview_frame", public_id=account.public_id,
                             draft=draft.draft_id) if draft else "",
        "errors": g.get("preview_errors") or [],
        "locales": editors.locale_names(),
    }


@bp.context_processor
def _preview_helpers() -> dict[str, Any]:
    return {"preview_panel": preview_panel, "current_draft_id": current_draft_id,
            "plan_picker": editors.plan_picker,
            "appearance_editor": editors.appearance_editor, "interval_label":
            catalog_picker.interval_label, "price_label": catalog_picker.price_label}
