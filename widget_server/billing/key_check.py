"""Check a Stripe key with Stripe itself before an account starts using it.

One read the portal needs anyway (list one customer): a key Stripe does not know, a rolled
key, or a restricted key without the customer permission are told apart, so the owner learns
what to fix. A restricted key (``rk_…``) is then probed for every permission the portal needs
(``REQUIRED``, derived from ``PORTAL_CALLS``, the Stripe calls the portal's billing code makes;
``tests/billing/test_key_permissions.py`` checks that list against the code). Each probe reads
or updates an object that does not exist: Stripe checks the key's permission first, so a 403
names a missing permission and a 404 proves the permission without changing anything.
Knows nothing of Flask; the caller brings the StripeClient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

import stripe

log = logging.getLogger(__name__)

# Every Stripe call the portal makes (billing/gateway, catalog, payments, writes), as
# "path segments.method" of stripe-python's StripeClient.v1 services.
PORTAL_CALLS = frozenset({
    "coupons.retrieve",
    "customers.list", "customers.payment_methods.list", "customers.retrieve",
    "customers.search", "customers.tax_ids.create", "customers.tax_ids.delete",
    "customers.tax_ids.list", "customers.tax_ids.retrieve", "customers.update",
    "invoices.create_preview", "invoices.line_items.list", "invoices.list", "invoices.pay",
    "invoices.retrieve",
    "payment_intents.retrieve",
    "payment_methods.detach", "payment_methods.retrieve",
    "prices.list", "prices.retrieve",
    "products.list",
    "promotion_codes.list",
    "setup_intents.create",
    "subscription_items.list",
    "subscription_schedules.create", "subscription_schedules.release",
    "subscription_schedules.retrieve", "subscription_schedules.update",
    "subscriptions.cancel", "subscriptions.create", "subscriptions.list",
    "subscriptions.retrieve", "subscriptions.update",
})
# Calls of optional features, not required of a key: the dashboard's webhook check
# (billing/webhooks.py) reads the webhook endpoints; without that permission only that check
# cannot run, the portal can. The features of products (setting show_entitlements,
# billing/entitlements.py) are read under /v1/products, with the product permission required
# anyway. Usage and credit (billing/usage.py) are read only when the account shows them
# (settings show_usage, show_credit): Billing meters and credit grants, and customers'
# balance history.
OPTIONAL_CALLS = frozenset({
    "webhook_endpoints.list", "products.features.list",
    "billing.meters.retrieve", "billing.meters.event_summaries.list",
    "billing.credit_grants.list", "billing.credit_balance_summary.retrieve",
    "customers.balance_transactions.list",
    # test mode only: the time of a customer on a test clock (billing/test_clocks.py)
    "test_helpers.test_clocks.retrieve",
})
READ_METHODS = frozenset({"list", "retrieve", "search"})

# The permission resource a top-level path segment needs, with its name in Stripe's dashboard
# and the id prefix of a made-up object to probe it with.
RESOURCES: dict[str, tuple[str, str, str]] = {
    "coupons": ("coupon", "Coupons", "widget_server_key_check"),
    "customers": ("customer", "Customers", "cus_widget_server_key_check"),
    "invoices": ("invoice", "Invoices", "in_widget_server_key_check"),
    "payment_intents": ("payment_intent", "PaymentIntents", "pi_widget_server_key_check"),
    "payment_methods": ("payment_method", "PaymentMethods", "pm_widget_server_key_check"),
    "prices": ("price", "Prices", "price_widget_server_key_check"),
    "products": ("product", "Products", "prod_widget_server_key_check"),
    "promotion_codes": ("promotion_code", "Promotion codes", "promo_widget_server_key_check"),
    "setup_intents": ("setup_intent", "SetupIntents", "seti_widget_server_key_check"),
    "subscription_items": ("subscription", "Subscriptions", "si_widget_server_key_check"),
    "subscription_schedules": ("subscription_schedule", "Subscription schedules",
                               "sub_sched_widget_server_key_check"),
    "subscriptions": ("subscription", "Subscriptions", "sub_widget_server_key_check"),
}
# The write probe per segment: an update of a made-up object (setup intents and invoices have
# actions the portal uses instead).
_WRITE_SUFFIX = {"setup_intents": "/confirm", "invoices": "/pay"}


@dataclass(frozen=True, order=True)
class Permission:
    label: str  # Stripe's dashboard name, e.g. "Subscription schedules"
    level: str  # "read" | "write"
    resource: str  # Stripe's permission resource, e.g. "subscription_schedule"
    segment: str  # the /v1 path segment that probes it

    @property
    def code(self) -> str:
        """Stripe's name of the permission, as its 403 messages say it."""
        return f"rak_{self.resource}_{self.level}"


def _required() -> tuple[Permission, ...]:
    levels: dict[str, tuple[str, str]] = {}
    for call in PORTAL_CALLS:
        segment, method = call.split(".")[0], call.rsplit(".", 1)[1]
        resource = RESOURCES[segment][0]
        level = "read" if method in READ_METHODS else "write"
        have = levels.get(resource)
        if have is None or (have[0] == "read" and level == "write"):
            levels[resource] = (level, segment)
    return tuple(sorted(
        Permission(label, level, resource, segment)
        for resource, (level, segment) in levels.items()
        for _r, label, _p in [RESOURCES[segment]]
    ))


REQUIRED: tuple[Permission, ...] = _required()


class KeyVerdict(Enum):
    VALID = "valid"
    INVALID = "invalid"  # unknown to Stripe, rolled or deleted (401)
    NO_PERMISSION = "no_permission"  # a restricted key missing a permission the portal needs
    UNREACHABLE = "unreachable"  # Stripe did not answer, or answered with an error of its own


@dataclass(frozen=True)
class KeyCheck:
    verdict: KeyVerdict
    stripe_code: str | None = None  # e.g. api_key_expired; for the audit log, never a secret
    missing: tuple[Permission, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict is KeyVerdict.VALID


def check_stripe_key(client: stripe.StripeClient, *, restricted: bool = False) -> KeyCheck:
    """Make one read with the key's client and say whether Stripe accepted the key; for a
    restricted key, also probe every permission the portal needs and name those missing."""
    try:
        client.v1.customers.list({"limit": 1})
    except stripe.AuthenticationError as exc:
        return KeyCheck(KeyVerdict.INVALID, _code(exc))
    except stripe.PermissionError as exc:
        if not restricted:
            return KeyCheck(KeyVerdict.NO_PERMISSION, _code(exc))
    except stripe.StripeError as exc:
        return _unreachable(exc)
    if not restricted:
        return KeyCheck(KeyVerdict.VALID)
    missing: list[Permission] = []
    for permission in REQUIRED:
        try:
            _probe(client, permission)
        except stripe.PermissionError:
            missing.append(permission)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:
                return _unreachable(exc)
        except stripe.AuthenticationError as exc:
            return KeyCheck(KeyVerdict.INVALID, _code(exc))
        except stripe.StripeError as exc:
            return _unreachable(exc)
    if missing:
        return KeyCheck(KeyVerdict.NO_PERMISSION, "missing_permissions", tuple(missing))
    return KeyCheck(KeyVerdict.VALID)


def _probe(client: stripe.StripeClient, permission: Permission) -> None:
    """Read or update a made-up object; returns only if Stripe answered (it never does 2xx)."""
    object_id = RESOURCES[permission.segment][2]
    path = f"/v1/{permission.segment}/{object_id}"
    if permission.level == "write":
        client.raw_request("post", path + _WRITE_SUFFIX.get(permission.segment, ""))
    else:
        client.raw_request("get", path)


def _unreachable(exc: stripe.StripeError) -> KeyCheck:
    log.warning("checking a Stripe key failed: %s (%s)", type(exc).__name__, _code(exc))
    return KeyCheck(KeyVerdict.UNREACHABLE, _code(exc))


def _code(exc: stripe.StripeError) -> str | None:
    # stripe-python leaves `code` unset on 401/403 errors; the body's error object has it.
    return exc.code or (exc.error.code if exc.error is not None else None)
