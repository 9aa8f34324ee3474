"""The address a customer edits, as Stripe's customer update takes it."""

from __future__ import annotations

from typing import get_type_hints

from stripe.params import CustomerUpdateParamsAddress

from widget_server.billing.payments import ADDRESS_PARTS, address_params


def test_every_part_stripe_takes_is_passed_on() -> None:
    full = {"line1": "1 Main St", "line2": "Apt 2", "city": "Springfield", "state": "IL",
            "postal_code": "62701", "country": "US"}
    assert address_params(full) == full
    assert set(ADDRESS_PARTS) == set(get_type_hints(CustomerUpdateParamsAddress))


def test_only_the_given_parts_are_sent() -> None:
    # a part left out stays as it is in Stripe; an empty one clears it
    assert address_params({"city": "Berlin", "line2": ""}) == {"city": "Berlin", "line2": ""}
    assert address_params({}) == {}
