"""What every portal action shares: body parsing, feature checks, ownership, audit rows.

Each action runs the same steps (DESIGN §5): authenticate the token, check the account's
setting (403 ``feature_disabled``), parse the JSON body against its model (``contract``; a
400 naming the ``param``), re-read the object from Stripe and check it belongs to a customer
of the token (404 ``not_found`` otherwise, before any write), check the shared rules of
``portal.rules``, then write through ``billing.writes``. Every attempt leaves an audit row,
refused ones too. The routes live in ``actions_subscription`` and ``actions_customer``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import request

from widget_server import audit
from widget_server.billing.domain import Invoice, Price, Subscription
from widget_server.billing.errors import BillingError, BillingUnavailable
from widget_server.billing.idempotency import intent_key, is_valid_nonce
from widget_server.billing.service import BillingService
from widget_server.billing_web import billing_for
from widget_server.billing_web.errors import BillingApiError, api_error
from widget_server.billing_web.snapshots import forget_customer_views
from widget_server.contract.validation import parse_body
from widget_server.errors import ApiError, BadRequest, Forbidden, NotFound
from widget_server.i18n import _, current_locale, format_date, format_money
from widget_server.portal import currency, rules, serialize
from widget_server.portal.auth import PortalContext, portal_context
from widget_server.portal.serialize import stripe_publishable_key

__all__ = ["parse_body"]  # the actions modules take it from here

T = TypeVar("T")
_OBJECT_ID = re.compile(r"\A[A-Za-z0-9_]{3,255}\Z")


# --- request bodies: see contract.validation (parse_body) and contract.requests -------

def object_id(value: str, prefix: str, what: str) -> str:
    """A Stripe id from a URL or body; anything malformed is simply not found."""
    if not value.startswith(prefix) or not _OBJECT_ID.match(value):
        raise not_found(what)
    return value


def intent_nonce() -> str:
    """The page's intent nonce from the ``Idempotency-Key`` header (required)."""
    nonce = request.headers.get("Idempotency-Key")
    if not is_valid_nonce(nonce):
        raise BadRequest(
            _("This request needs an Idempotency-Key header. Reload the page and try again."),
            code="idempotency_key_required", param="Idempotency-Key")
    return str(nonce)


def optional_nonce() -> str | None:
    nonce = request.headers.get("Idempotency-Key")
    if nonce is None:
        return None
    return intent_nonce()


def stripe_idempotency_key(ctx: PortalContext, customer_id: str, action: str, target: str,
                           nonce: str) -> str:
    return intent_key(ctx.account.public_id, customer_id, action, target, nonce)


# --- checks ------------------------------------------------------------------------------

def require_feature(ctx: PortalContext, name: str, *, param: str | None = None) -> None:
    """A disabled action is refused on the server, whatever the page shows (DESIGN §4)."""
    if ctx.settings.get(name) is not True:
        raise Forbidden(_("This action is not available in this billing portal."),
                        code="feature_disabled", param=param)


def not_found(what: str) -> NotFound:
    messages = {
        "subscription": _("This subscription could not be found."),
        "item": _("This subscription item could not be found."),
        "invoice": _("This invoice could not be found."),
        "payment_method": _("This payment method could not be found."),
        "tax_id": _("This tax ID could not be found."),
        "customer": _("We could not find your billing account."),
    }
    return NotFound(messages.get(what, _("This item could not be found.")), code="not_found")


def writer(ctx: PortalContext) -> BillingService:
    return billing_for(ctx.stripe_key)


def owned_subscription(ctx: PortalContext, stripe: BillingService, sub_id: str) -> Subscription:
    """Re-read the subscription; another customer's (or a missing one) is a plain 404."""
    found = stripe.subscription(object_id(sub_id, "sub_", "subscription"))
    if found is None or not ctx.owns_customer(found.customer_id):
        raise not_found("subscription")
    return currency.shown(found, stripe.catalog_prices())


def owned_invoice(ctx: PortalContext, stripe: BillingService, invoice_id: str) -> Invoice:
    found = stripe.invoice(object_id(invoice_id, "in_", "invoice"))
    if found is None or not ctx.owns_customer(found.customer_id):
        raise not_found("invoice")
    return found


def chosen_customer(ctx: PortalContext, requested: str | None) -> str:
    """The customer an action is for: the requested one if the token has it, else the first."""
    if requested is None:
        return ctx.customer_ids[0]
    if not ctx.owns_customer(requested):
        raise not_found("customer")
    return requested


def require_action(ctx: PortalContext, sub: Subscription, action: str,
                   others: Sequence[Subscription] = ()) -> None:
    """The same rules the read path used to show the button (portal.rules), enforced again:
    403 ``action_not_allowed`` when the subscription's state does not allow the action, 409
    ``duplicate_subscription`` for a resubscribe next to a live subscription (`others`)."""
    catalog = currency.catalog_for(ctx.settings, catalog_prices(ctx), [sub]) \
        if action == "change_plan" else None
    rules.require_action(ctx.settings, sub, action, others=others, catalog=catalog)


def customer_subscriptions(ctx: PortalContext, stripe: BillingService,
                           customer_id: str) -> list[Subscription]:
    """Every subscription of the customer, re-read now (the duplicate check needs them)."""
    if not ctx.owns_customer(customer_id):
        raise not_found("customer")
    return stripe.subscriptions_of(customer_id)


# --- lost responses ----------------------------------------------------------------------

class OutcomeUnknown(BillingApiError):
    """A write's answer was lost and the object could not be read again to find out."""

    status, code = 502, "outcome_unknown"


def confirmed_write(write: Callable[[], T], reread: Callable[[], T | None],
                    applied: Callable[[T], bool]) -> T:
    """Run a subscription write; when its answer is lost (timeout, dropped connection, Stripe
    5xx) re-read the subscription before telling the user anything (DESIGN §6.1).

    Changed as asked: the write happened, so it is reported as done. Unchanged: the original
    "try again" error, which is then true. Unreadable: a distinct error asking to reload first,
    never a claim that nothing happened.
    """
    try:
        return write()
    except BillingUnavailable as lost:
        try:
            current = reread()
        except BillingError:
            raise OutcomeUnknown(
                _("We couldn't confirm whether your change was saved. Reload the page to see "
                  "your subscription before trying again.")) from lost
        if current is not None and applied(current):
            return current
        raise


# --- audit -------------------------------------------------------------------------------

def audit_items(sub: Subscription) -> list[dict[str, Any]]:
    """A subscription's prices and quantities for its audit row (the analytics price them)."""
    return [{"price": item.price.id, "quantity": item.quantity} for item in sub.items]


@contextmanager
def _forgetting_views(ctx: PortalContext) -> Iterator[None]:
    """Whatever the action's outcome (a failed write may still have happened), the token's
    customers' view snapshots are forgotten before the answer leaves."""
    try:
        yield
    finally:
        forget_customer_views(ctx.account, ctx.customer_ids)


@contextmanager
def audited(ctx: PortalContext, action: str, target: str,
            **detail: Any) -> Iterator[dict[str, Any]]:
    """Record the attempt when the block ends: ``ok``, ``refused`` (our checks said no) or
    ``error`` (Stripe failed or declined). The yielded dict adds detail; never put secrets in it.
    """
    info: dict[str, Any] = dict(detail)
    actor = ",".join(ctx.customer_ids)
    try:
        with _forgetting_views(ctx):
            yield info
    except (ApiError, BillingError) as exc:
        shown = api_error(exc) if isinstance(exc, BillingError) else exc
        result = "error" if isinstance(shown, BillingApiError) else "refused"
        info.update(code=shown.code, status=shown.status)
        if shown.param:
            info["param"] = shown.param
        audit.record(ctx.account.id, "customer", actor, action, target, result, info)
        raise
    except Exception:
        info.update(code="internal_error", status=500)
        audit.record(ctx.account.id, "customer", actor, action, target, "error", info)
        raise
    audit.record(ctx.account.id, "customer", actor, action, target, "ok", info)


# --- responses ---------------------------------------------------------------------------

def catalog_prices(ctx: PortalContext) -> list[Price]:
    """The prices users may switch to (the cached catalog filtered by the account's list)."""
    prices = writer(ctx).catalog_prices()
    return serialize.catalog_for_settings(prices, ctx.settings)


def subscription_json(ctx: PortalContext, sub: Subscription,
                      others: Sequence[Subscription] | None = None) -> dict[str, Any]:
    """The same JSON shape as one of ``GET /v1/portal``'s ``subscriptions[]``.

    An ended subscription needs the customer's others to know whether it may be restarted,
    and the plan options leave out products held on another live subscription; they are read
    here when the caller has not.
    """
    if others is None:
        needed = sub.status in rules.ENDED_STATUSES or ctx.settings.get("change_plan") is True
        others = writer(ctx).subscriptions_of(sub.customer_id) if needed else ()
    prices = writer(ctx).catalog_prices()
    sub = currency.shown(sub, prices)  # every price's amounts; the owner's list is for options
    catalog = serialize.catalog_for_settings(prices, ctx.settings)
    return serialize.subscription_json(sub, ctx.settings, locale=current_locale(), others=others,
                                       catalog=currency.catalog_for(ctx.settings, catalog, [sub]))


def subscription_response(ctx: PortalContext, sub: Subscription, message: str,
                          others: Sequence[Subscription] | None = None,
                          **extra: Any) -> dict[str, Any]:
    return {"subscription": subscription_json(ctx, sub, others), "message": message, **extra}


def money(amount: int, currency: str) -> str:
    return format_money(amount, currency, current_locale())


def date(timestamp: int | None) -> str | None:
    return format_date(timestamp, current_locale()) if timestamp else None


def publishable_key(ctx: PortalContext) -> str | None:
    return stripe_publishable_key(ctx.settings)


def context() -> PortalContext:
    return portal_context()
