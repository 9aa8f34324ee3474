"""The Stripe-facing commands: ``stripe check`` (every call the portal makes, and the webhook
endpoint) and ``accounts set-webhook-secret`` (registered on ``cli``'s groups on import)."""

from __future__ import annotations

import sys

import click
import stripe
from flask import Flask

from widget_server.accounts import AccountError
from widget_server.billing.contract_optional import FEATURES
from widget_server.billing.errors import BillingError
from widget_server.billing.webhooks import check_endpoint, format_endpoint_check
from widget_server.billing_web.snapshots import forget_account_views
from widget_server.cli import _account, _app, accounts, main
from widget_server.models import AuditEvent


@accounts.command("set-webhook-secret")
@click.argument("account_id")
@click.option("--secret", envvar="STRIPE_WEBHOOK_SECRET", default=None,
              help="The endpoint's signing secret, whsec_… (or env STRIPE_WEBHOOK_SECRET).")
@click.option("--remove", is_flag=True, help="Remove the secret: views are read from Stripe.")
def accounts_set_webhook_secret(account_id: str, secret: str | None, remove: bool) -> None:
    """Set (or --remove) the signing secret of the account's Stripe webhook endpoint (audited).

    With a secret, Stripe's events are accepted at /v1/stripe/webhooks/ACCOUNT_ID and repeat
    portal views are served from snapshots those events invalidate.
    """
    if remove == (secret is not None):
        raise click.UsageError("give either --secret whsec_… or --remove")
    with _account(account_id) as (app, service, account):
        if remove:
            service.clear_webhook_secret(account)
            action = "cli.webhook_secret.remove"
        else:
            try:
                service.set_webhook_secret(
                    account, str(secret),
                    overlap_seconds=int(app.config["WEBHOOK_SECRET_OVERLAP"]))
            except AccountError as exc:
                raise click.ClickException(str(exc)) from None
            action = "cli.webhook_secret.update"
        service.session.add(AuditEvent(
            account_id=account.id, actor_type="system", actor="cli", action=action,
            target=account.public_id, result="ok", detail={}))
    forget_account_views(account, app)
    if remove:
        click.echo(f"{account_id}: webhook secret removed; portal views are read from Stripe")
    else:
        click.echo(f"{account_id}: webhook secret saved; Stripe's events are accepted at "
                   f"/v1/stripe/webhooks/{account_id}")


def webhook_url_for(account_id: str | None, webhook_url: str | None) -> str | None:
    """The URL `stripe check` looks for: given, or the account's under PUBLIC_URL."""
    if webhook_url or not account_id:
        return webhook_url
    app: Flask = _app(migrate=False)
    base = app.config.get("PUBLIC_URL")
    if not base:
        raise click.ClickException("--account needs WIDGET_SERVER_PUBLIC_URL (the service's "
                                   "public address); or give --webhook-url")
    return f"{str(base).rstrip('/')}/v1/stripe/webhooks/{account_id}"


def check_webhook(client: stripe.StripeClient, url: str) -> bool:
    """Print whether an enabled endpoint sends every needed event to `url`."""
    try:
        found = check_endpoint(client, url)
    except BillingError as exc:
        click.echo(f"webhook: could not list webhook endpoints: {exc}")
        return False
    click.echo(format_endpoint_check(found))
    return found.ok


def features_on(account_id: str) -> list[str]:
    """The optional settings (`FEATURES`) the account has on, said on stdout; none when this
    server's database does not have the account."""
    from sqlalchemy.exc import SQLAlchemyError

    from widget_server import db
    from widget_server.accounts import AccountService, secret_box

    app = _app(migrate=False)
    try:
        with db.session_scope(app) as session:
            service = AccountService(session, secret_box(app))
            account = service.get(account_id)
            settings = service.settings(account) if account is not None else None
    except SQLAlchemyError:
        settings = None
    if settings is None:
        click.echo(f"{account_id}: not in this server's database; its settings' optional "
                   "calls are not checked (give --feature to check them)")
        return []
    on = [f for f in FEATURES if settings.get(f) is True]
    click.echo(f"{account_id}: optional settings on: {', '.join(on) or 'none'}")
    return on


@main.group("stripe")
def stripe_group() -> None:
    """Checks against Stripe."""


@stripe_group.command("check")
@click.option("--stripe-key", required=True, envvar="WIDGET_SERVER_CHECK_STRIPE_KEY",
              help="A test-mode secret or restricted key (sk_test_… or rk_test_…).")
@click.option("--api-base", envvar="WIDGET_SERVER_STRIPE_API_BASE", default=None,
              help="Another Stripe API address (the sandbox); Stripe itself by default.")
@click.option("--webhook-url", default=None,
              help="Also check that an enabled webhook endpoint sends the needed events here.")
@click.option("--account", "account_id", default=None,
              help="Check the webhook endpoint of this account (under WIDGET_SERVER_PUBLIC_URL)"
                   ", and the optional calls of the settings it has on.")
@click.option("--feature", "features", multiple=True, type=click.Choice(FEATURES),
              help="Also check the (read-only) calls this optional setting needs (repeatable).")
def stripe_check(stripe_key: str, api_base: str | None, webhook_url: str | None,
                 account_id: str | None, features: tuple[str, ...]) -> None:
    """Run every Stripe call the portal makes and check each answer's shape.

    Creates its own test-mode objects (metadata widget_server_check), lists the permissions
    a restricted key lacks, and cleans up. Refuses live keys. With --webhook-url or --account,
    also checks the Stripe webhook endpoint that makes view snapshots possible. With --feature
    (or --account, for the settings the account has on) also reads what show_entitlements,
    show_usage and show_credit need, and says whether the key may.
    """
    from widget_server.billing.contract import ContractCheck, LiveKeyRefused, format_report

    url = webhook_url_for(account_id, webhook_url)
    wanted = list(features) + (features_on(account_id) if account_id else [])
    try:
        check = ContractCheck(stripe_key, api_base=api_base, features=wanted)
    except LiveKeyRefused as exc:
        raise click.ClickException(str(exc)) from None
    report = check.run()
    click.echo(format_report(report))
    webhook_ok = check_webhook(check.client, url) if url else True
    if not report.ok or not webhook_ok:
        sys.exit(1)
