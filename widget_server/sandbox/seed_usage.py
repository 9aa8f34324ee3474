"""Demo data for usage and credit: a metered API-calls add-on with daily usage over the past
weeks, a credit balance left by a downgrade, and a billing credit grant for metered usage.

Replayed through the handlers and the clock like the rest of the seed: the clock is moved back,
the history is played forward (events a few times a day, one renewal, a downgrade invoiced at
once, a grant), and the clock ends where it started.
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import lifecycle
from widget_server.sandbox.render import subscription_items
from widget_server.sandbox.resources import catalog, credit, meters
from widget_server.sandbox.resources import subscription_updates as updates
from widget_server.sandbox.routing import ApiRequest
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
DAY = 86400
HISTORY_DAYS = 45
CUSTOMER: JSON = {
    "id": "cus_demo_olga", "email": "olga@example.com", "name": "Olga Berg",
    "description": "Usage-based: Starter monthly + metered API calls (daily usage), a credit "
                   "balance from a downgrade, and a $5 credit grant for usage"}
METERED_PRICE = "price_api_calls_monthly"
METER_ID = "mtr_demo_api_calls"
UNIT_AMOUNT = 1  # one cent per API call


def _call(store: Store, handler: Any, params: JSON, *args: str) -> JSON:
    result: JSON = handler(ApiRequest(store, params), *args)
    return result


def calls_on(day: int, slot: int) -> int:
    """The demo's API calls in one of three slots of a day (deterministic)."""
    return 12 + (day * 37 + slot * 11) % 29


def seed_usage(store: Store) -> None:
    """Add the usage customer's history, ending at the clock's current time."""
    from widget_server.sandbox.seed import _reserve, _subscribe

    target = store.clock_offset
    store.clock_offset = target - HISTORY_DAYS * DAY
    _reserve(store, "mtr_", METER_ID)
    meter = _call(store, meters.create_meter, {
        "display_name": "API calls", "event_name": "api_call",
        "default_aggregation": {"formula": "sum"}})
    _call(store, catalog.create_product, {
        "id": "prod_api_calls", "name": "API calls", "unit_label": "call",
        "description": "Add-on: pay for what you use", "metadata": {"portal_role": "addon"}})
    _reserve(store, "price_", METERED_PRICE)
    _call(store, catalog.create_price, {
        "product": "prod_api_calls", "unit_amount": UNIT_AMOUNT, "currency": "usd",
        "nickname": "API calls (per call)", "lookup_key": "api_calls_monthly",
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter["id"]}})
    _subscribe(store, "sub_demo_olga", CUSTOMER["id"],
               [{"price": "price_pro_monthly"}, {"price": METERED_PRICE}])
    for day in range(HISTORY_DAYS):
        for slot in range(3):
            lifecycle.advance(store, DAY // 3)
            if store.clock_offset >= target:
                break
            _call(store, meters.create_meter_event, {
                "event_name": "api_call", "identifier": f"demo_olga_{day}_{slot}",
                "payload": {"stripe_customer_id": CUSTOMER["id"],
                            "value": str(calls_on(day, slot))}})
        if day == HISTORY_DAYS - 10:  # the downgrade: unused Pro time becomes credit
            pro = next(i for i in subscription_items(store, "sub_demo_olga")
                       if i["price"] == "price_pro_monthly")
            _call(store, updates.update_subscription, {
                "items": [{"id": pro["id"], "price": "price_starter_monthly"}],
                "proration_behavior": "always_invoice"}, "sub_demo_olga")
        if day == HISTORY_DAYS - 5:
            _call(store, credit.create_credit_grant, {
                "customer": CUSTOMER["id"], "name": "Welcome credit for API usage",
                "amount": {"type": "monetary",
                           "monetary": {"currency": "usd", "value": 500}},
                "applicability_config": {"scope": {"price_type": "metered"}},
                "category": "promotional", "expires_at": store.now() + 60 * DAY})
    lifecycle.advance(store, target - store.clock_offset)
