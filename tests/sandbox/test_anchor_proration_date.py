"""``proration_date`` together with ``billing_cycle_anchor[type]=now`` (an interval change).

The portal sends both on an interval change, in the preview (``invoices.create_preview``) and in
the update (``subscriptions.update``). Stripe's own descriptions of the two parameters (the pinned
stripe-python's ``stripe.params``, API 2026-10-28.endive) list what ``proration_date`` cannot be
combined with (``proration_behavior=none``; it needs ``items`` or ``trial_end``) and do not name
``billing_cycle_anchor``; no public Stripe answer refusing the pair was found (report of
2026-12-07, branch ``proration``). So the sandbox accepts the pair, as the docs describe it:
the credit for the unused time is taken at ``proration_date``, the new period starts at the
request time and is charged in full. What the preview showed is then what the update charges,
even when the update comes later than the preview.
"""

from __future__ import annotations

from typing import Any

import requests
import stripe
from stripe.params import InvoiceCreatePreviewParamsSubscriptionDetails, SubscriptionUpdateParams

from widget_server.sandbox import SandboxServer

DAY = 86400


def _advance(sandbox: SandboxServer, seconds: int) -> None:
    requests.post(f"{sandbox.url}/_sandbox/clock", json={"advance_seconds": seconds},
                  timeout=5).raise_for_status()


def _now(sandbox: SandboxServer) -> int:
    return int(requests.get(f"{sandbox.url}/_sandbox/clock", timeout=5).json()["now"])


def test_the_pair_is_accepted_and_charges_what_the_preview_showed(
        client: stripe.StripeClient, sandbox: SandboxServer, customer_with_card: Any) -> None:
    customer, _ = customer_with_card()
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_pro_monthly"}]})
    item = sub["items"].data[0]
    _advance(sandbox, 10 * DAY)
    shown_at = _now(sandbox)
    details: InvoiceCreatePreviewParamsSubscriptionDetails = {
        "items": [{"id": item.id, "price": "price_pro_yearly"}],
        "proration_behavior": "always_invoice", "proration_date": shown_at,
        "billing_cycle_anchor": {"type": "now"}}
    preview = client.v1.invoices.create_preview(
        {"customer": customer.id, "subscription": sub.id, "subscription_details": details})
    credit = [line for line in preview.lines.data if line.amount < 0]
    assert len(credit) == 1 and credit[0].period.start == shown_at

    _advance(sandbox, 600)  # the customer reads the preview, then confirms
    confirmed_at = _now(sandbox)
    update: SubscriptionUpdateParams = {
        "items": [{"id": item.id, "price": "price_pro_yearly"}],
        "proration_behavior": "always_invoice", "proration_date": shown_at,
        "billing_cycle_anchor": {"type": "now"}, "payment_behavior": "pending_if_incomplete",
        "expand": ["latest_invoice"]}
    updated = client.v1.subscriptions.update(sub.id, update)
    invoice = updated.latest_invoice
    assert isinstance(invoice, stripe.Invoice) and invoice.status == "paid"
    assert (invoice.total, invoice.amount_paid) == (preview.total, preview.amount_due)
    assert sorted(line.amount for line in invoice.lines.data) == sorted(
        line.amount for line in preview.lines.data)
    # the anchor is the request time (the sandbox's clock runs on: between the two readings
    # around the update), not the proration date 600 s before
    answered_at = _now(sandbox)
    assert confirmed_at <= updated.billing_cycle_anchor <= answered_at < shown_at + 3600
    assert updated["items"].data[0].current_period_start == updated.billing_cycle_anchor
