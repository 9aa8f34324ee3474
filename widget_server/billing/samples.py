"""A few of the account's customers, for the owner's live preview to pick from.

Only offered in test mode (test customers are made up); one ``customers.list`` call.
"""

from __future__ import annotations

import stripe

from widget_server.billing.convert import customer_from_stripe
from widget_server.billing.domain import Customer
from widget_server.billing.errors import stripe_errors

SAMPLE_SIZE = 10


def sample_customers(client: stripe.StripeClient, limit: int = SAMPLE_SIZE,
                     ) -> tuple[Customer, ...]:
    """The account's newest customers (at most `limit`)."""
    with stripe_errors():
        page = client.v1.customers.list(params={"limit": max(1, min(limit, 100))})
    return tuple(customer_from_stripe(raw) for raw in page.data)
