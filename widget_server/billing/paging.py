"""Pages over several customers' Stripe lists, newest first, with one opaque cursor.

A portal token may name several customers (one email, several Stripe customers), and Stripe
pages each list on its own (``starting_after``). A page here fetches one Stripe page per
customer that has more, merges them newest first, and shows `page_size`; the cursor records,
per customer, the last object consumed (shown, or skipped by the filter before the first one
not shown), so the next page continues each list exactly where this one stopped.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
START = ""  # a customer whose list has not been read yet


class InvalidCursor(ValueError):
    """A cursor that is not one of ours, or names a customer outside the token."""


def first_positions(customer_ids: Sequence[str]) -> dict[str, str]:
    return dict.fromkeys(customer_ids, START)


def encode_cursor(positions: Mapping[str, str]) -> str | None:
    """The cursor of these positions; None when every list is exhausted."""
    if not positions:
        return None
    raw = json.dumps(dict(positions), separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, customer_ids: Sequence[str]) -> dict[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor(cursor) from None
    if (not isinstance(found, dict) or not found
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in found.items())
            or not set(found) <= set(customer_ids)):
        raise InvalidCursor(cursor)
    return found


@dataclass(frozen=True)
class Fetched:
    """One Stripe page of one customer's list (newest first) and whether Stripe has more."""

    data: list[JSON]
    has_more: bool


def merge_page(
    fetched: Mapping[str, Fetched],
    *,
    keep: Callable[[JSON], bool],
    created: Callable[[JSON], int],
    page_size: int,
    positions: Mapping[str, str],
) -> tuple[list[JSON], dict[str, str]]:
    """The objects to show (newest first, at most `page_size`) and the positions after them
    (customers whose list is exhausted are left out)."""
    candidates = [(obj, cid) for cid, page in fetched.items() for obj in page.data if keep(obj)]
    # stable: objects created in the same second keep their list's own order
    candidates.sort(key=lambda pair: created(pair[0]), reverse=True)
    shown = candidates[:page_size]
    shown_ids = {obj["id"] for obj, _cid in shown}
    after: dict[str, str] = {}
    for cid, page in fetched.items():
        cut = next((n for n, obj in enumerate(page.data)
                    if keep(obj) and obj["id"] not in shown_ids), len(page.data))
        if cut < len(page.data) or page.has_more:
            after[cid] = page.data[cut - 1]["id"] if cut > 0 else positions.get(cid, START)
    return [obj for obj, _cid in shown], after


@dataclass(frozen=True)
class CustomerSubscriptions:
    """One customer's subscriptions as read for a view: (subscription, all its items) pairs,
    newest first; `more_history`: canceled ones exist past the page that was read."""

    customer_id: str
    subscriptions: list[tuple[JSON, list[JSON]]] = field(default_factory=list)
    more_history: bool = False


def first_canceled_page(per_customer: Sequence[CustomerSubscriptions], size: int
                        ) -> tuple[list[tuple[JSON, list[JSON]]], dict[str, str]]:
    """Every live subscription and the newest `size` canceled ones of each customer, and the
    positions where each customer's canceled list goes on (none when it ends here)."""
    shown: list[tuple[JSON, list[JSON]]] = []
    positions: dict[str, str] = {}
    for found in per_customer:
        canceled = [pair for pair in found.subscriptions if pair[0]["status"] == "canceled"]
        shown += [pair for pair in found.subscriptions if pair[0]["status"] != "canceled"]
        shown += canceled[:size]
        if len(canceled) > size or found.more_history:
            positions[found.customer_id] = canceled[:size][-1][0]["id"] if canceled else START
    return shown, positions
