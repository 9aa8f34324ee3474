"""Stripe test clocks: the moment a test-mode customer lives at.

A customer created on a test clock (``customer.test_clock``; its subscriptions carry the same
id in ``subscription.test_clock``) lives at the clock's ``frozen_time``, not at the real time:
Stripe dates its invoices, prorates its changes and checks a ``proration_date`` against that
time. A proration "now" taken from the service's clock would then not be what Stripe charges
(or would be refused as outside the current period). The clock is read with one
``test_helpers.test_clocks.retrieve`` call, made only for a subscription that has a clock and
only by the preview and change actions, which call Stripe anyway (never by a portal view).
Live mode has no test clocks, so live traffic never makes this call.
"""

from __future__ import annotations

import stripe

from widget_server.billing.errors import missing_as_none


def frozen_time(client: stripe.StripeClient, clock_id: str) -> int | None:
    """The clock's ``frozen_time``; None when the clock no longer exists."""
    clock = missing_as_none(lambda: client.v1.test_helpers.test_clocks.retrieve(clock_id))
    return int(clock.frozen_time) if clock is not None else None
