"""Restricted keys (`rk_test_…`) with the permissions a site owner would give them.

A restricted key registered with `POST /_sandbox/restricted_keys` can only read or write the
resources it was granted, as on Stripe; any other `rk_test_` key may do everything (as the
sandbox always allowed). A refused call is Stripe's 403 naming the missing permission.
"""

from __future__ import annotations

from widget_server.sandbox.errors import StripeAPIError

# the permission resource each /v1 path segment needs (Stripe's dashboard names in comments)
RESOURCES = {
    "customers": "customer",  # Customers
    "payment_methods": "payment_method",  # PaymentMethods
    "setup_intents": "setup_intent",  # SetupIntents
    "payment_intents": "payment_intent",  # PaymentIntents
    "products": "product",  # Products
    "prices": "price",  # Prices
    "coupons": "coupon",  # Coupons
    "promotion_codes": "promotion_code",  # Promotion codes
    "subscriptions": "subscription",  # Subscriptions
    "subscription_items": "subscription",  # (covered by Subscriptions)
    "subscription_schedules": "subscription_schedule",  # Subscription schedules
    "invoices": "invoice",  # Invoices
    "events": "event",  # Events
    "webhook_endpoints": "webhook_endpoint",  # Webhook endpoints
}
LEVELS = ("none", "read", "write")


def required(method: str, path: str) -> tuple[str, str]:
    """(resource, "read"|"write") a /v1 request needs."""
    segment = path.removeprefix("/v1/").split("/", 1)[0]
    resource = RESOURCES.get(segment, segment)
    return resource, "read" if method == "GET" else "write"


def check(grants: dict[str, str], key: str, method: str, path: str) -> None:
    resource, level = required(method, path)
    have = grants.get(resource, "none")
    if LEVELS.index(have) >= LEVELS.index(level):
        return
    masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:]
    raise StripeAPIError(
        403,
        f"The provided key '{masked}' does not have the required permissions for this "
        f"endpoint on account 'acct_sandbox'. Having the 'rak_{resource}_{level}' permission "
        "would allow this request to continue.",
        extra={"required_permission": f"rak_{resource}_{level}"},
    )
