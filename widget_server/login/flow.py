"""The steps both sign-in pages share: ask for a code, check a code.

Asking never tells whether the email belongs to a customer. The request does the same work
for every well-formed address (rate limits, a fresh code, the email rendered in the page's
language) and answers the same page; finding the customer, storing the code's hash and
sending the email happen afterwards on a small worker pool, so neither the answer nor its
timing depends on the lookup. An unknown address gets no email and no stored code.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, render_template

from widget_server import audit
from widget_server.db import session_scope
from widget_server.i18n import _, ngettext
from widget_server.identity import ascii_lower
from widget_server.limits import Throttle, private_key
from widget_server.login import codes, mail
from widget_server.login.mail import Branding
from widget_server.models import utcnow

log = logging.getLogger(__name__)

EXECUTOR = "widget_server.login.executor"
PENDING = "widget_server.login.pending"
_EMAIL = re.compile(r"\A[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,255}\Z")
MAX_EMAIL = 320
# What the background job finds: the customers (ids joined by commas, as HostedSession keeps
# them) and the account to audit against; ("", None) when the email is nobody's.
Lookup = Callable[[], tuple[str, int | None]]


def clock() -> datetime:
    """The time codes are issued and checked at (tests move it)."""
    return utcnow()


def valid_email(raw: str) -> bool:
    return len(raw) <= MAX_EMAIL and bool(_EMAIL.match(raw))


def throttled(scope: str, email: str) -> bool:
    """Count one code request for this page and address; True when over the limit."""
    rule = Throttle("login-code-email", str(current_app.config["RATELIMIT_LOGIN_CODE_EMAIL"]))
    return not rule.hit(scope, _address(email))


def _failures() -> Throttle:
    return Throttle("login-code-fail", str(current_app.config["RATELIMIT_LOGIN_CODE_FAILURES"]))


def _address(email: str) -> str:
    return private_key(ascii_lower(email))


def locked(scope: str, email: str) -> bool:
    """True when this page and address had too many wrong codes: even a right one is refused
    until the window passes (new codes do not reset the count)."""
    return _failures().exhausted(scope, _address(email))


def locked_message() -> str:
    return _("Too many wrong codes were entered for this address. Please wait and try again "
             "later, with the latest code.")


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def render_letter(code: str, branding: Branding, locale: str) -> Letter:
    """The email in the request's language (g.locale), branded. The text part is plain text
    (no escaping needed); the HTML part is an autoescaped template."""
    minutes = max(1, int(current_app.config["LOGIN_CODE_TTL"]) // 60)
    # never the code in the subject: lock screens and notifications show it
    subject = (_("Your sign-in code for %(name)s", name=branding.name) if branding.name
               else _("Your sign-in code"))
    heading = (_("Sign in to %(name)s", name=branding.name) if branding.name
               else _("Sign in"))
    text = "\n\n".join([
        heading, f"{_('Your sign-in code is:')} {code}",
        ngettext("It works once, for %(num)s minute. If you did not ask for it, you can "
                 "ignore this email: nobody can sign in without the code.",
                 "It works once, for %(num)s minutes. If you did not ask for it, you can "
                 "ignore this email: nobody can sign in without the code.", minutes), ""])
    context = {"code": code, "brand": branding, "minutes": minutes, "locale": locale}
    return Letter(subject=subject, text=text,
                  html=render_template("login/email.html", **context))


def start(scope: str, email: str, locale: str, letter: Letter, code: str,
          lookup: Lookup) -> None:
    """Hand the lookup, the storing and the sending to the worker pool."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    executor = app.extensions.get(EXECUTOR)
    if executor is None:
        executor = app.extensions[EXECUTOR] = ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="login-mail")
        app.extensions[PENDING] = set()
    future = executor.submit(_deliver, app, scope, email, locale, letter, code, lookup)
    pending: set[Future[None]] = app.extensions[PENDING]
    pending.add(future)
    future.add_done_callback(pending.discard)


def wait_for_deliveries(app: Flask, timeout: float = 10.0) -> None:
    """Block until every queued delivery ended (tests; a graceful stop)."""
    wait(list(app.extensions.get(PENDING, ())), timeout=timeout)


def _deliver(app: Flask, scope: str, email: str, locale: str, letter: Letter, code: str,
             lookup: Lookup) -> None:
    with app.app_context():
        try:
            customer_ids, account_id = lookup()
        except Exception:
            log.exception("sign-in code: the customer lookup failed (%s)", scope)
            return
        if not customer_ids:
            log.info("sign-in code: no customer for the address on %s; nothing sent", scope)
            return
        config = app.config
        with session_scope(app) as session:
            codes.store(session, str(config["SECRET_KEY"]), scope=scope, email=email, code=code,
                        customer_ids=customer_ids, locale=locale,
                        ttl_seconds=int(config["LOGIN_CODE_TTL"]), now=clock())
        settings = mail.SmtpSettings.from_config(config)
        message = mail.compose(settings, to=email, subject=letter.subject, text=letter.text,
                               html=letter.html, locale=locale)
        detail = {"page": scope, "customers": customer_ids.split(","), "locale": locale}
        try:
            mail.send(settings, message)
        except (smtplib.SMTPException, OSError) as error:
            log.warning("sign-in code: the SMTP server refused or failed: %s",
                        type(error).__name__)
            audit.record(account_id, "system", "smtp", "login.code_sent", scope, "error",
                         {**detail, "error": type(error).__name__})
            return
        audit.record(account_id, "system", "smtp", "login.code_sent", scope, "ok", detail)


def redeem(scope: str, email: str, code: str) -> codes.Redeemed | None:
    """The code's customers, or None; a None counts one failure for the page and address,
    known or not (the same work for every address)."""
    from widget_server.db import get_session

    config = current_app.config
    redeemed = codes.redeem(get_session(), str(config["SECRET_KEY"]), scope=scope, email=email,
                            code=code, max_attempts=int(config["LOGIN_CODE_ATTEMPTS"]),
                            now=clock())
    if redeemed is None or not redeemed.customer_ids:
        _failures().hit(scope, _address(email))
        return None
    return redeemed
