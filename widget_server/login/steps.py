"""The two requests both sign-in pages answer the same way: POST an email (send a code) and
POST a code (check it). Each page supplies what differs (``SignInPage``): the scope its codes
and rate limits live in, what its signed proof is bound to, how it renders a step and how it
audits a refused sign-in; what the steps check, in what order, and the words they answer with
are the same for the account's login page (``pages``) and the profile (``profile``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Response, g, request

from widget_server.i18n import _
from widget_server.login import codes, flow, forms
from widget_server.login.mail import Branding

PROOF_AGE = 3600  # seconds the code form stays usable after the email was sent


class StepView(Protocol):
    """Renders one step of a sign-in page (``email`` or ``code``) with a status."""

    def __call__(self, step: str, status: int = 200, **context: Any) -> Response: ...


@dataclass(frozen=True)
class SignInPage:
    """What one sign-in page brings to the shared steps."""

    scope: str  # the scope of its codes, failure counts and rate limits
    proof_name: str  # the signing namespace of its "code was sent" proof
    view: StepView
    brand: Branding
    lookup: Callable[[str], flow.Lookup]  # the background customer lookup for an email
    refused: Callable[[str], None]  # audits a refused sign-in with its reason
    proof_binds: Mapping[str, str] = field(default_factory=dict)  # signed with the email


@dataclass(frozen=True)
class SignedIn:
    """A right code: the email it was sent to and the customers it opens."""

    email: str
    redeemed: codes.Redeemed


def bad_form(page: SignInPage, step: str, **context: Any) -> Response:
    return page.view(step, 400, error=_(
        "This form expired or did not come from this page, so nothing was sent. Please try "
        "again."), **context)


def send_code(page: SignInPage) -> Response:
    """Check the form, count the request, then send a code in the background; the answer is
    the code form for every well-formed address (the customer lookup is not awaited)."""
    email = request.form.get("email", "").strip()
    if not forms.csrf_ok():
        return bad_form(page, "email", email=email)
    if not flow.valid_email(email):
        return page.view("email", 400, email=email,
                         error=_("Enter your email address, like name@example.com."))
    if flow.throttled(page.scope, email):
        return page.view("email", 429, email=email,
                         error=_("Too many codes were asked for this address. Please wait a "
                                 "few minutes and try again."))
    locale = str(g.locale)
    code = codes.new_code()
    letter = flow.render_letter(code, page.brand, locale)
    flow.start(page.scope, email, locale, letter, code, page.lookup(email))
    proof = forms.sign(page.proof_name, {**page.proof_binds, "e": email})
    return page.view("code", email=email, proof=proof)


def check_code(page: SignInPage) -> SignedIn | Response:
    """The email and customers of a right code, or the page's answer refusing it (an old or
    foreign proof, a forged form, too many wrong codes, a wrong or expired code)."""
    proof_text = request.form.get("proof", "")
    proof = forms.unsign(page.proof_name, proof_text, PROOF_AGE)
    if (proof is None or not isinstance(proof.get("e"), str)
            or any(proof.get(name) != value for name, value in page.proof_binds.items())):
        return page.view("email", 400, email="", error=_(
            "This sign-in took too long. Enter your email again to get a new code."))
    email = str(proof["e"])
    if not forms.csrf_ok():
        return bad_form(page, "code", email=email, proof=proof_text)
    if flow.locked(page.scope, email):
        page.refused("too_many_wrong_codes")
        return page.view("code", 429, email=email, proof=proof_text,
                         error=flow.locked_message())
    redeemed = flow.redeem(page.scope, email, request.form.get("code", ""))
    if redeemed is None:  # flow.redeem gives None for a code that opens no customer too
        page.refused("wrong_or_expired_code")
        return page.view("code", 400, email=email, proof=proof_text, error=_(
            "This code is not right or has expired. Check the latest email, or ask for a new "
            "code."))
    return SignedIn(email=email, redeemed=redeemed)
