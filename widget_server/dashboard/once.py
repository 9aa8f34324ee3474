"""Forms that create a secret shown once (an API key, a new account) are answered with the
page itself, never a redirect, so the secret never passes through the session cookie. A
browser reload of that page re-sends the form; without a guard it would create a second key
or account. Each such form carries a random one-time value; the first submission spends it
(remembered in the owner's signed session), and a resubmission is told what happened instead
of creating another."""

from __future__ import annotations

import secrets

from flask import request, session

FIELD = "once"
_KEY = "spent_forms"
_REMEMBERED = 32  # the newest spent values kept (a session cookie stays small)


def issue() -> str:
    """A fresh value for a form's hidden ``once`` field."""
    return secrets.token_urlsafe(12)


def spend() -> bool:
    """True the first time the submitted form's value is seen in this session; False for a
    resubmission (a reload of the answer). A form without the field counts as new."""
    value = request.form.get(FIELD, "")
    if not value:
        return True
    spent = [v for v in session.get(_KEY, []) if isinstance(v, str)]
    if value in spent:
        return False
    session[_KEY] = [*spent, value][-_REMEMBERED:]
    return True
