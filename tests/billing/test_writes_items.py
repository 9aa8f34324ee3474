"""The writer sees every item of a subscription, not only the embedded first page.

Schedule phases and resubscribe copy the whole item list: an item left off would be dropped.
"""

from __future__ import annotations

from collections.abc import Collection
from types import SimpleNamespace
from typing import Any

import pytest
import stripe

from widget_server.billing.domain import Product
from widget_server.billing.writes import StripeWriter


def _item(n: int) -> dict[str, Any]:
    return {"id": f"si_{n}", "object": "subscription_item", "quantity": 1,
            "current_period_start": 100, "current_period_end": 200,
            "price": {"id": f"price_{n}", "object": "price", "currency": "usd",
                      "unit_amount": 500, "active": True, "product": f"prod_{n}",
                      "recurring": {"interval": "month", "interval_count": 1}}}


def _list(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more,
            "url": "/v1/subscription_items"}


class _Catalog:
    def __init__(self) -> None:
        self.asked: set[str] = set()

    def products(self, ids: Collection[str]) -> dict[str, Product]:
        self.asked |= set(ids)
        return {pid: Product(id=pid, name=pid.upper()) for pid in ids}


@pytest.mark.parametrize("listed", [[1, 2, 3], [3, 2, 1]], ids=["oldest first", "newest first"])
def test_a_subscription_longer_than_its_embedded_page_keeps_every_item(listed: list[int]
                                                                       ) -> None:
    """Whatever order the list endpoint uses, no item is skipped or repeated, and the
    embedded ones keep their order (the first item is the plan when no roles are set)."""
    sub = stripe.Subscription.construct_from({
        "id": "sub_big", "object": "subscription", "customer": "cus_1", "status": "active",
        "currency": "usd", "created": 1, "items": _list([_item(1), _item(2)], has_more=True),
    }, "sk_test_x")
    every = stripe.ListObject.construct_from(
        _list([_item(n) for n in listed], has_more=False), "sk_test_x")
    asked: list[dict[str, Any]] = []

    def list_items(params: dict[str, Any]) -> Any:
        asked.append(params)
        return every

    v1 = SimpleNamespace(
        subscriptions=SimpleNamespace(retrieve=lambda _id, _params: sub),
        subscription_items=SimpleNamespace(list=list_items))
    catalog = _Catalog()
    writer = StripeWriter(SimpleNamespace(v1=v1), catalog)  # type: ignore[arg-type]

    found = writer.subscription("sub_big")

    assert found is not None
    assert [i.id for i in found.items] == ["si_1", "si_2", "si_3"]
    assert [i.price.product.name for i in found.items] == ["PROD_1", "PROD_2", "PROD_3"]
    assert catalog.asked == {"prod_1", "prod_2", "prod_3"}
    assert asked == [{"subscription": "sub_big", "limit": 100}]
