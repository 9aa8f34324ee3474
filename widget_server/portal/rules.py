"""What each subscription state allows: the one model the JSON, the UI and the server share.

``describe`` turns a subscription (with the customer's other subscriptions and the plans on
offer) into a ``SubscriptionView``: its state (one of ``STATE_KINDS``), the badge and tone to
show, the dates that matter, the actions the account's settings allow now, and, when no
action is left, a sentence saying why. The read path shows it (``GET /v1/portal``); every
action request enforces it again with ``require_action``, so a hidden button is never the only
guard, and a stale page or a second tab cannot do what the current state no longer allows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from widget_server.billing.domain import Price, Product, Subscription, SubscriptionItem
from widget_server.errors import Conflict, Forbidden
from widget_server.i18n import N_, _

# Stripe statuses a customer still pays for, or may still pay for: a second subscription to
# the same product next to one of these is a duplicate.
LIVE_STATUSES = frozenset({"active", "trialing", "past_due", "unpaid", "incomplete", "paused"})
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})
PAYABLE_STATUSES = frozenset({"past_due", "unpaid", "incomplete"})
CARD_STATUSES = frozenset({"past_due", "unpaid", "incomplete", "paused"})
INCOMPLETE_LIFETIME = 23 * 3600  # Stripe expires an unpaid incomplete subscription after 23 h

# kind -> (badge, tone). The tone picks the badge colour: success is only ever "all is well".
STATE_KINDS: dict[str, tuple[str, str]] = {
    "active": (N_("Active"), "success"),
    "trialing": (N_("Trial"), "info"),
    "past_due": (N_("Past due"), "danger"),
    "unpaid": (N_("Unpaid"), "danger"),
    "incomplete": (N_("Awaiting payment"), "warning"),
    "incomplete_expired": (N_("Expired"), "neutral"),
    "paused": (N_("Paused"), "warning"),
    "collection_paused": (N_("Payments paused"), "warning"),
    # not "ends soon": the end may be months away (the date line says when)
    "canceling": (N_("Set to cancel"), "warning"),
    "scheduled_change": (N_("Change scheduled"), "info"),
    "canceled": (N_("Canceled"), "neutral"),
}

DATE_LABELS: dict[str, str] = {
    "renews": N_("Renews on"),
    "trial_ends": N_("Trial ends on"),
    "ends": N_("Ends on"),
    "ended": N_("Ended on"),
    "changes": N_("Changes on"),
    "resumes": N_("Payments resume on"),
    "next_attempt": N_("Next payment attempt"),
    "pay_by": N_("Pay by"),
    "started": N_("Started on"),
}


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
    update_card: bool = False
    cancel_change: bool = False

    def as_dict(self) -> dict[str, bool]:
        # flat booleans: no need for asdict's recursive deep copy (twice per subscription
        # shown), nor for dataclasses.fields() on every call
        return {name: getattr(self, name) for name in ACTION_NAMES}

    def any(self) -> bool:
        return any(getattr(self, name) for name in ACTION_NAMES)


ACTION_NAMES = tuple(f.name for f in fields(Actions))


@dataclass(frozen=True)
class DateFact:
    kind: str  # a key of DATE_LABELS
    timestamp: int

    @property
    def label(self) -> str:
        return _(DATE_LABELS[self.kind])


@dataclass(frozen=True)
class SubscriptionView:
    kind: str
    actions: Actions
    dates: tuple[DateFact, ...]
    reason: str | None  # why there is no way forward (translated), when no action is allowed
    duplicate_of: str | None = None  # the live subscription a resubscribe would duplicate

    @property
    def badge(self) -> str:
        return _(STATE_KINDS[self.kind][0])

    @property
    def tone(self) -> str:
        return STATE_KINDS[self.kind][1]


def scheduled_to_cancel(sub: Subscription) -> bool:
    """Set to end later (at period end, or at a date) but not ended yet."""
    return sub.status not in ENDED_STATUSES and (sub.cancel_at_period_end
                                                  or sub.cancel_at is not None)


def has_open_invoice(sub: Subscription) -> bool:
    invoice = sub.latest_invoice
    return invoice is not None and invoice.status == "open" and invoice.amount_remaining > 0


def state_kind(sub: Subscription) -> str:
    """The one state the portal shows; the most urgent one wins."""
    if sub.status in ENDED_STATUSES or sub.status in ("incomplete", "unpaid", "past_due",
                                                       "paused"):
        return sub.status
    if scheduled_to_cancel(sub):
        return "canceling"
    if sub.pause_collection is not None:
        return "collection_paused"
    if sub.scheduled_change is not None:
        return "scheduled_change"
    return "trialing" if sub.status == "trialing" else "active"


def live_duplicate(sub: Subscription, others: Sequence[Subscription],
                   product_ids: frozenset[str] | None = None) -> Subscription | None:
    """Another live subscription of the customer to one of these products (default: `sub`'s)."""
    wanted = product_ids if product_ids is not None else sub.product_ids()
    holders = _live_holders(others)
    found = [(at, other) for product in wanted for at, other in holders.get(product, ())
             if other.id != sub.id]
    return min(found, key=lambda pair: pair[0])[1] if found else None


_LAST_INDEX = threading.local()  # per thread: the last `others` tuple indexed, and its index


def _live_holders(others: Sequence[Subscription],
                  ) -> dict[str, list[tuple[int, Subscription]]]:
    """Product id -> the live subscriptions of `others` holding it (with their position).

    A view asks for every item of every subscription against the same `others`: indexed once
    per tuple (immutable, like the frozen subscriptions in it), not rescanned per question,
    so 50 subscriptions cost 50 times one, not 2,500."""
    if isinstance(others, tuple):
        last = getattr(_LAST_INDEX, "entry", None)
        if last is not None and last[0] is others:
            return last[1]  # type: ignore[no-any-return]
    index: dict[str, list[tuple[int, Subscription]]] = {}
    for at, other in enumerate(others):
        if other.status in LIVE_STATUSES:
            for product in other.product_ids():
                index.setdefault(product, []).append((at, other))
    if isinstance(others, tuple):
        _LAST_INDEX.entry = (others, index)
    return index


def is_addon(product: Product, settings: Mapping[str, Any]) -> bool:
    """Add-ons: product metadata ``portal_role=addon`` or the owner's ``catalog_addons``."""
    return product.role == "addon" or product.id in (settings.get("catalog_addons") or ())


def base_item(sub: Subscription, settings: Mapping[str, Any]) -> SubscriptionItem | None:
    """The item that is the subscription's plan: the first item whose product is not an
    add-on. With no roles set every product counts as a plan, so the first item is the plan
    and the other items are treated as add-ons (a subscription has one plan)."""
    return next((i for i in sub.items if not is_addon(i.price.product, settings)), None)


def live_product_ids(sub: Subscription, others: Sequence[Subscription]) -> frozenset[str]:
    """Products the customer holds on another live subscription."""
    return frozenset(product for product, holders in _live_holders(others).items()
                     if any(other.id != sub.id for _at, other in holders))


def plan_options(sub: Subscription, item: SubscriptionItem, catalog: Sequence[Price],
                 settings: Mapping[str, Any],
                 others: Sequence[Subscription] = ()) -> list[Price]:
    """The prices `item` may switch to.

    Only the plan item (``base_item``) may move to another product, and only to a base plan;
    any other item (an add-on, or a second item when no roles are set) only to another price
    of its own product. Never a product another item of the subscription has (two plans, or
    two items of one product), never a product the customer holds on another live
    subscription (`others`: that would be a duplicate), never a price another item already
    has (Stripe refuses two items with one price), always the subscription's currency."""
    taken = {i.price.id for i in sub.items if i.id != item.id}
    elsewhere = {i.price.product.id for i in sub.items if i.id != item.id}
    holders = _live_holders(others)
    product = item.price.product
    base = base_item(sub, settings)
    movable = base is not None and base.id == item.id
    found = []
    for price in catalog:
        if price.currency != sub.currency or price.interval is None or price.id in taken:
            continue
        target = price.product.id
        if target != product.id and (not movable or is_addon(price.product, settings)):
            continue
        if target in elsewhere:
            continue
        held = holders.get(target)  # each live subscription once per product it holds:
        if held and (len(held) > 1 or held[0][1].id != sub.id):  # another one holds it
            continue
        found.append(price)
    return found


def _dates(sub: Subscription, kind: str) -> tuple[DateFact, ...]:
    facts: list[DateFact] = []
    invoice = sub.latest_invoice

    def add(name: str, value: int | None) -> None:
        if value:
            facts.append(DateFact(name, int(value)))

    if kind in ENDED_STATUSES:
        add("started", sub.created)
        add("ended", sub.ended_at or sub.canceled_at
            or (sub.created + INCOMPLETE_LIFETIME if kind == "incomplete_expired" else None))
    elif kind == "incomplete":
        add("pay_by", sub.created + INCOMPLETE_LIFETIME)
    elif kind in ("past_due", "unpaid"):
        attempt = invoice.next_payment_attempt if invoice is not None else None
        add("next_attempt", attempt if attempt and attempt > time.time() else None)
    elif kind == "trialing":
        add("trial_ends", sub.trial_end)
    elif kind == "collection_paused" and sub.pause_collection is not None:
        add("resumes", sub.pause_collection.resumes_at)
    elif kind == "scheduled_change" and sub.scheduled_change is not None:
        add("changes", sub.scheduled_change.starts_at)
    if scheduled_to_cancel(sub):
        add("ends", sub.cancel_at or sub.current_period_end)
    elif kind == "active" or (
            kind == "scheduled_change" and sub.scheduled_change is not None
            and sub.scheduled_change.starts_at != sub.current_period_end) or (
            kind == "trialing" and not sub.trial_end):
        add("renews", sub.current_period_end)
    return tuple(facts)


def _reason(kind: str, duplicate: Subscription | None) -> str:
    """Why a subscription offers nothing to do, in words (only asked when that is so)."""
    if duplicate is not None:
        return _("You already have a live subscription to this plan, so it cannot be "
                 "restarted here.")
    if kind in ENDED_STATUSES:
        return _("This subscription has ended. Contact us to start a new one.")
    if kind == "canceling":
        return _("This subscription will not renew. Contact us if you want to keep it.")
    if kind in PAYABLE_STATUSES or kind == "paused":
        return _("A payment is needed. Contact us to settle it.")
    if kind == "scheduled_change":
        return _("A change is scheduled for the end of this period. Contact us to change "
                 "it.")
    return _("There is nothing to change here. Contact us if you need help.")


def describe(
    settings: Mapping[str, Any],
    sub: Subscription,
    *,
    others: Sequence[Subscription] = (),
    catalog: Sequence[Price] | None = None,
    options: Mapping[str, Sequence[Price]] | None = None,
) -> SubscriptionView:
    """The state, dates and allowed actions of `sub`.

    `others`: the customer's other subscriptions (a resubscribe must not duplicate a live
    one); `catalog`: the prices on offer (None: any, for callers that check a price later);
    `options`: each item's ``plan_options`` when the caller has them already (by item id).
    """
    flag = settings.get

    def on(name: str) -> bool:
        return flag(name) is True

    kind = state_kind(sub)
    ended = sub.status in ENDED_STATUSES
    ending = scheduled_to_cancel(sub)
    paused = sub.pause_collection is not None
    scheduled = sub.scheduled_change is not None
    running = sub.status in ("active", "trialing") and not ending and not paused
    steady = running and not scheduled
    duplicate = live_duplicate(sub, others) if ended else None
    other_plans = catalog is None or any(
        p.id != i.price.id for i in sub.items
        for p in (options[i.id] if options is not None and i.id in options
                  else plan_options(sub, i, catalog, settings, others)))
    actions = Actions(
        change_plan=on("change_plan") and steady and other_plans,
        change_quantity=on("quantity") and steady
        and any(quantity_adjustable(item.price) for item in sub.items),
        cancel=on("cancellation") and not ended and not ending
        and sub.status in ("active", "trialing", "past_due", "unpaid", "paused"),
        resume=on("undo_cancel") and ending,
        resubscribe=on("resubscribe") and ended and duplicate is None,
        apply_coupon=on("coupons") and running and not sub.discounts,
        pause=on("pause") and sub.status == "active" and not paused and not ending
        and not scheduled,
        unpause=on("pause") and paused and not ended,
        pay_invoice=on("pay_failed_invoices") and sub.status in PAYABLE_STATUSES
        and has_open_invoice(sub),
        update_card=on("update_card") and sub.status in CARD_STATUSES,
        cancel_change=on("change_plan") and scheduled and not ended and not ending,
    )
    dates = _dates(sub, kind)
    reason = None if actions.any() else _reason(kind, duplicate)
    return SubscriptionView(kind=kind, actions=actions, dates=dates, reason=reason,
                            duplicate_of=duplicate.id if duplicate is not None else None)


def require_action(
    settings: Mapping[str, Any],
    sub: Subscription,
    action: str,
    *,
    others: Sequence[Subscription] = (),
    catalog: Sequence[Price] | None = None,
) -> None:
    """Refuse `action` unless the current state allows it.

    A resubscribe that would duplicate a live subscription is a 409 ``duplicate_subscription``
    (the page is stale: another tab or a retry already restarted it); anything else the state
    does not allow is a 403 ``action_not_allowed``.
    """
    view = describe(settings, sub, others=others, catalog=catalog)
    actions = view.actions.as_dict()
    if action not in actions:
        raise ValueError(f"unknown portal action {action!r}")
    if actions[action]:
        return
    if action == "resubscribe" and view.duplicate_of is not None:
        raise Conflict(_("You already have a live subscription to this plan. Reload the page "
                         "to see it."), code="duplicate_subscription")
    raise Forbidden(_("This action is not available for this subscription. Reload the page "
                      "to see what you can do now."), code="action_not_allowed")


def quantity_adjustable(price: Price) -> bool:
    """The product allows a quantity change and the price is licensed: Stripe refuses a
    quantity on a metered price (its usage is the quantity)."""
    return price.product.adjustable_quantity and not price.metered
