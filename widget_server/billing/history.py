"""A customer's history, a page at a time: invoices and canceled subscriptions.

What a page costs does not depend on how much history there is: one Stripe list call per
customer of the token (``limit`` = the page, ``starting_after`` = the cursor's position), all
concurrent, parsed as JSON; only what is shown is converted.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import stripe

from widget_server.billing import convert_json, wire
from widget_server.billing.domain import Invoice, Subscription
from widget_server.billing.gateway import CANCELED_PAGE, SUBSCRIPTION_EXPAND, StripeGateway
from widget_server.billing.paging import JSON, Fetched, encode_cursor, merge_page

INVOICE_PAGE = 12


def _page(gateway: StripeGateway, path: str, customer_id: str, position: str, size: int,
          decoder: wire.Decoder | None, **params: object) -> Fetched:
    if position:
        params["starting_after"] = position
    try:
        found = gateway.get_json(path, customer=customer_id, limit=size, decoder=decoder,
                                 **params)
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing" and exc.param == "customer":
            return Fetched([], False)  # deleted since the token was issued
        raise
    return Fetched(list(found["data"]), bool(found.get("has_more")))


def _fetch(gateway: StripeGateway, path: str, positions: Mapping[str, str], size: int,
           decoder: wire.Decoder | None = None, **params: object) -> dict[str, Fetched]:
    futures = {cid: gateway.submit(partial(_page, gateway, path, cid, pos, size, decoder,
                                           **params))
               for cid, pos in positions.items()}
    return {cid: gateway.wait(f) for cid, f in futures.items()}


def invoice_page(gateway: StripeGateway, positions: Mapping[str, str], *,
                 subscriptions_only: bool, size: int = INVOICE_PAGE,
                 ) -> tuple[list[Invoice], str | None]:
    """Up to `size` invoices, newest first, from where `positions` stopped; and the cursor of
    the next page (None at the end). Drafts are never shown (the customer cannot open them);
    `subscriptions_only` leaves out one-off invoices."""

    def keep(raw: JSON) -> bool:
        return raw.get("status") != "draft" and (
            not subscriptions_only or convert_json.invoice_subscription_id(raw) is not None)

    fetched = _fetch(gateway, "/v1/invoices", positions, size)
    shown, after = merge_page(fetched, keep=keep, created=lambda r: int(r["created"]),
                              page_size=size, positions=positions)
    return [convert_json.invoice_from_json(r) for r in shown], encode_cursor(after)


def canceled_page(gateway: StripeGateway, positions: Mapping[str, str], *,
                  size: int = CANCELED_PAGE,
                  ) -> tuple[list[Subscription], list[Subscription], str | None]:
    """Up to `size` canceled subscriptions after `positions`, the customers' live ones (what a
    resubscribe would duplicate), and the cursor of the next page."""
    # Stripe's default status filter: every subscription but the canceled ones
    live = [gateway.submit(partial(gateway.list_json, "/v1/subscriptions", customer=cid,
                                   expand=SUBSCRIPTION_EXPAND, decoder=wire.SUBSCRIPTIONS))
            for cid in positions]
    fetched = _fetch(gateway, "/v1/subscriptions", positions, size, status="canceled",
                     expand=SUBSCRIPTION_EXPAND, decoder=wire.SUBSCRIPTIONS)
    shown, after = merge_page(fetched, keep=lambda r: True, created=lambda r: int(r["created"]),
                              page_size=size, positions=positions)
    live_subs = [(s, gateway.all_items_json(s)) for f in live for s in gateway.wait(f)]
    canceled = gateway.convert_subscriptions(
        [(s, gateway.all_items_json(s)) for s in shown])
    return (list(canceled), list(gateway.convert_subscriptions(live_subs)),
            encode_cursor(after))
