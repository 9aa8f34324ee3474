"""Which actions a portal user may take on a subscription: the one place the rules live.

The read path shows them (``actions`` in ``GET /v1/portal``); the write path enforces them
again on every action request with ``require_action``, so a hidden button is never the only
guard.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from widget_server.billing.domain import Subscription
from widget_server.errors import Forbidden
from widget_server.i18n import _

LIVE_STATUSES = frozenset({"active", "trialing", "past_due"})
PAYABLE_STATUSES = frozenset({"past_due", "unpaid"})
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})


@dataclass(frozen=True)
class Actions:
    change_plan: bool = False
    change_quantity: bool = False
    cancel: bool = False
    resume: bool = False
    resubscribe: bool = False
    apply_coupon: bool = False
    pause: bool = False
    unpause: bool = False
    pay_invoice: bool = False

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)


def scheduled_to_cancel(sub: Subscription) -> bool:
    """Set to end later (at period end, or at a date) but not ended yet."""
    return sub.status not in ENDED_STATUSES and (sub.cancel_at_period_end
                                                  or sub.cancel_at is not None)


def has_open_invoice(sub: Subscription) -> bool:
    invoice = sub.latest_invoice
    return invoice is not None and invoice.status == "open" and invoice.amount_remaining > 0


def allowed_actions(
    settings: Mapping[str, Any],
    sub: Subscription,
    *,
    catalog_price_ids: Collection[str] | None = None,
) -> Actions:
    """The actions the account's settings allow for this subscription in its current state.

    `catalog_price_ids`: the prices users may switch to; when given, change_plan also needs one
    that the subscription does not already use. ``open invoice`` comes from the subscription's
    latest invoice (the gateway expands it).
    """
    live = sub.status in LIVE_STATUSES
    running = sub.status in {"active", "trialing"}
    paused = sub.pause_collection is not None
    ending = scheduled_to_cancel(sub)
    current = {item.price.id for item in sub.items}
    other_plans = catalog_price_ids is None or bool(set(catalog_price_ids) - current)
    return Actions(
        change_plan=bool(settings.get("change_plan")) and running and other_plans,
        change_quantity=bool(settings.get("quantity")) and running
        and any(item.price.product.adjustable_quantity for item in sub.items),
        cancel=bool(settings.get("cancellation")) and live and not ending,
        resume=bool(settings.get("undo_cancel")) and ending,
        resubscribe=bool(settings.get("resubscribe")) and sub.status == "canceled",
        apply_coupon=bool(settings.get("coupons")) and running and not sub.discounts,
        pause=bool(settings.get("pause")) and sub.status == "active" and not paused
        and not ending,
        unpause=bool(settings.get("pause")) and paused and sub.status not in ENDED_STATUSES,
        pay_invoice=bool(settings.get("pay_failed_invoices"))
        and sub.status in PAYABLE_STATUSES and has_open_invoice(sub),
    )


def require_action(
    settings: Mapping[str, Any],
    sub: Subscription,
    action: str,
    *,
    catalog_price_ids: Collection[str] | None = None,
) -> None:
    """Raise Forbidden (403, code ``action_not_allowed``) unless `action` is allowed now."""
    actions = allowed_actions(settings, sub, catalog_price_ids=catalog_price_ids).as_dict()
    if action not in actions:
        raise ValueError(f"unknown portal action {action!r}")
    if not actions[action]:
        raise Forbidden(_("This action is not available for this subscription."),
                        code="action_not_allowed")
