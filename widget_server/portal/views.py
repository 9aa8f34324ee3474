"""The portal's read endpoints: the view, invoices and canceled subscriptions a page at a
time, and the UI strings (public, cached)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Response, current_app, g, jsonify, url_for

from widget_server.accounts import AccountService, secret_box
from widget_server.billing.domain import Invoice, PortalSnapshot
from widget_server.billing.paging import InvalidCursor, decode_cursor, first_positions
from widget_server.billing.service import BillingService
from widget_server.billing_web import billing_for
from widget_server.billing_web.snapshots import cached_view
from widget_server.contract import requests as rq
from widget_server.contract.validation import validated_query
from widget_server.db import get_session
from widget_server.errors import Conflict, NotFound
from widget_server.i18n import _, current_locale, negotiate_locale, text_direction
from widget_server.portal import bp, currency
from widget_server.portal.auth import PortalContext, early_portal_context, portal_context
from widget_server.portal.billing_json import invoice_json
from widget_server.portal.embed_headers import account_origins
from widget_server.portal.entitlements_payload import entitlements_payload
from widget_server.portal.json_body import json_response
from widget_server.portal.preview_guard import PREVIEW_MODE
from widget_server.portal.serialize import (
    catalog_for_settings,
    portal_payload,
    strings_for,
    strings_version,
    subscription_json,
)

STRINGS_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class InvoicesRead:
    """What the invoices view read from Stripe (kept in the view snapshot)."""

    invoices: tuple[Invoice, ...]
    pending: dict[str, int]  # open invoices of a change waiting for payment: void time
    next: str | None = None  # the cursor of the page after this one


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _strings_url(context: PortalContext, locale: str) -> str:
    version = strings_version(locale, context.settings["custom_strings"].get(locale))
    return url_for("portal.strings_view", account=context.account.public_id, locale=locale,
                   v=version)


@bp.get("/v1/portal")
def portal_view() -> Response:
    """Customer, live subscriptions and the newest canceled ones (with allowed actions),
    payment method, catalog, and where the UI strings are."""
    context, snapshot = _read_view()
    locale = current_locale()
    payload = portal_payload(
        context.account,
        context.settings,
        snapshot,
        locale=locale,
        js_url=current_app.config["STRIPE_JS_URL"],
        strings_url=_strings_url(context, locale),
    )
    if context.settings["show_entitlements"]:  # from the catalog cache: no call when warm
        payload["entitlements"] = entitlements_payload(
            snapshot, context.settings, billing_for(context.stripe_key).product_features)
    if context.token.mode == PREVIEW_MODE:  # the draft's custom strings, not the saved ones
        payload["strings"] = strings_for(locale, context.settings["custom_strings"].get(locale)
                                         or {})
    return _private(json_response(payload))


def _read_view() -> tuple[PortalContext, PortalSnapshot]:
    """The request's context and what its view shows.

    With this process's copy of the account, the Stripe reads are sent before the copy is
    confirmed: its token is read while Stripe answers (one round trip less before the reads).
    When the account changed meanwhile, it is looked up again (a revoked token or a deleted
    account is refused as always); what Stripe answered is kept unless the Stripe key changed
    (it depends on nothing else of the account), a kept snapshot never (whether the account
    may use snapshots may have changed)."""
    early, confirm = early_portal_context()
    if confirm is None:
        return early, _snapshot(early)
    confirmed: list[bool] = []

    def check() -> None:
        confirmed.append(confirm())

    snapshot: PortalSnapshot | None = None
    failure: Exception | None = None
    try:
        snapshot = _snapshot(early, check)
    except Exception as exc:  # decided below, once the account is known to be current
        failure = exc
    read_now = bool(confirmed)  # else a snapshot kept from an earlier view (no Stripe call)
    context = early if (confirmed[0] if read_now else confirm()) else portal_context()
    if context is not early and (not read_now or context.stripe_key != early.stripe_key):
        return context, _snapshot(context)
    if failure is not None:
        raise failure
    assert snapshot is not None
    return context, snapshot


def _snapshot(context: PortalContext,
              meanwhile: Callable[[], object] | None = None) -> PortalSnapshot:
    return cached_view(context.account, context.customer_ids, "portal", PortalSnapshot,
                       lambda: billing_for(context.stripe_key).snapshot(
                           context.customer_ids, meanwhile=meanwhile))


def _positions(context: PortalContext, cursor: str | None) -> dict[str, str]:
    if cursor is None:
        return first_positions(context.customer_ids)
    try:
        return decode_cursor(cursor, context.customer_ids)
    except InvalidCursor:  # not ours, or another token's: as for a list that moved on
        raise Conflict(_("This list has changed. Reload the page to see it again."),
                       code="invalid_cursor", param="starting_after") from None


@bp.get("/v1/portal/invoices")
def invoices_view() -> Response:
    """Newest first, a page at a time; subscription invoices only unless the account shows
    all invoices."""
    context = portal_context()
    query = validated_query(rq.InvoicesQuery)
    billing = billing_for(context.stripe_key)
    subscriptions_only = not context.settings["show_all_invoices"]
    positions = _positions(context, query.starting_after)

    def read() -> InvoicesRead:
        found, cursor = billing.invoice_page(positions, subscriptions_only=subscriptions_only)
        return InvoicesRead(tuple(found), pending_change_invoices(billing, found), cursor)

    if query.starting_after is None:  # the first page is what every view shows: snapshotted
        page = cached_view(context.account, context.customer_ids,
                           f"invoices-page:{int(subscriptions_only)}", InvoicesRead, read)
    else:
        page = read()
    invoices, pending = page.invoices, page.pending
    locale = current_locale()
    # product names come from the cached catalog (no Stripe call when it is warm)
    products = billing.products({p for i in invoices for p in i.product_ids})
    return _private(json_response({
        "invoices": [invoice_json(i, locale, products, pending.get(i.id)) for i in invoices],
        "has_more": page.next is not None, "next": page.next}))


@bp.get("/v1/portal/subscriptions/canceled")
def canceled_subscriptions_view() -> Response:
    """The next page of canceled subscriptions (the view shows the newest few)."""
    context = portal_context()
    query = validated_query(rq.CanceledSubscriptionsQuery)
    billing = billing_for(context.stripe_key)
    canceled, live, cursor = billing.canceled_page(_positions(context, query.starting_after))
    prices = billing.catalog_prices()
    allowed = catalog_for_settings(prices, context.settings)
    others = currency.shown_all([*live, *canceled], prices)  # in their currencies, as the view
    locale = current_locale()
    offered = currency.catalogs_by_currency(context.settings, allowed)
    return _private(json_response({
        "subscriptions": [subscription_json(
            s, context.settings, locale=locale, others=others, catalog=offered(s))
            for s in others[len(live):]],
        "next": cursor}))


@bp.get("/v1/portal/strings")
def strings_view() -> Response:
    """An account's UI strings in one locale. Public (they are shown to every visitor of the
    portal) and, at the version ``GET /v1/portal`` names, cached for a year."""
    query = validated_query(rq.StringsQuery)
    account = AccountService(get_session(), secret_box()).get(query.account)
    if account is None:
        raise NotFound(_("This portal is not available."), code="account_not_found")
    settings = AccountService(get_session(), secret_box()).settings(account)
    locale = negotiate_locale(explicit=query.locale, account_default=settings["locale"],
                              auto_detect=False)
    overrides = settings["custom_strings"].get(locale) or {}
    g.cors_origins = account_origins(account)
    response = jsonify({"locale": locale, "direction": text_direction(locale),
                        "strings": strings_for(locale, overrides)})
    if query.v is not None and query.v == strings_version(locale, overrides):
        response.headers["Cache-Control"] = f"public, max-age={STRINGS_MAX_AGE}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def pending_change_invoices(billing: BillingService,
                            invoices: Sequence[Invoice]) -> dict[str, int]:
    """Open invoices of a change waiting for its payment (``pending_if_incomplete``), with
    the time Stripe voids them: paying one applies the change, else it is voided then."""
    found: dict[str, int] = {}
    for invoice in invoices:
        if (invoice.status != "open" or invoice.billing_reason != "subscription_update"
                or invoice.subscription_id is None):
            continue
        sub = billing.subscription(invoice.subscription_id)  # the invoice is the customer's
        if sub is None or sub.latest_invoice_id != invoice.id:
            continue
        if sub.pending_update_expires_at:
            found[invoice.id] = sub.pending_update_expires_at
    return found
