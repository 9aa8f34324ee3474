"""The site owner's billing: find customers, and cancel or resume their subscriptions.

The dashboard's customer pages use ``OwnerBilling``; the portal never does. Search goes
through Stripe's search query language (``customers.search``), with every typed value quoted
and escaped, and a ``cus_…`` id is retrieved directly (search is eventually consistent, a
retrieve is not). Every update carries an idempotency key derived from the owner's intent, so
a double submit replays the first answer instead of making a second change (a cancel is a
DELETE, where Stripe ignores the key: a second cancel is recognised as already done).
"""

from __future__ import annotations

import re

import stripe
from stripe.params import SubscriptionCancelParams, SubscriptionUpdateParams

from widget_server.billing import convert
from widget_server.billing.domain import Customer, Subscription
from widget_server.billing.errors import InvalidRequest, ResourceNotFound, stripe_errors
from widget_server.billing.gateway import escape_search_value
from widget_server.billing.guarded_reads import SUBSCRIPTION_EXPAND
from widget_server.billing.writes import StripeWriter

SEARCH_LIMIT = 20
MAX_QUERY_LENGTH = 200
# Stripe's substring operator (`~`) needs at least this many characters.
SUBSTRING_MIN = 3
FULL_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")  # local@domain.tld
_CUSTOMER_ID = re.compile(r"\Acus_[A-Za-z0-9_]{1,250}\Z")


def is_customer_id(text: str) -> bool:
    return bool(_CUSTOMER_ID.match(text))


def customer_search_query(text: str) -> str | None:
    """The Stripe search query for what an owner typed, or None when there is nothing to find.

    A full address is matched exactly on ``email`` (case-insensitive, as Stripe does), a part
    of one (``ana@``, ``@example.com``) as a substring of ``email``; anything else is a
    substring of the name or the email when it is long enough for Stripe's ``~`` (3
    characters), else an exact name. Quotes and backslashes are escaped, so a typed
    ``'`` or ``OR`` stays part of the value and never changes the query.
    """
    value = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not value:
        return None
    quoted = f"'{escape_search_value(value)}'"
    if "@" in value and " " not in value:
        if FULL_EMAIL.fullmatch(value) or len(value) < SUBSTRING_MIN:
            return f"email:{quoted}"
        return f"email~{quoted}"
    if len(value) >= SUBSTRING_MIN:
        return f"name~{quoted} OR email~{quoted}"
    return f"name:{quoted}"


class OwnerBilling(StripeWriter):
    """One account's billing as its owner sees it: any customer, no portal token."""

    def search_customers(self, text: str, limit: int = SEARCH_LIMIT) -> tuple[Customer, ...]:
        """Customers matching an email, a name or a customer id (at most `limit`)."""
        value = text.strip()
        if is_customer_id(value):
            found = self.customer(value)
            return (found,) if found is not None else ()
        query = customer_search_query(value)
        if query is None:
            return ()
        with stripe_errors():
            page = self.v1.customers.search({"query": query, "limit": limit})
        return tuple(convert.customer_from_stripe(c) for c in page.data
                     if not convert.is_deleted(c))

    def customer(self, customer_id: str) -> Customer | None:
        """The customer, or None when it does not exist or was deleted."""
        if not is_customer_id(customer_id):
            return None
        try:
            with stripe_errors():
                raw = self.v1.customers.retrieve(customer_id)
        except ResourceNotFound:
            return None
        if convert.is_deleted(raw):
            return None
        return convert.customer_from_stripe(raw)

    # --- the owner's writes ------------------------------------------------------------------

    def _owner_update(self, subscription_id: str, params: SubscriptionUpdateParams,
                      idempotency_key: str) -> Subscription:
        with stripe_errors():
            updated = self.v1.subscriptions.update(
                subscription_id, {**params, "expand": SUBSCRIPTION_EXPAND},
                {"idempotency_key": idempotency_key})
        return self._subscription(updated)

    def owner_cancel_at_period_end(self, subscription_id: str, *,
                                   idempotency_key: str) -> Subscription:
        """Access continues until the period ends; nothing more is billed."""
        return self._owner_update(subscription_id, {"cancel_at_period_end": True},
                                  idempotency_key)

    def owner_cancel_now(self, subscription_id: str) -> Subscription:
        """End the subscription now: the customer loses access at once (no proration credit).

        Stripe cancels with a DELETE, where an idempotency key has no effect; a second cancel
        of the same subscription (a double submit that raced past the state check) is refused
        by Stripe as already canceled, which is the outcome asked for: it is re-read and
        returned instead of reported as a failure.
        """
        params: SubscriptionCancelParams = {"expand": SUBSCRIPTION_EXPAND}
        try:
            with stripe_errors():
                canceled: stripe.Subscription = self.v1.subscriptions.cancel(
                    subscription_id, params)
        except InvalidRequest:
            current = self.subscription(subscription_id)
            if current is not None and current.status == "canceled":
                return current
            raise
        return self._subscription(canceled)

    def owner_resume(self, subscription_id: str, *, idempotency_key: str) -> Subscription:
        """Undo a cancel at period end (the subscription is still live)."""
        return self._owner_update(subscription_id, {"cancel_at_period_end": False},
                                  idempotency_key)
