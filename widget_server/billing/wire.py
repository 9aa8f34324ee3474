"""The parts of Stripe's subscription pages the portal reads, for a decoder that skips the rest.

A page of 50 subscriptions with their expansions is ~480 KB of JSON, and parsing all of it
makes ~13,600 Python values a view then mostly ignores: most of each subscription's latest
invoice (60 % of the page: its taxes, totals, settings), each item's legacy ``plan`` copy of
its price, every setting and null. ``msgspec`` decodes against the ``TypedDict``s below: keys listed
here become plain dicts and lists, exactly as a full parse would make them; keys not listed
are validated as JSON and skipped without being built. ``convert_json`` and ``paging`` read
these dicts like any parsed JSON.

Every key ``convert_json``, ``paging`` and the gateway read from a subscription page must be
listed, or the read sees it absent: tests/billing/test_wire.py fails on any read of an
unlisted key at a pruned position (a recording dict), holds the pruned decode equal to the
full one after conversion for every seeded sandbox customer, and checks each key against
stripe-python's resource annotations. Leaves are ``Any`` (whatever Stripe sends is kept as
sent); a shape that does not match (Stripe changed a type) is no error: ``sdk_json`` logs it
and parses the body in full.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec


class Price(TypedDict, total=False):
    id: Any
    product: Any  # an id: expanding it would be a fifth level (the catalog has products)
    currency: Any
    unit_amount: Any
    recurring: Any
    nickname: Any
    lookup_key: Any
    active: Any


class SubscriptionItem(TypedDict, total=False):
    id: Any
    price: Price
    quantity: Any
    current_period_start: Any
    current_period_end: Any


class ItemList(TypedDict, total=False):  # embedded in a subscription, or a page of its own
    data: list[SubscriptionItem]
    has_more: Any


class InvoiceLine(TypedDict, total=False):
    parent: Any
    pricing: Any
    period: Any


class InvoiceLineList(TypedDict, total=False):
    data: list[InvoiceLine]
    has_more: Any


class Invoice(TypedDict, total=False):
    id: Any
    number: Any
    status: Any
    currency: Any
    amount_due: Any
    amount_paid: Any
    amount_remaining: Any
    total: Any
    created: Any
    period_start: Any
    period_end: Any
    hosted_invoice_url: Any
    invoice_pdf: Any
    parent: Any
    customer: Any
    billing_reason: Any
    next_payment_attempt: Any
    lines: InvoiceLineList
    confirmation_secret: Any


class Subscription(TypedDict, total=False):
    id: Any
    customer: Any
    status: Any
    currency: Any
    created: Any
    items: ItemList
    cancel_at_period_end: Any
    cancel_at: Any
    canceled_at: Any
    ended_at: Any
    trial_end: Any
    discounts: Any
    pause_collection: Any
    default_payment_method: Any
    latest_invoice: str | Invoice | None
    schedule: Any
    cancellation_details: Any
    metadata: Any
    pending_update: Any
    test_clock: Any


class SubscriptionPage(TypedDict, total=False):
    data: list[Subscription]
    has_more: Any


Decoder = msgspec.json.Decoder[Any]
SUBSCRIPTIONS: Decoder = msgspec.json.Decoder(SubscriptionPage)
SUBSCRIPTION_ITEMS: Decoder = msgspec.json.Decoder(ItemList)
