"""``POST /v1/stripe/webhooks/<account>``: Stripe's events make the account's view snapshots
stale (see ``billing.webhooks`` and ``billing.view_cache``).

A delivery is verified with the account's signing secret before anything is read from it, and
applied before its event id is recorded, so Stripe's retries and duplicates answer 200 without
doing anything again (a duplicate racing its twin may invalidate twice: harmless). An account
that does not exist and one without a signing secret get the same 404; a bad signature or
payload is a 400. When the snapshots cannot be invalidated (Redis or the database down) the
answer is 503 and nothing is recorded, so Stripe delivers the event again later. Applying comes
first because, without Redis, it writes the shared tokens in its own transaction: on SQLite
that write would wait forever behind the request's uncommitted event row.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from widget_server.accounts import AccountService, secret_box
from widget_server.api import bp
from widget_server.billing.view_cache import ViewStoreUnavailable
from widget_server.billing.webhooks import (
    ENTITLEMENTS_CHANGED,
    WebhookEvent,
    WebhookRejected,
    verify_delivery,
)
from widget_server.billing_web import billing_factory
from widget_server.billing_web.snapshots import view_snapshots
from widget_server.db import get_session
from widget_server.errors import BadRequest, NotFound, ServiceUnavailable
from widget_server.i18n import _
from widget_server.limits import limit
from widget_server.models import Account, StripeEvent, utcnow

log = logging.getLogger(__name__)
KEEP_EVENTS = timedelta(days=7)  # Stripe stops retrying a delivery after 3 days


def _webhook_account() -> str:
    """The rate-limit key: the account in the path (Stripe sends every account's events from
    the same few addresses, so a per-IP limit would let one busy account starve others)."""
    return "webhook:" + str((request.view_args or {}).get("account_id", ""))[:40]


def _refused(response: Response) -> bool:
    return response.status_code in (400, 404)


@bp.post("/v1/stripe/webhooks/<account_id>")
@limit("RATELIMIT_WEBHOOKS", key_func=_webhook_account)
@limit("RATELIMIT_DEFAULT", deduct_when=_refused)  # guessing and forging count per address
def stripe_webhook(account_id: str) -> tuple[Response, int]:
    """Verify, record and apply one Stripe event."""
    service = AccountService(get_session(), secret_box())
    account = service.get(account_id)
    secrets = service.webhook_secrets(account) if account is not None else []
    if account is None or not secrets:
        raise NotFound(_("No Stripe webhook is configured at this address."), code="not_found")
    try:
        event = verify_delivery(request.get_data(cache=False),
                                request.headers.get("Stripe-Signature"), secrets)
    except WebhookRejected as exc:
        log.warning("stripe webhook for %s refused: %s", account.public_id, exc.reason)
        raise BadRequest(_("This webhook delivery could not be verified: its signature, its "
                           "age or its content is not valid."),
                         code="invalid_webhook", param="Stripe-Signature"
                         if exc.reason == "signature" else None) from None
    duplicate = not _record(account, event)
    return jsonify(received=True, duplicate=duplicate), 200


def _record(account: Account, event: WebhookEvent) -> bool:
    """Apply the event unless it already was; False for a duplicate."""
    session = get_session()
    seen = session.scalar(select(StripeEvent.id).where(StripeEvent.account_id == account.id,
                                                       StripeEvent.event_id == event.id))
    if seen is not None:
        return False
    try:
        _apply(account, event)
    except ViewStoreUnavailable:
        raise ServiceUnavailable(_("This event could not be applied now; it will be accepted "
                                   "when Stripe sends it again.")) from None
    session.add(StripeEvent(account_id=account.id, event_id=event.id,
                            event_type=event.type[:100]))
    session.execute(delete(StripeEvent).where(StripeEvent.account_id == account.id,
                                              StripeEvent.received_at < utcnow() - KEEP_EVENTS))
    try:
        session.commit()
    except IntegrityError:  # the same event, delivered twice at the same moment
        session.rollback()
        return False
    return True


def _apply(account: Account, event: WebhookEvent) -> None:
    views = view_snapshots()
    if event.account_wide:  # a product, price, coupon or promotion code: the catalog too
        billing_factory().forget_catalog(AccountService(get_session(), secret_box())
                                         .stripe_key(account))
        views.forget_account(account.public_id)
    elif event.customer_ids:
        views.forget_customers(account.public_id, event.customer_ids)
    if event.type == ENTITLEMENTS_CHANGED:
        billing_factory().forget_product_features(
            AccountService(get_session(), secret_box()).stripe_key(account))
