"""The plan catalog picker: which of the account's Stripe prices users may switch between.

Fed by the account's catalog through billing (active recurring prices of active products,
cached). The owner ticks the prices that are plans, marks products as add-ons, numbers their
order and ticks the billing intervals offered; the choice is saved into the settings the
portal already reads (``catalog_prices`` in order, ``catalog_addons``), so the portal works as
before. Every submitted id is checked on the server against the account's Stripe catalog: a
price that is not there, not recurring or archived is refused, by id, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from widget_server.billing.domain import Price
from widget_server.i18n import _, current_locale, format_money
from widget_server.portal.serialize import interval_display

MARKER = "plans_form"
MAX_ORDER = 9999
INTERVAL_ORDER = ("day", "week", "month", "year")


@dataclass
class PickerRow:
    """One product of the catalog with its recurring prices, as the picker shows it."""

    product_id: str
    name: str
    addon: bool
    addon_in_stripe: bool  # product metadata portal_role=addon: an add-on whatever is ticked
    prices: list[tuple[Price, bool, str]] = field(default_factory=list)  # price, chosen, order


@dataclass
class PickerView:
    rows: list[PickerRow]
    intervals: list[tuple[str, bool]]  # interval, offered
    error: str | None = None


@dataclass
class PickerChoice:
    """What the picker saves: the settings ``catalog_prices`` and ``catalog_addons``."""

    prices: list[str]
    addons: list[str]

    def settings(self) -> dict[str, Any]:
        return {"catalog_prices": self.prices, "catalog_addons": self.addons}


def interval_label(interval: str) -> str:
    labels = {"day": _("Daily"), "week": _("Weekly"), "month": _("Monthly"),
              "year": _("Yearly")}
    return labels.get(interval, interval)


def price_label(price: Price) -> str:
    """The price as the portal says it: amount and interval ("€9.00 every 3 months")."""
    amount = (format_money(price.unit_amount, price.currency, current_locale())
              if price.unit_amount is not None else "")
    return " ".join(part for part in (amount, interval_display(price) or "") if part)


def _intervals_of(prices: Sequence[Price]) -> list[str]:
    found = {p.interval for p in prices if p.interval}
    return sorted(found, key=lambda i: (INTERVAL_ORDER.index(i) if i in INTERVAL_ORDER else 9, i))


def picker_view(catalog: Sequence[Price], settings: Mapping[str, Any]) -> PickerView:
    """The picker showing these settings over this catalog."""
    chosen: list[str] = list(settings.get("catalog_prices") or [])
    addons = set(settings.get("catalog_addons") or [])
    rows: dict[str, PickerRow] = {}
    for price in catalog:
        product = price.product
        in_stripe = product.role == "addon"
        row = rows.setdefault(product.id, PickerRow(
            product.id, product.name, product.id in addons or in_stripe, in_stripe))
        order = str(chosen.index(price.id) + 1) if price.id in chosen else ""
        row.prices.append((price, price.id in chosen, order))
    offered = {p.interval for p in catalog if p.id in chosen} if chosen else None
    intervals = [(i, offered is None or i in offered) for i in _intervals_of(catalog)]
    return PickerView(list(rows.values()), intervals)


def parse_picker(
    form: MultiDict[str, str],
    catalog: Sequence[Price],
    lookup: Callable[[str], Price | None],
) -> tuple[PickerChoice, list[str]]:
    """The choice posted in `form`, checked against the account's Stripe catalog.

    Returns the choice and the errors (translated, each naming the price or product); a
    choice with errors must not be saved. `lookup` reads a price missing from the catalog,
    only to say why it is refused.
    """
    by_id = {p.id: p for p in catalog}
    products = {p.product.id for p in catalog}
    errors: list[str] = []
    intervals = set(form.getlist("plan_interval"))
    for interval in sorted(intervals - set(INTERVAL_ORDER)):
        errors.append(_("%(interval)s is not a billing interval.", interval=interval))
    picked: list[tuple[int, int, str]] = []
    for position, price_id in enumerate(dict.fromkeys(form.getlist("plan_price"))):
        price = by_id.get(price_id)
        if price is None:
            errors.append(_refusal(price_id, lookup))
            continue
        order = _order(form.get(f"plan_order.{price_id}", ""))
        if order is None:
            errors.append(_("Enter the order of %(price)s as a whole number from 1 to "
                            "%(max)s.", price=price_id, max=MAX_ORDER))
            continue
        if price.interval in intervals:
            picked.append((order, position, price_id))
    addons: list[str] = []
    for product_id in dict.fromkeys(form.getlist("addon_product")):
        if product_id not in products:
            errors.append(_("Product %(product)s is not in this account's Stripe catalog.",
                            product=product_id))
        else:
            addons.append(product_id)
    if form.getlist("plan_price") and not picked and not errors:
        errors.append(_("None of the chosen prices is billed at an offered interval: tick "
                        "the intervals to offer."))
    prices = [price_id for _order_, _position, price_id in sorted(picked)]
    return PickerChoice(prices, addons), errors


def _order(raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return MAX_ORDER + 1  # unnumbered prices follow the numbered ones, in catalog order
    if not text.isdigit() or not 1 <= int(text) <= MAX_ORDER:
        return None
    return int(text)


def _refusal(price_id: str, lookup: Callable[[str], Price | None]) -> str:
    found = lookup(price_id) if price_id.startswith("price_") and len(price_id) <= 255 else None
    if found is None:
        return _("Price %(price)s is not in this account's Stripe catalog.", price=price_id)
    if found.interval is None:
        return _("Price %(price)s is not recurring: only recurring prices can be plans.",
                 price=price_id)
    return _("Price %(price)s or its product is archived in Stripe.", price=price_id)
