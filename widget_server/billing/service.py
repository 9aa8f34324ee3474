"""``BillingService``: everything the web layer may ask of billing, and its Stripe build.

The web layer holds one ``StripeBillingFactory`` (built once from a ``BillingConfig``) and asks
it for the ``BillingService`` of an account's Stripe key. Nothing here knows of Flask: the
configuration is passed in, and errors leave as ``billing.errors`` domain errors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, get_args, get_type_hints

import stripe
from stripe.params import CustomerTaxIdCreateParams

from widget_server.billing import history, test_clocks
from widget_server.billing.catalog import MAX_ENTRIES as CATALOG_MAX_ENTRIES
from widget_server.billing.catalog import Catalog, CatalogStore, cache_key_for, make_store
from widget_server.billing.changes import ChangePreview, ItemChangePlan
from widget_server.billing.domain import (
    Customer,
    Feature,
    Invoice,
    PaymentMethod,
    PortalSnapshot,
    Price,
    Product,
    Subscription,
    TaxId,
)
from widget_server.billing.entitlements import fetch_product_features
from widget_server.billing.gateway import INVOICE_LIMIT, StripeGateway
from widget_server.billing.guarded_reads import Coupon, PromotionCode
from widget_server.billing.payments import (
    NewSubscriptionPreview,
    OwnedPaymentMethod,
    PaymentStatus,
    SetupIntentSecret,
)
from widget_server.billing.registry import ClientRegistry, pooled_client
from widget_server.billing.usage import (
    CustomerCredit,
    UsageOverview,
    credit_overview,
    usage_overview,
)
from widget_server.billing.view_cache import TokenStore, ViewSnapshots, make_view_store
from widget_server.billing.writes import StripeWriter

# a view sends its two Stripe reads from the pool: two per request thread of `serve` (16)
EXECUTOR_WORKERS = 32


class BillingService(Protocol):
    """One account's billing, as the portal and the API use it (reads, then writes).

    Ownership is the caller's job: it re-reads an object, checks it belongs to a customer of
    the portal token, and only then writes. Every failure is a ``billing.errors`` error.
    """

    # --- reads -----------------------------------------------------------------------------
    def find_customers(self, *, email: str | None = None,
                       customer_id: str | None = None) -> tuple[Customer, ...]: ...
    def snapshot(self, customer_ids: Sequence[str], *,
                 meanwhile: Callable[[], object] | None = None) -> PortalSnapshot: ...
    def invoices(self, customer_ids: Sequence[str], *, subscriptions_only: bool = False,
                 ) -> list[Invoice]: ...
    def invoice_page(self, positions: Mapping[str, str], *, subscriptions_only: bool,
                     ) -> tuple[list[Invoice], str | None]: ...
    def canceled_page(self, positions: Mapping[str, str],
                      ) -> tuple[list[Subscription], list[Subscription], str | None]: ...
    def catalog_prices(self) -> tuple[Price, ...]: ...
    def products(self, product_ids: Collection[str]) -> dict[str, Product]: ...
    def product_features(self, product_ids: Collection[str],
                         ) -> dict[str, tuple[Feature, ...]]: ...
    def tax_id_types(self) -> frozenset[str]: ...
    def subscription(self, subscription_id: str) -> Subscription | None: ...
    def subscriptions_of(self, customer_id: str) -> list[Subscription]: ...
    def live_subscription_ids(self, customer_id: str) -> list[str]: ...
    def has_paid_before(self, customer_id: str) -> bool: ...
    def price(self, price_id: str) -> Price | None: ...
    def invoice(self, invoice_id: str) -> Invoice | None: ...
    def tax_id(self, customer_id: str, tax_id: str) -> TaxId | None: ...
    def coupon(self, coupon_id: str) -> Coupon | None: ...
    def find_promotion_code(self, code: str) -> PromotionCode | None: ...
    def payment_method(self, pm_id: str) -> OwnedPaymentMethod | None: ...
    def customer_card(self, customer_id: str) -> PaymentMethod | None: ...
    def paying_card(self, subscription: Subscription) -> PaymentMethod | None: ...
    def cards(self, customer_id: str) -> tuple[list[PaymentMethod], str | None]: ...
    def payment_status(self, client_secret: str) -> PaymentStatus: ...
    def preview_change(self, plan: ItemChangePlan) -> ChangePreview: ...
    def preview_new_subscription(self, previous: Subscription, price_id: str | None,
                                 promotion_code_id: str | None) -> NewSubscriptionPreview: ...
    def usage(self, customer_ids: Sequence[str]) -> UsageOverview: ...
    def credit(self, customer_ids: Sequence[str]) -> tuple[CustomerCredit, ...]: ...
    def clock_time(self, test_clock_id: str) -> int | None: ...

    # --- writes ----------------------------------------------------------------------------
    def change_now(self, plan: ItemChangePlan) -> Subscription: ...
    def change_item_at_period_end(self, subscription: Subscription, item_id: str, *,
                                  price: Price, quantity: int) -> Subscription: ...
    def release_schedule(self, schedule_id: str) -> None: ...
    def set_cancel_at_period_end(self, subscription_id: str, *, feedback: str | None,
                                 comment: str | None) -> Subscription: ...
    def cancel_now(self, subscription_id: str, *, feedback: str | None,
                   comment: str | None) -> Subscription: ...
    def resume(self, subscription_id: str) -> Subscription: ...
    def resubscribe(self, previous: Subscription, *, price_id: str | None,
                    promotion_code_id: str | None, default_payment_method: str | None,
                    idempotency_key: str) -> Subscription: ...
    def add_discount(self, subscription: Subscription, *, promotion_code_id: str | None = None,
                     coupon_id: str | None = None,
                     metadata: dict[str, str] | None = None) -> Subscription: ...
    def pause(self, subscription_id: str, resumes_at: int | None) -> Subscription: ...
    def unpause(self, subscription_id: str) -> Subscription: ...
    def create_setup_intent(self, customer_id: str,
                            idempotency_key: str | None) -> SetupIntentSecret: ...
    def set_default_payment_method(self, customer_id: str, pm_id: str) -> list[str]: ...
    def detach_payment_method(self, pm_id: str) -> None: ...
    def pay_invoice(self, invoice_id: str, idempotency_key: str) -> Invoice: ...
    def update_customer(self, customer_id: str, *, email: str | None = None,
                        name: str | None = None, phone: str | None = None,
                        address: Mapping[str, str] | None = None) -> Customer: ...
    def add_tax_id(self, customer_id: str, kind: str, value: str) -> TaxId: ...
    def delete_tax_id(self, customer_id: str, tax_id: str) -> None: ...


@lru_cache(maxsize=1)
def stripe_tax_id_types() -> frozenset[str]:
    """Stripe's tax id types, from stripe-python's typed parameters."""
    hint = get_type_hints(CustomerTaxIdCreateParams)["type"]
    literal = next(arg for arg in get_args(hint) if get_args(arg))
    return frozenset(str(v) for v in get_args(literal))


class StripeBilling(StripeWriter):
    """``BillingService`` on Stripe: the writer, plus the batched reads of ``StripeGateway``."""

    def __init__(self, gateway: StripeGateway) -> None:
        super().__init__(gateway.client, gateway.catalog)
        self.gateway = gateway

    def find_customers(self, *, email: str | None = None,
                       customer_id: str | None = None) -> tuple[Customer, ...]:
        return self.gateway.find_customers(email=email, customer_id=customer_id)

    def snapshot(self, customer_ids: Sequence[str], *,
                 meanwhile: Callable[[], object] | None = None) -> PortalSnapshot:
        return self.gateway.snapshot(customer_ids, meanwhile=meanwhile)

    def invoices(self, customer_ids: Sequence[str], *, subscriptions_only: bool = False,
                 ) -> list[Invoice]:
        return self.gateway.invoices(customer_ids, subscriptions_only=subscriptions_only)

    def invoice_page(self, positions: Mapping[str, str], *, subscriptions_only: bool,
                     ) -> tuple[list[Invoice], str | None]:
        return history.invoice_page(self.gateway, positions,
                                    subscriptions_only=subscriptions_only)

    def canceled_page(self, positions: Mapping[str, str],
                      ) -> tuple[list[Subscription], list[Subscription], str | None]:
        return history.canceled_page(self.gateway, positions)

    def catalog_prices(self) -> tuple[Price, ...]:
        return self.catalog.prices()

    def products(self, product_ids: Collection[str]) -> dict[str, Product]:
        return self.catalog.products(product_ids)

    def product_features(self, product_ids: Collection[str],
                         ) -> dict[str, tuple[Feature, ...]]:
        return self.catalog.product_features(
            product_ids, lambda missing: fetch_product_features(self.gateway, missing))

    def tax_id_types(self) -> frozenset[str]:
        return stripe_tax_id_types()

    def usage(self, customer_ids: Sequence[str]) -> UsageOverview:
        return usage_overview(self.gateway, customer_ids, self.catalog.prices)

    def credit(self, customer_ids: Sequence[str]) -> tuple[CustomerCredit, ...]:
        return credit_overview(self.gateway, customer_ids)

    def clock_time(self, test_clock_id: str) -> int | None:
        """A test clock's frozen time (None: the clock is gone); see billing/test_clocks.py."""
        return test_clocks.frozen_time(self.client, test_clock_id)


@dataclass(frozen=True)
class BillingConfig:
    """Everything the Stripe build needs, passed in by whoever builds it (the app factory)."""

    api_base: str | None = None  # another Stripe API address (the sandbox); Stripe by default
    timeout: float = 20.0
    max_retries: int = 2
    catalog_ttl_seconds: float = 300.0
    catalog_max_accounts: int = CATALOG_MAX_ENTRIES
    redis_url: str | None = None  # the catalog cache is shared through Redis when set
    invoice_limit: int = INVOICE_LIMIT
    executor_workers: int = EXECUTOR_WORKERS
    http_client: Callable[[float], stripe.HTTPClient] = field(default=pooled_client)
    view_cache_size: int = 2000  # view snapshots kept in memory (without Redis)
    view_cache_seconds: float = 900.0  # a snapshot's lifetime if no webhook ever comes
    # Without Redis: the generation tokens every process shares (the web layer gives one on
    # the SQL database); None keeps them in this process only (one process, tests).
    view_tokens: TokenStore | None = None


class StripeBillingFactory:
    """Per process: the Stripe clients (one per key), the catalog cache, the view snapshots
    and the read pool."""

    def __init__(self, config: BillingConfig) -> None:
        self.config = config
        self.clients = ClientRegistry(api_base=config.api_base, timeout=config.timeout,
                                      max_retries=config.max_retries,
                                      http_client=config.http_client)
        self.catalog_store: CatalogStore = make_store(config.redis_url,
                                                     config.catalog_max_accounts)
        self.views = ViewSnapshots(make_view_store(config.redis_url, config.view_cache_size,
                                                   config.view_tokens),
                                   config.view_cache_seconds)
        self.executor: Executor = ThreadPoolExecutor(max_workers=config.executor_workers,
                                                     thread_name_prefix="stripe")

    def catalog(self, stripe_key: str) -> Catalog:
        return Catalog(self.clients.client_for(stripe_key), self.catalog_store,
                       cache_key=cache_key_for(stripe_key),
                       ttl_seconds=self.config.catalog_ttl_seconds)

    def forget_product_features(self, stripe_key: str) -> None:
        """Product features may have changed (an entitlement summary webhook): list them again."""
        self.catalog(stripe_key).forget_features()

    def forget_catalog(self, stripe_key: str) -> None:
        """The next read of this Stripe account's catalog fetches it again."""
        self.catalog_store.forget(cache_key_for(stripe_key))

    def gateway(self, stripe_key: str) -> StripeGateway:
        return StripeGateway(self.clients.client_for(stripe_key), self.catalog(stripe_key),
                             executor=self.executor, invoice_limit=self.config.invoice_limit)

    def writer(self, stripe_key: str) -> StripeWriter:
        return StripeWriter(self.clients.client_for(stripe_key), self.catalog(stripe_key))

    def service(self, stripe_key: str) -> BillingService:
        """The billing of the account using this Stripe key."""
        return StripeBilling(self.gateway(stripe_key))
