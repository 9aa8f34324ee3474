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

from widget_server.billing.errors import translate_stripe_error


def frozen_time(client: stripe.StripeClient, clock_id: str) -> int | None:
    """The clock's ``frozen_time``; None when the clock no longer exists."""
    try:
        clock = client.v1.test_helpers.test_clocks.retrieve(clock_id)
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404 or exc.code == "resource_missing":
            return None
        raise translate_stripe_error(exc) from None
    except stripe.StripeError as exc:
        raise translate_stripe_error(exc) from None
    return int(clock.frozen_time)
