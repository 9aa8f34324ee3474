"""CSRF protection for every dashboard POST, by Flask-WTF's ``CSRFProtect``.

Only the dashboard is checked (``WTF_CSRF_CHECK_DEFAULT`` is off): the portal and API answer
Bearer-authenticated JSON and never read a cookie. The token is bound to the session, which
is cleared at login, so a token seen before login is useless after it. A failed check is a
400 page that says what to do, in the dashboard's language.
"""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app, render_template
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect

from widget_server.dashboard import bp
from widget_server.i18n import _

EXTENSION = "csrf"  # where Flask-WTF keeps its CSRFProtect


@bp.record_once
def _init_csrf(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # The token lives as long as the owner's session (which sign-out and password changes
    # end), so a settings page left open for an afternoon can still be saved.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    if EXTENSION not in app.extensions:
        CSRFProtect(app)


@bp.before_request
def _check_csrf() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        protect: CSRFProtect = current_app.extensions[EXTENSION]
        protect.protect()


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> ResponseReturnValue:
    return render_template(
        "dashboard/error.html",
        title=_("This form could not be accepted"),
        message=_("The form was older than your current session or did not come from this "
                  "dashboard, so nothing was changed. Go back, reload the page and try again."),
    ), 400
