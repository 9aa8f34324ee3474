"""The no-code login page of one account: ``/login/<account public id>`` (``login_page``).

GET shows the email form; POST sends a code (or pretends to: the answer is the same for an
address that is nobody's); POST ``…/code`` checks it and opens the hosted portal through a
one-time hosted session, exactly as ``POST /v1/portal_sessions`` would.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import Response, current_app, g, render_template, request, url_for

from widget_server import audit, legacy
from widget_server.accounts import AccountService, secret_box
from widget_server.api.hosted import join_customer_ids
from widget_server.db import get_session
from widget_server.features import defaults as default_settings
from widget_server.i18n import _, negotiate_locale
from widget_server.limits import limit
from widget_server.login import flow, forms, steps
from widget_server.login.availability import smtp_configured
from widget_server.login.blueprint import bp
from widget_server.login.mail import Branding
from widget_server.models import Account, HostedSession


def use_locale(settings: dict[str, Any]) -> str:
    """The page's language: ?locale= (or the form's), the browser, the account default."""
    explicit = request.values.get("locale")
    g.locale = negotiate_locale(
        explicit=explicit if explicit and len(explicit) <= 16 else None,
        accept_language=request.accept_languages,
        account_default=str(settings.get("locale") or current_app.config["DEFAULT_LOCALE"]),
        auto_detect=bool(settings.get("auto_detect_locale", True)))
    # the owner's custom strings, as the portal applies them (portal/pages.py, portal/auth.py)
    g.custom_strings = (settings.get("custom_strings") or {}).get(g.locale, {})
    return str(g.locale)


def page(template: str, status: int = 200, *, cookie_path: str, **context: Any) -> Response:
    """A sign-in page: never cached, never sends a referrer, CSRF cookie set if new."""
    html = render_template(template, csrf_token=forms.csrf_token(), **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return forms.with_cookie(response, cookie_path)


def unavailable(status: int, title: str, message: str) -> Response:
    html = render_template("portal/error.html", title=title, message=message)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def not_available() -> Response:
    """404: a page that is off, or names nothing the visitor may see (nothing says which)."""
    return unavailable(404, _("This page is not available"),
                       _("Check the address, or contact the website's support team."))


def _account(public_id: str) -> tuple[Account | None, dict[str, Any]]:
    """The account the address names: its public id, or a Servicebot/Billflow id imported
    into it (as ``POST /v1/embed/session`` accepts); the forms then post to its public id."""
    account = legacy.find_account(get_session(), public_id)
    if account is None:
        return None, default_settings()
    return account, AccountService(get_session(), secret_box()).settings(account)


def _refusal(account: Account | None, settings: dict[str, Any]) -> Response | None:
    """The page's answer when it cannot serve: off (404) or no SMTP (503)."""
    if account is None or not settings.get("login_page"):
        return unavailable(404, _("This login page is not available"),
                           _("Check the address, or contact the website's support team."))
    if not smtp_configured(current_app.config):
        return unavailable(503, _("Sign-in by email is not available right now"),
                           _("This server cannot send email at the moment. Please contact the "
                             "website's support team."))
    return None


def _brand(account: Account, settings: dict[str, Any]) -> Branding:
    return Branding.of(account.name or "", settings)


def _view(account: Account, settings: dict[str, Any], step: str, status: int = 200,
          **context: Any) -> Response:
    base = f"/login/{account.public_id}"
    return page("login/sign_in.html", status, cookie_path=base, step=step, action=base,
                brand=_brand(account, settings), locale=g.locale,
                title=_("Sign in to %(name)s", name=account.name) if account.name
                else _("Sign in"), **context)


def _opened(public_id: str, *, imported_redirects: bool = False
            ) -> tuple[Account, dict[str, Any]] | Response:
    """The page's account and settings (the page's language set from them), or the answer
    when the page cannot serve; with ``imported_redirects`` (the page itself) an imported id
    is sent to the account's own page."""
    account, settings = _account(public_id)
    if imported_redirects and account is not None and account.public_id != public_id:
        return _canonical(account)
    use_locale(settings)
    refused = _refusal(account, settings)
    if refused is not None or account is None:
        return refused or unavailable(404, "", "")
    return account, settings


def _canonical(account: Account) -> Response:
    """A redirect from an imported id to the account's own page (whose cookie and forms are
    scoped to its public id), keeping ``?locale=``."""
    query = request.query_string.decode("ascii", "replace")
    response = Response(status=302)
    response.headers["Location"] = f"/login/{account.public_id}" + (f"?{query}" if query else "")
    response.headers["Cache-Control"] = "no-store"
    return response


def _sign_in(account: Account, settings: dict[str, Any]) -> steps.SignInPage:
    """This page's side of the shared steps: codes, limits and proofs scoped to the account,
    the page in its brand, refusals audited against it."""
    def view(step: str, status: int = 200, **context: Any) -> Response:
        return _view(account, settings, step, status, **context)

    def refused(reason: str) -> None:
        audit.record(account, "customer", "login", "login.sign_in", account.public_id,
                     "refused", {"reason": reason})

    return steps.SignInPage(
        scope=account.public_id, proof_name="login", view=view, brand=_brand(account, settings),
        lookup=lambda email: _lookup(account.id, account.public_id, email), refused=refused,
        proof_binds={"s": account.public_id})


@bp.get("/login/<public_id>")
def login_page(public_id: str) -> Response:
    opened = _opened(public_id, imported_redirects=True)
    if isinstance(opened, Response):
        return opened
    return _view(*opened, "email", email="")


@bp.post("/login/<public_id>")
@limit("RATELIMIT_LOGIN_CODE_IP")
def login_send_code(public_id: str) -> Response:
    opened = _opened(public_id)
    if isinstance(opened, Response):
        return opened
    return steps.send_code(_sign_in(*opened))


def _lookup(account_id: int, public_id: str, email: str) -> flow.Lookup:
    """The background lookup: the account's customers with this email (re-read in its own
    session, since the request's is gone by then)."""

    def find() -> tuple[str, int | None]:
        from widget_server.billing_web import billing_for

        session = get_session()
        account = session.get(Account, account_id)
        if account is None or account.stripe_key_encrypted is None:
            return "", None
        service = AccountService(session, secret_box())
        found = billing_for(service.stripe_key(account)).find_customers(email=email)
        if not found:
            audit.record(account, "system", "login", "login.code_sent", public_id, "refused",
                         {"reason": "unknown_email"})
        return join_customer_ids([c.id for c in found]), account_id

    return find


@bp.post("/login/<public_id>/code")
@limit("RATELIMIT_LOGIN_CODE_IP")
def login_check_code(public_id: str) -> Response:
    opened = _opened(public_id)
    if isinstance(opened, Response):
        return opened
    account, settings = opened
    signed_in = steps.check_code(_sign_in(account, settings))
    if isinstance(signed_in, Response):
        return signed_in
    customer_ids = join_customer_ids(list(signed_in.redeemed.customer_ids))
    audit.record(account, "customer", customer_ids, "login.sign_in", account.public_id, "ok",
                 {"page": "login"})
    return hosted_redirect(account, customer_ids, str(g.locale), return_url="")


def hosted_redirect(account: Account, customer_ids: str, locale: str, *,
                    return_url: str) -> Response:
    """Open the account's hosted portal for these customers: a one-time hosted session, then
    a 303 to its URL (the portal page consumes it, as for ``POST /v1/portal_sessions``)."""
    code = secrets.token_urlsafe(32)
    ttl = int(current_app.config["HOSTED_SESSION_TTL"])
    session = get_session()
    session.add(HostedSession(
        account_id=account.id, code_hash=hashlib.sha256(code.encode("utf-8")).hexdigest(),
        customer_id=customer_ids, return_url=return_url, locale=locale[:16],
        expires_at=flow.clock() + timedelta(seconds=ttl)))
    session.commit()
    response = Response(status=303)
    response.headers["Location"] = url_for("api.hosted_portal_page", code=code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
