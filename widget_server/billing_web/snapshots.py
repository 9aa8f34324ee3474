"""Portal view snapshots, wired into the web layer (see ``billing.view_cache``).

An account uses snapshots only once its Stripe webhook signing secret is set: without
webhooks a change made in Stripe would not show until the snapshot expired. Our own writes
forget the snapshots of the customers they touched before they answer. Forgetting bumps tokens
shared by every worker and instance (in Redis, else in the database): on SQLite, call it with
no uncommitted write in the request's session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import Flask, current_app

from widget_server.billing.view_cache import ViewSnapshots, ViewStoreUnavailable
from widget_server.billing_web import billing_factory
from widget_server.models import Account

log = logging.getLogger(__name__)
T = TypeVar("T")


def view_snapshots(app: Flask | None = None) -> ViewSnapshots:
    return billing_factory(app or current_app).views


def uses_snapshots(account: Account) -> bool:
    return account.webhook_secret_encrypted is not None


def cached_view(account: Account, customer_ids: Sequence[str], variant: str, kind: type[T],
                load: Callable[[], T]) -> T:
    """`load()`'s answer, from the snapshot when the account has one that is still current."""
    if not uses_snapshots(account):
        return load()
    return view_snapshots().read(account.public_id, customer_ids, variant, kind, load)


def forget_customer_views(account: Account, customer_ids: Sequence[str]) -> None:
    """After a write: the next view of these customers is read from Stripe again."""
    try:
        view_snapshots().forget_customers(account.public_id, customer_ids)
    except ViewStoreUnavailable:
        log.error("view snapshots: could not forget the views of a write (Redis or the "
                  "database unavailable); they expire after VIEW_CACHE_SECONDS")


def forget_account_views(account: Account, app: Flask | None = None) -> None:
    """Every view of the account is read from Stripe again (webhook secret set or removed)."""
    try:
        view_snapshots(app).forget_account(account.public_id)
    except ViewStoreUnavailable:
        log.error("view snapshots: could not forget an account's views (Redis or the database "
                  "unavailable); they expire after VIEW_CACHE_SECONDS")
