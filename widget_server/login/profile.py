"""The instance's profile page (``/profile``, config ``PROFILE_PAGE``).

A customer signs in with an emailed code (the same flow as an account's login page, under
the scope ``profile``) and sees their subscriptions in every account that turned
``shared_profile`` on, grouped by account; "Manage" opens that account's own hosted portal
for the customers of that account only. An account that did not opt in is never queried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy import select

from widget_server import audit
from widget_server.accounts import AccountService, secret_box
from widget_server.api.hosted import join_customer_ids
from widget_server.billing.domain import LIVE_STATUSES, PortalSnapshot, Subscription
from widget_server.billing.errors import BillingError
from widget_server.billing.service import BillingService
from widget_server.crypto import SecretBoxError
from widget_server.db import get_session
from widget_server.features import defaults as default_settings
from widget_server.i18n import _, format_date
from widget_server.limits import limit
from widget_server.login import codes, flow, forms, steps
from widget_server.login.availability import profile_enabled
from widget_server.login.blueprint import bp
from widget_server.login.mail import Branding
from widget_server.login.pages import (
    hosted_redirect,
    not_available,
    page,
    unavailable,
    use_locale,
)
from widget_server.login.profile_lookup import ask_each
from widget_server.login.sign_out import bound_to_this_browser, session_binding, signed_out_notice
from widget_server.models import Account

log = logging.getLogger(__name__)
PATH = "/profile"
SIGNED_IN_AGE = 1800  # seconds a signed-in profile page can open portals
# One opted-in account's failure (a revoked key, a Stripe outage, a key the server can no
# longer decrypt) must not break the page for the others: it is logged and skipped.
_UNREACHABLE = (BillingError, SecretBoxError)


def opted_in_accounts() -> list[tuple[Account, dict[str, Any]]]:
    """Every account with ``shared_profile`` on and a Stripe key, by name."""
    service = AccountService(get_session(), secret_box())
    found = []
    query = (select(Account).where(Account.stripe_key_encrypted.is_not(None))
             .order_by(Account.name, Account.id))
    for account in get_session().scalars(query):
        settings = service.settings(account)
        if settings.get("shared_profile") is True and account.stripe_key_encrypted:
            found.append((account, settings))
    return found


def _customers_in(account: Account, email: str) -> list[str]:
    from widget_server.billing_web import billing_for

    key = AccountService(get_session(), secret_box()).stripe_key(account)
    return [c.id for c in billing_for(key).find_customers(email=email)]


def _unreachable(account: Account, error: Exception) -> None:
    log.warning("profile: the account %s could not be reached (%s); skipped",
                account.public_id, type(error).__name__)


def _lookup(email: str) -> flow.Lookup:
    def find() -> tuple[str, int | None]:
        asked = ask_each(opted_in_accounts(), lambda billing: billing.find_customers(email=email))
        found = False
        for account, _settings, result in asked:
            if isinstance(result, Exception):
                _unreachable(account, result)
            elif result:
                found = True  # a customer somewhere: send the code
        return ("profile", None) if found else ("", None)

    return find


@dataclass(frozen=True)
class Line:
    """One subscription as the profile shows it."""

    title: str
    status: str
    renews: str


@dataclass(frozen=True)
class Group:
    account: Account
    brand: Branding
    lines: tuple[Line, ...]


def _status(subscription: Subscription) -> str:
    labels = {"active": _("Active"), "trialing": _("Trial"), "past_due": _("Past due"),
              "unpaid": _("Unpaid"), "paused": _("Paused"), "incomplete": _("Incomplete")}
    if subscription.cancel_at_period_end or subscription.cancel_at:
        return _("Ends at the end of the period")
    return labels.get(subscription.status, subscription.status)


def _line(subscription: Subscription, locale: str) -> Line:
    """Names, state and next date only: amounts (with discounts and taxes) are the
    account's own portal's to show, one click away."""
    names = [item.price.product.name for item in subscription.items]
    end = subscription.current_period_end
    return Line(title=", ".join(names), status=_status(subscription),
                renews=format_date(end, locale) if end else "")


def _subscriptions_of(email: str) -> Callable[[BillingService], PortalSnapshot | None]:
    def read(billing: BillingService) -> PortalSnapshot | None:
        ids = [c.id for c in billing.find_customers(email=email)]
        return billing.snapshot(ids) if ids else None

    return read


def groups_for(email: str, locale: str) -> tuple[list[Group], bool]:
    """The groups, and whether an opted-in account could not be reached (then skipped). The
    accounts are read concurrently (``profile_lookup``), shown in their order by name."""
    found: list[Group] = []
    unreachable = False
    for account, settings, result in ask_each(opted_in_accounts(), _subscriptions_of(email)):
        if isinstance(result, Exception):
            _unreachable(account, result)
            unreachable = True
            continue
        if result is None:
            continue
        lines = tuple(_line(s, locale) for s in result.subscriptions
                      if s.status in LIVE_STATUSES)
        found.append(Group(account=account, brand=Branding.of(account.name or "", settings),
                           lines=lines))
    return found, unreachable


def _refusal() -> Response | None:
    """Set the page's language (the instance's defaults: the profile has no account); the
    answer when the profile is off."""
    use_locale(default_settings())
    if not profile_enabled(current_app.config):
        return not_available()
    return None


def _view(step: str, status: int = 200, **context: Any) -> Response:
    return page("login/sign_in.html", status, cookie_path=PATH, step=step, action=PATH,
                brand=None, locale=g.locale, title=_("Your subscriptions"), **context)


def _refused(reason: str) -> None:
    audit.record(None, "customer", "profile", "login.sign_in", "profile", "refused",
                 {"reason": reason})


# the profile speaks for no account: unbranded, and its proof binds the email alone
SIGN_IN = steps.SignInPage(scope=codes.PROFILE_SCOPE, proof_name="profile", view=_view,
                           brand=Branding.of("", {}), lookup=_lookup, refused=_refused)


@bp.get(PATH)
def profile_page() -> Response:
    return _refusal() or _view("email", email="", notice=signed_out_notice())


@bp.post(PATH)
@limit("RATELIMIT_LOGIN_CODE_IP")
def profile_send_code() -> Response:
    return _refusal() or steps.send_code(SIGN_IN)


@bp.post(f"{PATH}/code")
@limit("RATELIMIT_LOGIN_CODE_IP")
def profile_check_code() -> Response:
    refused = _refusal()
    if refused is not None:
        return refused
    locale = str(g.locale)
    signed_in = steps.check_code(SIGN_IN)
    if isinstance(signed_in, Response):
        return signed_in
    email = signed_in.email
    groups, unreachable = groups_for(email, locale)
    for group in groups:
        audit.record(group.account, "customer", "profile", "login.sign_in", "profile", "ok",
                     {"page": "profile"})
    return page("login/profile.html", cookie_path=PATH, groups=groups, locale=locale,
                signed_in=forms.sign("profile-in", {"e": email, "c": session_binding()}),
                email=email,
                unreachable=unreachable)


@bp.post(f"{PATH}/manage")
@limit("RATELIMIT_LOGIN_CODE_IP")
def profile_manage() -> Response:
    """Open one opted-in account's hosted portal for this email's customers there."""
    refused = _refusal()
    if refused is not None:
        return refused
    locale = str(g.locale)
    proof = forms.unsign("profile-in", request.form.get("signed_in", ""), SIGNED_IN_AGE)
    if (proof is None or not isinstance(proof.get("e"), str) or not forms.csrf_ok()
            or not bound_to_this_browser(proof)):  # signed out since: the cookie is gone
        return _view("email", 400, email="", error=_(
            "This sign-in took too long. Enter your email again to get a new code."))
    email = str(proof["e"])
    public_id = request.form.get("account", "")
    chosen = next((a for a, _s in opted_in_accounts() if a.public_id == public_id), None)
    ids: list[str] = []
    if chosen is not None:
        try:
            ids = _customers_in(chosen, email)
        except _UNREACHABLE as error:
            _unreachable(chosen, error)
            return unavailable(503, _("This account could not be reached"), _(
                "Please try again in a few minutes, or contact the website's support team."))
    if chosen is None or not ids:
        return not_available()
    customer_ids = join_customer_ids(ids)
    audit.record(chosen, "customer", customer_ids, "login.profile_manage", chosen.public_id,
                 "ok", {"page": "profile"})
    return hosted_redirect(chosen, customer_ids, locale, return_url="")
