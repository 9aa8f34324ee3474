"""The interval change in `stripe check`: ``proration_date`` with ``billing_cycle_anchor=now``.

A change of interval (monthly to yearly) sends both, in the preview
(``invoices.create_preview``) and in the update (``subscriptions.update``), built by
``billing.changes.ItemChangePlan``. Stripe's descriptions of the two parameters do not say the
pair is refused, nor which moment prorates a cycle reset; this step asks Stripe itself, with
the production writer: the preview and the update are both accepted, the credit for the unused
time is taken at the ``proration_date`` sent (its line starts there, as the preview's lines are
matched to the change by that date), and the invoice the update creates totals what the
preview showed. The proration date is the start of the period, at least two seconds before
the request (the step waits that long at most), so a Stripe that prorated at the request time
instead would fail the check.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from widget_server.billing.changes import ItemChangePlan
from widget_server.billing.contract_steps import (
    Step,
    archiver,
    current_subscription,
    expect,
    require,
)

if TYPE_CHECKING:
    from widget_server.billing.contract import ContractCheck

SEPARATION = 2.0  # seconds between the proration date and the request


def setup_yearly_price(c: ContractCheck) -> None:
    price = c.client.v1.prices.create({
        "product": c.state["product"], "currency": "usd", "unit_amount": 20000,
        "recurring": {"interval": "year"}, "metadata": c.mark})
    c.on_cleanup("archive yearly price", archiver(c, price.id))
    c.state["yearly_price"] = price.id


def write_interval_change(c: ContractCheck) -> None:
    sub = current_subscription(c)
    item = sub.items[0]
    time.sleep(min(SEPARATION, max(0.0, item.current_period_start + SEPARATION - time.time())))
    plan = ItemChangePlan(subscription=sub, item=item, price_id=c.state["yearly_price"],
                          quantity=1, at_period_end=False,
                          proration_date=item.current_period_start, restarts_cycle=True)
    preview = c.writer.preview_change(plan)
    credits = [line for line in preview.lines if line.kind == "credit"]
    expect(len(credits) == 1 and credits[0].this_change,
            "the preview's credit is not taken at the proration date")
    expect(any(line.kind == "period" for line in preview.lines),
            "the preview does not charge a new period")
    changed = c.writer.change_now(plan)
    expect(changed.pending_update_expires_at is None, "the interval change was not paid")
    expect(changed.items[0].price.id == c.state["yearly_price"],
            "the interval change was not applied")
    invoice = require(c.writer.invoice(require(changed.latest_invoice_id, "invoice id")),
                       "invoice")
    expect((invoice.total, invoice.amount_due) == (preview.total, preview.amount_due),
            f"charged {invoice.total}, the preview showed {preview.total}")


INTERVAL_STEPS: list[Step] = [
    ("setup: yearly price", setup_yearly_price),
    ("preview_change, change_now (interval change)", write_interval_change),
]
