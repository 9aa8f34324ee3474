"""Stripe webhooks: verify a delivery, say which views it makes stale, check the endpoint.

A delivery is verified with stripe-python's ``WebhookSignature`` (HMAC-SHA256 over
``timestamp.payload``, any of the header's ``v1`` signatures, a 5-minute tolerance), against
each of the account's signing secrets (the current one, and the previous one while a rotation
overlaps). Only then is the payload parsed. Nothing here knows of Flask or the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import stripe

from widget_server.billing.errors import stripe_errors

log = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300  # Stripe's own default: an older signed delivery is a replay
MAX_EVENT_ID = 255

# What the portal shows changes with these; the endpoint should send them (or "*").
WEBHOOK_EVENTS: tuple[str, ...] = (
    "customer.updated", "customer.deleted",
    "customer.discount.created", "customer.discount.updated", "customer.discount.deleted",
    "customer.tax_id.created", "customer.tax_id.updated", "customer.tax_id.deleted",
    "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "customer.subscription.paused",
    "customer.subscription.resumed", "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired", "customer.subscription.trial_will_end",
    "invoice.created", "invoice.deleted", "invoice.finalized", "invoice.updated",
    "invoice.paid", "invoice.payment_failed", "invoice.payment_succeeded",
    "invoice.payment_action_required", "invoice.voided", "invoice.marked_uncollectible",
    "payment_method.attached", "payment_method.detached", "payment_method.updated",
    "payment_method.automatically_updated",
    "subscription_schedule.created", "subscription_schedule.updated",
    "subscription_schedule.released", "subscription_schedule.canceled",
    "subscription_schedule.completed", "subscription_schedule.aborted",
    "product.created", "product.updated", "product.deleted",
    "price.created", "price.updated", "price.deleted",
    "entitlements.active_entitlement_summary.updated",
)
# A customer's entitlements changed: its views, and (features may have been attached to or
# removed from a product, which no other event announces) the cached product features.
ENTITLEMENTS_CHANGED = "entitlements.active_entitlement_summary.updated"
# Objects that are not a customer's: a change to one can show in every view of the account.
ACCOUNT_WIDE_PREFIXES = ("product.", "price.", "plan.", "coupon.", "promotion_code.")


class WebhookRejected(ValueError):
    """Not a delivery we can trust or read: a bad or old signature, or a malformed payload."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # signature | payload (for logs and the audit, never secrets)


@dataclass(frozen=True)
class WebhookEvent:
    """What a verified delivery means for the view snapshots."""

    id: str
    type: str
    customer_ids: tuple[str, ...] = ()
    account_wide: bool = False


def verify_delivery(payload: bytes, signature_header: str | None,
                    signing_secrets: Sequence[str], *,
                    tolerance: int = TOLERANCE_SECONDS) -> WebhookEvent:
    """The event of a delivery signed with one of `signing_secrets`, else ``WebhookRejected``."""
    if not signing_secrets or not signature_header:
        raise WebhookRejected("signature")
    try:
        text = payload.decode("utf-8")  # Stripe signs the text; bytes that are not are forged
    except UnicodeDecodeError:
        raise WebhookRejected("payload") from None
    for secret in signing_secrets:
        try:
            stripe.WebhookSignature.verify_header(text, signature_header, secret,
                                                  tolerance=tolerance)
            break
        except stripe.SignatureVerificationError:
            continue
    else:
        raise WebhookRejected("signature")
    return parse_event(payload)


def parse_event(payload: bytes) -> WebhookEvent:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected("payload") from None
    if not isinstance(data, dict) or data.get("object") != "event":
        raise WebhookRejected("payload")
    event_id, kind, body = data.get("id"), data.get("type"), data.get("data")
    if (not isinstance(event_id, str) or not event_id or len(event_id) > MAX_EVENT_ID
            or not isinstance(kind, str) or not isinstance(body, dict)
            or not isinstance(body.get("object"), dict)):
        raise WebhookRejected("payload")
    account_wide = kind.startswith(ACCOUNT_WIDE_PREFIXES)
    return WebhookEvent(id=event_id, type=kind, account_wide=account_wide,
                        customer_ids=() if account_wide else customers_of(body))


def _expandable_id(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith("cus_"):
        return value
    if isinstance(value, dict):
        return _expandable_id(value.get("id"))
    return None


def customers_of(data: dict[str, Any]) -> tuple[str, ...]:
    """The customers an event's object belongs to: the customer itself, or its ``customer``
    field now and before (a detached payment method names its customer only in
    ``previous_attributes``)."""
    obj: dict[str, Any] = data["object"]
    found: list[str | None] = []
    if obj.get("object") == "customer":
        found.append(_expandable_id(obj.get("id")))
    found.append(_expandable_id(obj.get("customer")))
    previous = data.get("previous_attributes")
    if isinstance(previous, dict):
        found.append(_expandable_id(previous.get("customer")))
    return tuple(dict.fromkeys(c for c in found if c))


# --- is an endpoint registered for us? (`widget-server stripe check`) ---------------------


@dataclass(frozen=True)
class EndpointCheck:
    """The webhook endpoint found for a URL, and what it lacks."""

    url: str
    endpoint_id: str | None = None
    enabled: bool = False
    missing_events: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.endpoint_id is not None and self.enabled and not self.missing_events


def check_endpoint(client: stripe.StripeClient, url: str) -> EndpointCheck:
    """Find the webhook endpoint sending to `url` (an enabled one first) and compare its events
    with ``WEBHOOK_EVENTS``."""
    with stripe_errors():
        endpoints = list(client.v1.webhook_endpoints.list({"limit": 100}).auto_paging_iter())
    matching = [e for e in endpoints if e.url == url]
    if not matching:
        return EndpointCheck(url=url)

    def missing(endpoint: stripe.WebhookEndpoint) -> tuple[str, ...]:
        wanted = set(endpoint.enabled_events)
        return () if "*" in wanted else tuple(e for e in WEBHOOK_EVENTS if e not in wanted)

    best = min(matching, key=lambda e: (e.status != "enabled", len(missing(e))))
    return EndpointCheck(url=url, endpoint_id=best.id, enabled=best.status == "enabled",
                         missing_events=missing(best))


def format_endpoint_check(check: EndpointCheck) -> str:
    if check.endpoint_id is None:
        return (f"webhook: no endpoint sends to {check.url}; add one in Stripe (Developers → "
                f"Webhooks) with the events listed in docs/webhooks.md, then paste its signing "
                f"secret into the dashboard")
    if not check.enabled:
        return f"webhook: endpoint {check.endpoint_id} for {check.url} is disabled; enable it"
    if check.missing_events:
        return (f"webhook: endpoint {check.endpoint_id} for {check.url} does not send "
                f"{', '.join(check.missing_events)}")
    return f"webhook: endpoint {check.endpoint_id} sends every needed event to {check.url}"
