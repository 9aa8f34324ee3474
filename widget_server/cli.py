"""The ``widget-server`` command: demo, serve, sandbox, database, accounts, hashes, keys."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from widget_server import create_app, db
from widget_server.accounts import AccountError, AccountService, parse_stripe_key, secret_box
from widget_server.config import ConfigError
from widget_server.crypto import SecretBoxError, generate_key
from widget_server.identity import compute_identity_hash
from widget_server.models import Account, AuditEvent
from widget_server.serving import tuning_options


def _app(*, migrate: bool = True) -> Flask:
    """Build the app from the environment; bring the schema up to date unless told not to.

    A bad setting or an unreachable database is one line on stderr, not a traceback.
    """
    try:
        app = create_app()
    except (ConfigError, SecretBoxError) as exc:
        raise click.ClickException(str(exc)) from None
    if migrate:
        try:
            db.upgrade(app)
        except SQLAlchemyError as exc:
            raise click.ClickException(db.describe_failure(app, exc)) from None
    return app


@click.group()
@click.version_option(package_name="widget-server")
def main() -> None:
    """widget-server: an embeddable Stripe customer billing portal."""


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port of the portal and demo app.")
@click.option("--sandbox-port", default=0, help="Port of the Stripe sandbox (default: any free).")
def demo(port: int, sandbox_port: int) -> None:
    """Start the Stripe sandbox with seed data, a demo account and a demo host page."""
    from widget_server.demo_runner import run_demo
    from widget_server.sandbox import SandboxServer  # the one place the app starts the sandbox

    sandbox = SandboxServer(seed=True, port=sandbox_port).start()
    try:
        run_demo(port=port, sandbox_url=sandbox.url)
    finally:
        sandbox.stop()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@tuning_options
def serve(host: str, port: int, workers: int | None, **tuning: Any) -> None:
    """Serve the app with gunicorn (configuration from WIDGET_SERVER_* variables).

    Rate limits must be shared by every worker: without REDIS_URL they live in the process, so
    the service runs one worker with threads, and refuses --workers above 1. Defaults and the
    figures behind them: docs/deploy.md.
    """
    from widget_server.server import check_shared_store, serve_gunicorn
    from widget_server.serving import Tuning, default_workers

    app = _app()
    shared = bool(app.config.get("REDIS_URL"))
    chosen = Tuning(workers=default_workers(shared) if workers is None else workers, **tuning)
    problem = next(iter(chosen.problems(shared)), None) or check_shared_store(app)
    if problem:
        raise click.ClickException(problem)
    from widget_server.cli_owners import announce_setup_code

    announce_setup_code(app)
    serve_gunicorn(app, host=host, port=port, tuning=chosen)


@main.group()
def sandbox() -> None:
    """The local Stripe API sandbox."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=12111, show_default=True)
@click.option("--seed/--no-seed", default=False, help="Fill it with demo data.")
def sandbox_serve(host: str, port: int, seed: bool) -> None:
    """Run the Stripe sandbox on its own (Ctrl-C stops it)."""
    from widget_server.sandbox import serve as serve_sandbox

    click.echo(f"Stripe sandbox on http://{host}:{port} (any sk_test_… key works)")
    serve_sandbox(port=port, host=host, seed=seed)


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations (SQLite by default, DATABASE_URL otherwise)."""
    app = _app(migrate=False)
    db.upgrade(app, revision)
    click.echo(f"database at {db.database_url(app).split('@')[-1]} is at {revision}")


@contextmanager
def _account(account_id: str) -> Iterator[tuple[Flask, AccountService, Account]]:
    """The app, an account service in a committed-on-success session, and the named account."""
    app = _app()
    with db.session_scope(app) as session:
        service = AccountService(session, secret_box(app))
        account = service.get(account_id)
        if account is None:
            raise click.ClickException(f"no account {account_id!r}")
        yield app, service, account


@main.group()
def accounts() -> None:
    """Create and inspect accounts."""


@accounts.command("create")
@click.option("--name", required=True)
@click.option("--stripe-key", required=True, envvar="STRIPE_SECRET_KEY",
              help="sk_… or rk_… (or env STRIPE_SECRET_KEY).")
@click.option("--origin", "origins", multiple=True,
              help="Allowed origin of pages that embed the portal (repeatable).")
@click.option("--set", "settings", multiple=True, metavar="NAME=JSON",
              help="A feature setting, e.g. --set cancel_immediately=true.")
def accounts_create(name: str, stripe_key: str, origins: tuple[str, ...],
                    settings: tuple[str, ...]) -> None:
    """Create an account; prints its id and HMAC secret (shown once)."""
    parsed = _parse_settings(settings)
    app = _app()
    try:
        with db.session_scope(app) as session:
            service = AccountService(session, secret_box(app))
            created = service.create(name=name, stripe_key=stripe_key,
                                     allowed_origins=list(origins), settings=parsed)
            api_key = service.create_api_key(created.account, "created by CLI")
            public_id = created.account.public_id
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"account:     {public_id}")
    click.echo(f"hmac secret: {created.hmac_secret}   (store it on your backend; shown once)")
    click.echo(f"api key:     {api_key}   (for POST /v1/portal_sessions; shown once)")


def _parse_settings(pairs: tuple[str, ...]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        try:
            parsed[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            parsed[name.strip()] = raw
    return parsed


@accounts.command("list")
def accounts_list() -> None:
    """List accounts."""
    app = _app()
    with db.session_scope(app) as session:
        for account in AccountService(session, secret_box(app)).all():
            mode = "live" if account.live_mode else "test"
            origins = ", ".join(account.allowed_origins) or "(no origins)"
            click.echo(f"{account.public_id}  {mode}  {account.name}  {origins}")


@accounts.command("show")
@click.argument("account_id")
def accounts_show(account_id: str) -> None:
    """Show an account's settings (never its secrets)."""
    with _account(account_id) as (_, service, account):
        click.echo(json.dumps({
            "id": account.public_id, "name": account.name,
            "mode": "live" if account.live_mode else "test",
            "allowed_origins": account.allowed_origins,
            "settings": service.settings(account),
        }, indent=2))


@accounts.command("rotate-secret")
@click.argument("account_id")
@click.option("--overlap", type=int, default=None,
              help="Seconds the old secret keeps working (default: SECRET_ROTATION_OVERLAP).")
def accounts_rotate(account_id: str, overlap: int | None) -> None:
    """Issue a new HMAC secret; the old one works until the overlap window ends."""
    with _account(account_id) as (app, service, account):
        window = app.config["SECRET_ROTATION_OVERLAP"] if overlap is None else overlap
        secret = service.rotate_secret(account, overlap_seconds=window,
                                       revoke_tokens=bool(app.config["REVOKE_TOKENS_ON_ROTATION"]))
    click.echo(f"new hmac secret: {secret}")
    click.echo(f"the previous secret keeps working for {window} seconds")


@accounts.command("set-stripe-key")
@click.argument("account_id")
@click.option("--stripe-key", required=True, envvar="STRIPE_SECRET_KEY",
              help="The new sk_… or rk_… key (or env STRIPE_SECRET_KEY).")
def accounts_set_stripe_key(account_id: str, stripe_key: str) -> None:
    """Replace an account's Stripe key, after Stripe has accepted it (audited)."""
    from widget_server.billing.key_check import check_stripe_key
    from widget_server.billing_web import registry

    try:
        live = parse_stripe_key(stripe_key)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    with _account(account_id) as (app, service, account):
        check = check_stripe_key(registry(app).uncached_client(stripe_key.strip()),
                                 restricted=stripe_key.strip().startswith("rk_"))
        if not check.ok:
            missing = "".join(f" {p.code}" for p in check.missing)  # rak_…_write
            raise click.ClickException(f"{KEY_REFUSED[check.verdict.value]}{missing}; unchanged")
        try:
            service.set_stripe_key(account, stripe_key)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        service.session.add(AuditEvent(
            account_id=account.id, actor_type="system", actor="cli",
            action="cli.stripe_key.update", target=account.public_id, result="ok",
            detail={"mode": "live" if live else "test"}))
    from widget_server.billing_web.snapshots import forget_account_views

    forget_account_views(account, app)  # the key may reach another Stripe account
    click.echo(f"{account_id} now uses a {'live' if live else 'test'}-mode Stripe key")


KEY_REFUSED = {
    "invalid": "Stripe refused the key (unknown, rolled or deleted)",
    "no_permission": "the restricted key lacks permissions the portal needs:",
    "unreachable": "Stripe could not be reached to check the key",
}


@main.group()
def owners() -> None:
    """Dashboard owners: create, change a password, disable."""


def _new_password(email: str) -> str:
    from widget_server.owners import password_problem

    for _attempt in range(3):
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password, email)
        if problem is None:
            return str(password)
        click.echo(f"refused: {problem}", err=True)
    raise click.ClickException("no acceptable password given")


@contextmanager
def _owner_service() -> Iterator[Any]:
    from widget_server.owners import OwnerError, OwnerService

    app = _app()
    try:
        with db.session_scope(app) as session:
            yield OwnerService(session)
    except OwnerError as exc:
        raise click.ClickException(str(exc)) from None


@owners.command("create")
@click.argument("email")
@click.option("--account", "account_ids", multiple=True,
              help="An account this owner manages in the dashboard (repeatable).")
def owners_create(email: str, account_ids: tuple[str, ...]) -> None:
    """Create a dashboard owner; asks for the password (or reads it from standard input)."""
    password = _new_password(email)
    with _owner_service() as service:
        owner = service.create(email, password)
        for account_id in account_ids:
            account = service.session.scalar(
                select(Account).where(Account.public_id == account_id))
            if account is None:
                raise click.ClickException(f"no account {account_id!r}")
            account.owner_id = owner.id
    click.echo(f"owner {email} created" + (f", owns {', '.join(account_ids)}" if account_ids
                                            else ""))


@owners.command("passwd")
@click.argument("email")
def owners_passwd(email: str) -> None:
    """Set a new password; every session of the owner ends."""
    with _owner_service() as service:
        owner = service.find(email)
        if owner is None:
            raise click.ClickException(f"no owner {email!r}")
        service.set_password(owner, _new_password(owner.email))
    click.echo(f"password of {email} changed; its sessions have ended")


@owners.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Enable a disabled owner again.")
def owners_disable(email: str, enable: bool) -> None:
    """Disable an owner: sign-in refused, every session ended (or --enable again)."""
    with _owner_service() as service:
        owner = service.find(email)
        if owner is None:
            raise click.ClickException(f"no owner {email!r}")
        if enable:
            service.enable(owner)
        else:
            service.disable(owner)
    click.echo(f"owner {email} {'enabled' if enable else 'disabled; its sessions have ended'}")


@main.command("hash")
@click.argument("identifier")
@click.option("--account", "account_id", help="Use this account's current secret.")
@click.option("--secret", envvar="WIDGET_SERVER_HMAC_SECRET", help="Or give the secret itself.")
def hash_command(identifier: str, account_id: str | None, secret: str | None) -> None:
    """Compute the identity hash of an email or customer id (for testing an integration)."""
    if not secret:
        if not account_id:
            raise click.UsageError("give --account ACCOUNT_ID or --secret SECRET")
        with _account(account_id) as (_, service, account):
            secret = service.identity_secrets(account)[0]
    click.echo(compute_identity_hash(secret, identifier))


@main.group()
def keys() -> None:
    """Encryption keys."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new Fernet key for WIDGET_SERVER_ENCRYPTION_KEYS."""
    click.echo(generate_key())


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored secret under the first WIDGET_SERVER_ENCRYPTION_KEYS key.

    One transaction; values already under that key are left alone. Afterwards the other
    keys can be removed from the list.
    """
    from widget_server.reencrypt import reencrypt_all

    app = _app()
    try:
        with db.session_scope(app) as session:
            report = reencrypt_all(session, secret_box(app))
    except SecretBoxError as exc:
        raise click.ClickException(str(exc)) from None
    for column, count in report.rotated.items():
        click.echo(f"{column}: {count} re-encrypted, {report.current[column]} already current")
    click.echo(f"{report.total_rotated} re-encrypted, {report.total_current} already current; "
               "every stored secret is now under the newest key")


import widget_server.cli_owners  # noqa: E402  (owners setup-code)
import widget_server.cli_stripe  # noqa: E402,F401  (stripe check, accounts set-webhook-secret)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
