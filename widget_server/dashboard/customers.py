"""Customers of an account: search, a customer's subscriptions and portal activity, and the
owner's actions on a subscription (cancel at period end, cancel now, resume).

Every action has its own confirm page: the page holds the CSRF token and a one-time intent
nonce, and only a POST of that form (``confirm=yes``) acts. The Stripe write carries an
idempotency key made from the nonce, so a double submit makes one change; a subscription
already in the asked-for state is not written again. Every attempt is audited with the
owner's id. Another owner's account, an unknown customer, or a subscription that is not this
customer's is a 404.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select

from widget_server import audit
from widget_server.accounts import AccountService, secret_box
from widget_server.billing.domain import Customer, Subscription
from widget_server.billing.errors import BillingError
from widget_server.billing.idempotency import intent_key, is_valid_nonce
from widget_server.billing.owner import MAX_QUERY_LENGTH, OwnerBilling, is_customer_id
from widget_server.billing_web import billing_factory, registry
from widget_server.billing_web.errors import api_error
from widget_server.billing_web.snapshots import forget_customer_views
from widget_server.dashboard import bp
from widget_server.dashboard.auth import login_required
from widget_server.dashboard.views import _owned_account, _owner
from widget_server.db import get_session
from widget_server.i18n import N_, _, format_date, format_money
from widget_server.models import Account, AuditEvent
from widget_server.portal.rules import ENDED_STATUSES, STATE_KINDS, scheduled_to_cancel, state_kind
from widget_server.portal.serialize import interval_display

ACTIVITY_ROWS = 50
CANCELABLE_STATUSES = frozenset({"active", "trialing", "past_due", "unpaid", "paused"})


@dataclass(frozen=True)
class OwnerAction:
    name: str
    title: str  # N_ marked: translated when shown
    explanation: str
    button: str
    done: str
    allowed: Callable[[Subscription], bool]
    already: Callable[[Subscription], bool]


def _ended(sub: Subscription) -> bool:
    return sub.status in ENDED_STATUSES


ACTIONS: dict[str, OwnerAction] = {
    "cancel_at_period_end": OwnerAction(
        "cancel_at_period_end", N_("Cancel at period end"),
        N_("The customer keeps access until the end of the period they paid for; nothing more "
           "is billed. You can resume the subscription until then."),
        N_("Yes, cancel at period end"), N_("The subscription will end at the end of its period."),
        allowed=lambda s: s.status in CANCELABLE_STATUSES and not scheduled_to_cancel(s),
        already=lambda s: s.cancel_at_period_end and not _ended(s)),
    "cancel_now": OwnerAction(
        "cancel_now", N_("Cancel now (revoke access)"),
        N_("The subscription ends now and the customer loses access at once. This cannot be "
           "undone: the customer would have to subscribe again."),
        N_("Yes, cancel now"), N_("The subscription was canceled; the customer's access ended."),
        allowed=lambda s: not _ended(s),
        already=_ended),
    "resume": OwnerAction(
        "resume", N_("Resume"),
        N_("The cancellation is withdrawn and the subscription renews as before."),
        N_("Yes, resume"), N_("The subscription will continue."),
        allowed=lambda s: s.cancel_at_period_end and not _ended(s),
        already=lambda s: not scheduled_to_cancel(s) and not _ended(s)),
}


def owner_billing(account: Account) -> OwnerBilling:
    key = AccountService(get_session(), secret_box()).stripe_key(account)
    return OwnerBilling(registry().client_for(key), billing_factory().catalog(key))


def _locale() -> str:
    return str(g.get("locale", "en"))


def _state(sub: Subscription) -> tuple[str, str, str]:
    kind = state_kind(sub)
    label, tone = STATE_KINDS[kind]
    return kind, _(label), tone


def _dates(sub: Subscription) -> list[tuple[str, str]]:
    """(label, date) lines of a subscription, in the owner's language."""
    locale = _locale()
    lines = [(_("Started on"), format_date(sub.created, locale))]
    if sub.status == "trialing" and sub.trial_end:
        lines.append((_("Trial ends on"), format_date(sub.trial_end, locale)))
    if _ended(sub):
        ended = sub.ended_at or sub.canceled_at
        if ended:
            lines.append((_("Ended on"), format_date(ended, locale)))
    elif scheduled_to_cancel(sub):
        end = sub.cancel_at or sub.current_period_end
        if end:
            lines.append((_("Ends on"), format_date(end, locale)))
    elif sub.current_period_end:
        lines.append((_("Renews on"), format_date(sub.current_period_end, locale)))
    return lines


def _items(sub: Subscription) -> list[dict[str, Any]]:
    locale, shown = _locale(), []
    for item in sub.items:
        price = item.price
        amount = (format_money(price.unit_amount, price.currency, locale)
                  if price.unit_amount is not None else "")
        if amount and price.interval:
            amount = f"{amount} {interval_display(price)}"
        shown.append({"name": price.nickname or price.product.name, "quantity": item.quantity,
                      "amount": amount, "price_id": price.id})
    return shown


def _view(sub: Subscription) -> dict[str, Any]:
    kind, label, tone = _state(sub)
    return {"sub": sub, "kind": kind, "label": label, "tone": tone, "dates": _dates(sub),
            "items": _items(sub),
            "actions": [a for a in ACTIONS.values() if a.allowed(sub)]}


def _activity(account: Account, customer_id: str, sub_ids: list[str]) -> list[AuditEvent]:
    """Portal and owner audit rows about this customer: it is the actor (alone or among the
    token's customers), or one of its subscriptions is the target."""
    actor = AuditEvent.actor
    about_customer = or_(
        actor == customer_id,
        actor.startswith(customer_id + ",", autoescape=True),
        actor.endswith("," + customer_id, autoescape=True),
        actor.contains("," + customer_id + ",", autoescape=True),
        AuditEvent.target == customer_id,
        AuditEvent.target.in_(sub_ids or [""]),
    )
    return list(get_session().scalars(
        select(AuditEvent)
        .where(AuditEvent.account_id == account.id, about_customer)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(ACTIVITY_ROWS)))


def _billing_error_page(account: Account, error: BillingError, **context: Any,
                        ) -> ResponseReturnValue:
    shown = api_error(error)
    return render_template("dashboard/customers.html", account=account,
                           error=shown.message, **context), shown.status


@bp.route("/accounts/<public_id>/customers")
@login_required
def customers(public_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    if not query:
        return render_template("dashboard/customers.html", account=account, query="",
                               results=None)
    try:
        found = owner_billing(account).search_customers(query)
    except BillingError as exc:
        return _billing_error_page(account, exc, query=query, results=None)
    return render_template("dashboard/customers.html", account=account, query=query,
                           results=list(found))


def _customer_or_404(billing: OwnerBilling, customer_id: str) -> Customer:
    if not is_customer_id(customer_id):
        abort(404)
    customer = billing.customer(customer_id)
    if customer is None:
        abort(404)
    return customer


@bp.route("/accounts/<public_id>/customers/<customer_id>")
@login_required
def customer_page(public_id: str, customer_id: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    billing = owner_billing(account)
    try:
        customer = _customer_or_404(billing, customer_id)
        subscriptions = billing.subscriptions_of(customer_id)
    except BillingError as exc:
        return _billing_error_page(account, exc, query=customer_id, results=None)
    events = _activity(account, customer_id, [s.id for s in subscriptions])
    return render_template("dashboard/customer.html", account=account, customer=customer,
                           subscriptions=[_view(s) for s in subscriptions], events=events)


def not_allowed_message() -> str:
    return _("This action is not possible in the subscription's current state. Nothing was "
             "changed.")


def _confirm_page(account: Account, customer: Customer, sub: Subscription,
                  action: OwnerAction, status: int = 200, error: str | None = None,
                  *, blocked: bool = False) -> ResponseReturnValue:
    return render_template(
        "dashboard/customer_confirm.html", account=account, customer=customer,
        view=_view(sub), action=action, intent=secrets.token_urlsafe(18), error=error,
        blocked=blocked,
    ), status


def _audit(account: Account, action: OwnerAction, sub: Subscription, result: str,
           **detail: Any) -> None:
    owner = _owner()
    audit.record(account.id, "owner", owner.email, f"dashboard.subscription.{action.name}",
                 sub.id, result, {"owner_id": owner.id, "customer": sub.customer_id,
                                  "items": [{"price": i.price.id, "quantity": i.quantity}
                                            for i in sub.items], **detail})


def _write(account: Account, billing: OwnerBilling, action: OwnerAction, sub: Subscription,
           key: str, done: dict[str, Any]) -> None:
    """The action's Stripe writes. Stripe refuses a cancellation of a subscription that a
    schedule manages, so a pending plan change is released first; ``done`` then says so, also
    when the cancel that follows fails. Whatever the outcome (a failed write may still have
    happened in Stripe), the customer's portal view snapshots are forgotten; the request's
    session holds no uncommitted write here (audit rows commit in their own session)."""
    try:
        if action.name != "resume" and sub.schedule_id:  # a pending plan change no longer matters
            billing.release_schedule(sub.schedule_id)
            done["released_schedule"] = sub.schedule_id
        if action.name == "cancel_at_period_end":
            billing.owner_cancel_at_period_end(sub.id, idempotency_key=key)
        elif action.name == "cancel_now":
            billing.owner_cancel_now(sub.id)
        else:
            billing.owner_resume(sub.id, idempotency_key=key)
    finally:
        forget_customer_views(account, [sub.customer_id])


@bp.route("/accounts/<public_id>/customers/<customer_id>/subscriptions/<sub_id>/<name>",
          methods=["GET", "POST"])
@login_required
def subscription_action(public_id: str, customer_id: str, sub_id: str,
                        name: str) -> ResponseReturnValue:
    account = _owned_account(public_id)
    action = ACTIONS.get(name)
    if action is None or not sub_id.startswith("sub_"):
        abort(404)
    billing = owner_billing(account)
    back = url_for("dashboard.customer_page", public_id=public_id, customer_id=customer_id)
    try:
        customer = _customer_or_404(billing, customer_id)
        sub = billing.subscription(sub_id)
    except BillingError as exc:
        return _billing_error_page(account, exc, query=customer_id, results=None)
    if sub is None or sub.customer_id != customer_id:
        abort(404)
    if request.method == "GET":
        if not action.allowed(sub) and not action.already(sub):
            return _confirm_page(account, customer, sub, action, 409, not_allowed_message(),
                                 blocked=True)
        return _confirm_page(account, customer, sub, action)
    nonce = request.form.get("intent")
    if request.form.get("confirm") != "yes" or not is_valid_nonce(nonce):
        return _confirm_page(account, customer, sub, action, 400, _(
            "Nothing was changed: confirm the action with the button on this page."))
    if action.already(sub):
        _audit(account, action, sub, "ok", unchanged=True)
        flash(_("Nothing to change: the subscription is already in that state."))
        return redirect(back)
    if not action.allowed(sub):
        _audit(account, action, sub, "refused", code="action_not_allowed")
        return _confirm_page(account, customer, sub, action, 409, not_allowed_message(),
                             blocked=True)
    key = intent_key(account.public_id, customer_id, f"owner.{action.name}", sub.id, str(nonce))
    done: dict[str, Any] = {}
    try:
        _write(account, billing, action, sub, key, done)
    except BillingError as exc:
        shown = api_error(exc)
        _audit(account, action, sub, "error", code=shown.code, status=shown.status, **done)
        message = shown.message
        if done:
            message = " ".join((message, _("The pending plan change was removed before the "
                                           "cancellation failed.")))
        return _confirm_page(account, customer, sub, action, shown.status, message)
    _audit(account, action, sub, "ok", **done)
    flash(_(action.done))
    return redirect(back)
