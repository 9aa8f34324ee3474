"""The read side of the Stripe gateway: customers, a whole portal view, invoices.

One ``StripeGateway`` wraps one account's ``stripe.StripeClient`` and its cached catalog.
Calls that do not depend on each other run concurrently on a small shared thread pool
(StripeClient is thread-safe), so a portal view costs a fixed, small number of Stripe calls
whatever the number of subscriptions and items (see docs/gateway.md for the budget).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, Future
from typing import TypeVar
from urllib.parse import quote

import stripe

from widget_server.billing import convert, convert_json, paging, sdk_json, wire
from widget_server.billing.catalog import Catalog
from widget_server.billing.domain import (
    Customer,
    Invoice,
    PaymentMethod,
    PortalSnapshot,
    Price,
    Subscription,
    TaxId,
)
from widget_server.billing.errors import (
    CustomerNotFound,
    ResourceNotFound,
    is_missing,
    stripe_errors,
    translate_stripe_error,
)
from widget_server.billing.paging import JSON, CustomerSubscriptions, first_canceled_page
from widget_server.identity import ascii_lower, identifier_fits_field, same_email

log = logging.getLogger(__name__)
T = TypeVar("T")

# Four levels at most (Stripe's limit): item products come from the catalog instead.
SUBSCRIPTION_EXPAND = [
    "data.discounts.source.coupon",
    "data.discounts.promotion_code",
    "data.default_payment_method",
    "data.latest_invoice.confirmation_secret",  # the client secret Stripe.js confirms
    "data.schedule",  # a pending change (downgrade at period end) stays visible after reloads
]
SINGLE_SUBSCRIPTION_EXPAND = [e.removeprefix("data.") for e in SUBSCRIPTION_EXPAND]
# tax_ids is includable: Stripe returns the first 10 when asked with expand[]=tax_ids, which
# saves a tax_ids.list call per view (the rest are listed only when it says has_more)
CUSTOMER_EXPAND = ["invoice_settings.default_payment_method", "tax_ids"]
INVOICE_LIMIT = 24
SUBSCRIPTION_PAGE = 100  # one Stripe page of a customer's subscriptions, all statuses
CANCELED_PAGE = 5  # canceled subscriptions shown at first (then "show more")


def escape_search_value(value: str) -> str:
    """Quote a value for Stripe's search language: backslash and single quote are escaped."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


class StripeGateway:
    """Reads for one Stripe account; every Stripe error leaves as a ``BillingError``."""

    def __init__(
        self,
        client: stripe.StripeClient,
        catalog: Catalog,
        *,
        executor: Executor | None = None,
        invoice_limit: int = INVOICE_LIMIT,
    ) -> None:
        self.client = client
        self.catalog = catalog
        self._executor = executor
        self._invoice_limit = invoice_limit

    # --- customers -------------------------------------------------------------------------

    def find_customers(
        self, *, email: str | None = None, customer_id: str | None = None
    ) -> tuple[Customer, ...]:
        """The customers the identifier names exactly (DESIGN §5): by id byte-exact (deleted:
        none); by email, Stripe's stored email equal with ASCII-only case-insensitivity.

        ``customers.list(email=)`` is case-sensitive, and search is eventually consistent (a
        customer created a second ago is not found yet), so both run concurrently: list with the
        exact email (and the ASCII-lowercased one when it differs) plus search; whatever they
        return is then compared with ``identity.same_email``. No trimming, no Unicode folding.
        """
        if customer_id is not None:
            if not identifier_fits_field("customer_id", customer_id):
                return ()
            with stripe_errors():
                found = self._maybe_customer(customer_id, expand=[])
            return (found,) if found is not None and found.id == customer_id else ()
        if not email or not identifier_fits_field("email", email):
            return ()
        variants = list(dict.fromkeys([email, ascii_lower(email)]))
        futures: list[Future[list[stripe.Customer]]] = [
            *(self._submit(self._list_by_email, v) for v in variants),
            self._submit(self._search_by_email, email),
        ]
        unique: dict[str, Customer] = {}
        for raw in (c for f in futures for c in self._wait(f)):
            if convert.is_deleted(raw) or raw.id in unique:
                continue
            customer = convert.customer_from_stripe(raw)
            if same_email(customer.email, email):
                unique[customer.id] = customer
        return tuple(unique.values())

    def _tax_ids(self, customer_id: str) -> tuple[TaxId, ...]:
        try:
            page = self.client.v1.customers.tax_ids.list(customer_id, {"limit": 100})
        except stripe.InvalidRequestError as exc:
            if is_missing(exc):
                return ()
            raise
        return tuple(convert.tax_id_from_stripe(t) for t in page.data)

    def _with_all_tax_ids(self, raw: JSON) -> Customer:
        customer = convert_json.customer_from_json(raw)
        included = raw.get("tax_ids")
        if included is not None and included.get("has_more"):
            with stripe_errors():
                customer = dataclasses.replace(customer, tax_ids=self._tax_ids(customer.id))
        return customer

    def get_json(self, path: str, *, decoder: wire.Decoder | None = None,
                 **params: object) -> JSON:
        """One GET, its body parsed as JSON (Stripe errors raise as with the typed calls).

        Sent by the client's own requestor (its key, version, retries, telemetry, as
        ``raw_request`` does); a success is parsed by orjson rather than ``raw_request``'s
        ``json.loads`` with an ``OrderedDict`` hook (6 times the CPU on a large page). Any
        other status goes through the SDK's own interpretation, which raises its error.
        `decoder`: build only the keys it lists (``wire``)."""
        return sdk_json.get_json(self.client, path, params, decoder)

    def _customer_json(self, customer_id: str) -> JSON | None:
        try:
            found = self.get_json(f"/v1/customers/{quote(customer_id, safe='')}",
                              expand=CUSTOMER_EXPAND)
        except stripe.InvalidRequestError as exc:
            if is_missing(exc):
                return None
            raise
        return None if convert_json.is_deleted(found) else found

    def _maybe_customer(self, customer_id: str, expand: list[str]) -> Customer | None:
        raw = self._retrieve_customer(customer_id, expand)
        return convert.customer_from_stripe(raw) if raw is not None else None

    def _retrieve_customer(self, customer_id: str, expand: list[str]) -> stripe.Customer | None:
        try:
            found = self.client.v1.customers.retrieve(customer_id, {"expand": expand})
        except stripe.InvalidRequestError as exc:
            if is_missing(exc):
                return None
            raise
        return None if convert.is_deleted(found) else found

    def _list_by_email(self, email: str) -> list[stripe.Customer]:
        return list(self.client.v1.customers.list({"email": email, "limit": 100}).data)

    def _search_by_email(self, email: str) -> list[stripe.Customer]:
        query = f"email:'{escape_search_value(email)}'"
        try:
            return list(self.client.v1.customers.search({"query": query, "limit": 100}).data)
        except stripe.InvalidRequestError as exc:  # search unavailable (region, key): list only
            log.warning("customer search failed, using list results only: %s", exc.user_message)
            return []

    # --- the portal view -------------------------------------------------------------------

    def snapshot(self, customer_ids: Sequence[str], *,
                 meanwhile: Callable[[], object] | None = None) -> PortalSnapshot:
        """Everything a portal view shows for the token's customers.

        Calls, all concurrent: per customer one ``customers.retrieve`` (tax ids and the default
        payment method expanded) and one ``subscriptions.list``; the catalog when not cached;
        one ``products.list`` for products outside it; one ``payment_methods.list`` only when
        no default payment method is set anywhere. Both reads are parsed as JSON and converted
        by ``convert_json`` (no ``StripeObject``s: they cost 40 times the parse).

        The Stripe reads run in the pool; meanwhile the request's thread reads the catalog
        (a cache round trip when warm) and runs `meanwhile` (the caller's own round trip), so
        neither waits in line before the reads.
        """
        subs = [self._submit(self.subscriptions_json, c) for c in customer_ids]
        customers = [self._submit(self._customer_json, c) for c in customer_ids]
        try:
            prices = self._inline(self.catalog.prices)
        finally:
            if meanwhile is not None:
                meanwhile()
        raw_customers = [self._wait(f) for f in customers]
        per_customer = [self._wait(f) for f in subs]
        raw_subs = [s for c in per_customer for s in c.subscriptions]
        if not any(c is not None for c in raw_customers):
            raise CustomerNotFound()
        shown, positions = first_canceled_page(per_customer, CANCELED_PAGE)
        subscriptions = self.convert_subscriptions(shown)
        found = [c for c in raw_customers if c is not None]
        return PortalSnapshot(
            customers=tuple(self._with_all_tax_ids(c) for c in found),
            subscriptions=subscriptions,
            payment_method=self._payment_method(found, raw_subs),
            catalog=prices,
            canceled_next=paging.encode_cursor(positions),
        )

    def subscription(self, subscription_id: str, customer_ids: Collection[str]) -> Subscription:
        """One subscription, re-read; ResourceNotFound unless a token customer owns it."""
        with stripe_errors():
            try:
                raw = self.client.v1.subscriptions.retrieve(
                    subscription_id, {"expand": SINGLE_SUBSCRIPTION_EXPAND}
                )
            except stripe.InvalidRequestError as exc:
                if is_missing(exc):
                    raise ResourceNotFound() from exc
                raise
            if convert.expandable_id(raw.customer) not in customer_ids:
                raise ResourceNotFound()
            items = all_items(self.client, raw)
        products = self.catalog.products(convert.product_ids_of(items))
        return convert.subscription_from_stripe(raw, products, items)

    def catalog_prices(self) -> tuple[Price, ...]:
        return self.catalog.prices()

    def subscriptions_json(self, customer_id: str) -> CustomerSubscriptions:
        """The first page of all statuses (newest first); past it, only the live ones (a
        customer with more than a page of history then costs a second, bounded list)."""
        try:
            page = self.get_json("/v1/subscriptions", customer=customer_id, status="all",
                                 limit=SUBSCRIPTION_PAGE, expand=SUBSCRIPTION_EXPAND,
                                 decoder=wire.SUBSCRIPTIONS)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" and exc.param == "customer":
                return CustomerSubscriptions(customer_id, [])  # deleted since the token
            raise
        subs: list[JSON] = list(page["data"])
        more = bool(page.get("has_more"))
        if more:
            seen = {s["id"] for s in subs}
            subs += [s for s in self.list_json("/v1/subscriptions", customer=customer_id,
                                               expand=SUBSCRIPTION_EXPAND,
                                               decoder=wire.SUBSCRIPTIONS)
                     if s["id"] not in seen]
        return CustomerSubscriptions(customer_id, [(s, self.all_items_json(s)) for s in subs],
                                     more_history=more)

    def list_json(self, path: str, *, decoder: wire.Decoder | None = None,
                  **params: object) -> list[JSON]:
        """Every object of a Stripe list (auto-paged, 100 a page)."""
        found: list[JSON] = []
        while True:
            page = self.get_json(path, limit=100, decoder=decoder, **params)
            found.extend(page["data"])
            if not page.get("has_more") or not page["data"]:
                return found
            params["starting_after"] = page["data"][-1]["id"]

    def all_items_json(self, sub: JSON) -> list[JSON]:
        """Every item: the embedded page as it is, then the items it left out, as
        ``all_items`` (the list endpoint's order need not be the embedded one's)."""
        embedded = sub["items"]
        items: list[JSON] = list(embedded["data"])
        if not embedded.get("has_more"):
            return items
        seen = {i["id"] for i in items}
        listed = self.list_json("/v1/subscription_items", subscription=sub["id"],
                                decoder=wire.SUBSCRIPTION_ITEMS)
        return items + [i for i in listed if i["id"] not in seen]

    def convert_subscriptions(self, raw: list[tuple[JSON, list[JSON]]]
                               ) -> tuple[Subscription, ...]:
        wanted = convert_json.product_ids_of(i for _s, items in raw for i in items)
        products = self.catalog.products(wanted) if wanted else {}
        prices: dict[str, Price] = {}  # one answer: a price id is one price
        converted = [convert_json.subscription_from_json(s, products, items, prices)
                     for s, items in raw]
        converted.sort(key=lambda s: s.created, reverse=True)
        return tuple(converted)

    def _payment_method(self, customers: list[JSON],
                        raw_subs: list[tuple[JSON, list[JSON]]]) -> PaymentMethod | None:
        """The first customer's default, else a subscription's default, else its first card."""
        for customer in customers[:1]:
            found = convert_json.customer_default_payment_method(customer)
            if found is not None:
                return found
        for sub, _items in raw_subs:
            pm = sub.get("default_payment_method")
            if isinstance(pm, dict) and sub["status"] != "canceled":
                return convert_json.payment_method_from_json(pm)
        if not customers:
            return None
        with stripe_errors():
            page = self.client.v1.customers.payment_methods.list(
                customers[0]["id"], {"type": "card", "limit": 1}
            )
        return convert.payment_method_from_stripe(page.data[0]) if page.data else None

    # --- invoices --------------------------------------------------------------------------

    def invoices(
        self,
        customer_ids: Sequence[str],
        *,
        subscription_ids: Collection[str] | None = None,
        subscriptions_only: bool = False,
        limit: int | None = None,
    ) -> list[Invoice]:
        """Invoices of these customers, newest first, at most `limit` (default 24).

        `subscriptions_only`: only invoices of a subscription (an invoice listed for a customer
        can only belong to that customer's subscriptions), not one-off invoices;
        `subscription_ids`: only invoices of these subscriptions. One call per customer.
        Drafts are never shown: the customer cannot open them.
        """
        limit = limit or self._invoice_limit
        filtered = subscriptions_only or subscription_ids is not None
        page_size = 100 if filtered else min(100, limit)
        futures = [self._submit(self._raw_invoices, c, page_size) for c in customer_ids]
        found = [convert.invoice_from_stripe(i) for f in futures for i in self._wait(f)]
        found = [i for i in found if i.status != "draft"
                 and (not subscriptions_only or i.subscription_id is not None)
                 and (subscription_ids is None or i.subscription_id in subscription_ids)]
        found.sort(key=lambda i: i.created, reverse=True)
        return found[:limit]

    def open_invoice(self, customer_ids: Collection[str], subscription_id: str) -> Invoice | None:
        """The open (unpaid) invoice of a subscription, if a token customer owns it."""
        with stripe_errors():
            page = self.client.v1.invoices.list(
                {"subscription": subscription_id, "status": "open", "limit": 1}
            )
        for raw in page.data:
            invoice = convert.invoice_from_stripe(raw)
            if invoice.customer_id in customer_ids:
                return invoice
        return None

    def _raw_invoices(self, customer_id: str, page_size: int) -> list[stripe.Invoice]:
        try:
            return list(self.client.v1.invoices.list(
                {"customer": customer_id, "limit": page_size}).data)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing" and exc.param == "customer":
                return []
            raise

    # --- concurrency -----------------------------------------------------------------------

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        return self._submit(fn, *args)

    def wait(self, future: Future[T]) -> T:
        return self._wait(future)

    def _submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        if self._executor is not None:
            return self._executor.submit(fn, *args)
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    @staticmethod
    def _inline(fn: Callable[..., T], *args: object) -> T:
        """Run in the request's thread (while the pool works), errors as from ``_wait``."""
        try:
            return fn(*args)
        except stripe.StripeError as exc:
            raise translate_stripe_error(exc) from exc

    @staticmethod
    def _wait(future: Future[T]) -> T:
        """The result; a Stripe error raised in the pool leaves as a BillingError."""
        try:
            return future.result()
        except stripe.StripeError as exc:
            raise translate_stripe_error(exc) from exc


def all_items(client: stripe.StripeClient,
              sub: stripe.Subscription) -> list[stripe.SubscriptionItem]:
    """Every item: the embedded page (one page of them) in its order, then the items it left
    out, as listed. The first item is the plan when no roles are set (``rules.base_item``),
    so the embedded order is kept, and nothing assumes the list endpoint uses the same order
    (continuing it after the last embedded item would skip or repeat items if it did not)."""
    embedded = list(sub.items.data)
    if not sub.items.has_more:
        return embedded
    seen = {i.id for i in embedded}
    page = client.v1.subscription_items.list({"subscription": sub.id, "limit": 100})
    return embedded + [i for i in page.auto_paging_iter() if i.id not in seen]

