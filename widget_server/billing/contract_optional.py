"""The optional steps of `stripe check`: the calls of settings an account may turn on.

`show_entitlements` lists a product's features, `show_usage` reads a billing meter and its
event summaries, `show_credit` reads a customer's balance transactions, credit grants and a
credit balance summary. Each runs only when asked for (`--feature`, or an account with the
setting on), and only reads: through the production code (billing/entitlements.py,
billing/usage.py) on the check's own product and customer, and on an existing meter when the
account has one. What the account may not have (a meter, a credit grant) is probed with a
made-up id: Stripe checks the key's permission first, so "no such object" proves the
permission and a 403 names the one missing, as the required permissions are probed
(billing/key_check.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import stripe

from widget_server.billing import entitlements, usage

if TYPE_CHECKING:
    from widget_server.billing.contract import ContractCheck

OptionalStep = tuple[str, Callable[["ContractCheck"], None]]
MADE_UP_METER = "mtr_widget_server_check"
MADE_UP_GRANT = "credgr_widget_server_check"


def _made_up(c: ContractCheck, call: Callable[[], object]) -> None:
    """Call with a made-up id: "no such object" (resource_missing) is the expected answer."""
    c.expect_missing()
    try:
        call()
    except stripe.InvalidRequestError as exc:
        if exc.code != "resource_missing":
            raise
    finally:
        c.expect_missing(False)


def product_features(c: ContractCheck) -> None:
    found = entitlements.fetch_product_features(c.gateway, [c.state["product"]])
    c.state["features"] = found.get(c.state["product"], ())


def meter(c: ContractCheck) -> None:
    listed = c.client.v1.billing.meters.list({"limit": 1}).data
    if listed:  # read a real one, as the portal reads a metered price's meter
        c.state["meter"] = usage._meter(c.gateway, listed[0].id).id
    else:
        _made_up(c, lambda: c.client.v1.billing.meters.retrieve(MADE_UP_METER))


def meter_event_summaries(c: ContractCheck) -> None:
    end = int(time.time()) // usage.DAY * usage.DAY
    meter_id = c.state.get("meter")
    if meter_id:
        usage._history(c.gateway, meter_id, c.state["customer"], end)
    else:
        _made_up(c, lambda: usage._history(c.gateway, MADE_UP_METER, c.state["customer"], end))


def credit_reads(c: ContractCheck) -> None:
    """The customer, its balance transactions and credit grants (billing/usage.py)."""
    found = usage.credit_overview(c.gateway, [c.state["customer"]])
    c.state["credit_customers"] = [x.customer_id for x in found]


def credit_balance_summary(c: ContractCheck) -> None:
    _made_up(c, lambda: usage._grant_left(c.gateway, c.state["customer"], MADE_UP_GRANT))


OPTIONAL_STEPS: dict[str, list[OptionalStep]] = {
    "show_entitlements": [("show_entitlements: features", product_features)],
    "show_usage": [("show_usage: billing meter", meter),
                   ("show_usage: meter event summaries", meter_event_summaries)],
    "show_credit": [("show_credit: balance, grants", credit_reads),
                    ("show_credit: grant balance", credit_balance_summary)],
}
FEATURES = tuple(OPTIONAL_STEPS)
