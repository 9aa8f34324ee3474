"""The first run's setup code on the command line: ``owners setup-code`` prints it, and
``serve`` announces it at startup while no owner exists (registered on ``cli``'s groups on
import)."""

from __future__ import annotations

import os

import click
from flask import Flask

from widget_server import db
from widget_server.cli import _app, owners
from widget_server.onboarding import first_run_open, setup_code


def current_setup_code(app: Flask) -> str | None:
    """The code the first-run page asks for; None once an owner exists."""
    with db.session_scope(app) as session:
        if not first_run_open(session):
            return None
    return setup_code(str(app.config["SECRET_KEY"]), app.config.get("SETUP_CODE"))


def announce_setup_code(app: Flask) -> None:
    """At startup, while no owner exists: say where to go and the code to give."""
    code = current_setup_code(app)
    if code is not None:
        click.echo(f"No owner exists yet: open /dashboard/first-run and give the setup code "
                   f"{code}", err=True)


@owners.command("setup-code")
def owners_setup_code() -> None:
    """Print the setup code the dashboard's first-run page asks for (while no owner exists)."""
    app = _app()
    if not (app.config.get("SETUP_CODE") or os.environ.get("WIDGET_SERVER_SECRET_KEY")):
        raise click.ClickException(
            "without WIDGET_SERVER_SECRET_KEY each process has its own random key: read the code "
            "`serve` printed at startup, or set WIDGET_SERVER_SETUP_CODE")
    code = current_setup_code(app)
    if code is None:
        raise click.ClickException("an owner exists already: sign in, or use "
                                   "`widget-server owners create`")
    click.echo(code)
