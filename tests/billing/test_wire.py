"""The pruned decode of subscription pages (``wire``) loses nothing the portal reads.

Three guards: every key the view, "show more" of canceled subscriptions and item pages read
at a pruned position is listed (a recorder fails on any other); the pruned and the full
decode convert to equal subscriptions for every seeded customer; and every listed key is a
field of stripe-python's resource of that shape.
"""

from __future__ import annotations

import logging
import typing
from typing import Any

import orjson
import pytest
import stripe
from flask import Flask

from tests.billing.conftest import STRIPE_KEY
from widget_server.billing import convert_json, history, sdk_json, wire
from widget_server.billing.gateway import SUBSCRIPTION_EXPAND, StripeGateway
from widget_server.billing.paging import first_positions
from widget_server.billing_web import registry
from widget_server.sandbox.seed import DEMO_CUSTOMERS

SEEDED_IDS = [c["id"] for c in DEMO_CUSTOMERS]
PARAMS = {"status": "all", "limit": 100, "expand": SUBSCRIPTION_EXPAND}
# each pruned shape and the stripe-python resource it is a part of
RESOURCES: dict[Any, type] = {
    wire.SubscriptionPage: stripe.ListObject,
    wire.ItemList: stripe.ListObject, wire.InvoiceLineList: stripe.ListObject,
    wire.Subscription: stripe.Subscription, wire.SubscriptionItem: stripe.SubscriptionItem,
    wire.Price: stripe.Price, wire.Invoice: stripe.Invoice,
    wire.InvoiceLine: stripe.InvoiceLineItem,
}


@pytest.fixture
def client(app: Flask) -> stripe.StripeClient:
    return registry(app).client_for(STRIPE_KEY)


def page_body(client: stripe.StripeClient, customer_id: str) -> str:
    body: str = client.raw_request("get", "/v1/subscriptions", customer=customer_id,
                                   **PARAMS).body
    return body


class Recorder(dict[str, Any]):
    """A JSON object at a pruned position: reading a key its shape does not list, testing for
    one, or walking its keys (which would see only the listed ones) is recorded."""

    def __init__(self, data: dict[str, Any], shape: Any, misses: set[str]) -> None:
        hints = typing.get_type_hints(shape)
        super().__init__({k: wrap(v, hints[k], misses) if k in hints else v
                          for k, v in data.items()})
        self._listed, self._shape, self._misses = set(hints), shape.__name__, misses

    def __getitem__(self, key: str) -> Any:
        self._check(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._check(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._check(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Any:
        self._misses.add(f"{self._shape}: its keys walked")
        return super().__iter__()

    def keys(self) -> Any:
        self._misses.add(f"{self._shape}: its keys walked")
        return super().keys()

    def items(self) -> Any:
        self._misses.add(f"{self._shape}: its keys walked")
        return super().items()

    def _check(self, key: str) -> None:
        if key not in self._listed:
            self._misses.add(f"{self._shape}.{key}")


def wrap(value: Any, hint: Any, misses: set[str]) -> Any:
    """`value` (fully parsed) with a Recorder at every position `hint` prunes."""
    if isinstance(value, list) and typing.get_origin(hint) is list:
        (inner,) = typing.get_args(hint)
        return [wrap(v, inner, misses) for v in value]
    if isinstance(value, dict):
        shapes = [hint, *typing.get_args(hint)]
        shape = next((s for s in shapes if typing.is_typeddict(s)), None)
        if shape is not None:
            return Recorder(value, shape, misses)
    return value


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], list[Any]]:
    """Every body read with a pruned shape is parsed in full and wrapped in Recorders
    instead: (the unlisted keys read, the shapes used)."""
    misses: set[str] = set()
    shapes: list[Any] = []
    full = sdk_json._parse

    def parse(body: bytes | str, decoder: wire.Decoder | None) -> object:
        if decoder is None:
            return full(body, None)
        shapes.append(decoder.type)
        return wrap(orjson.loads(body), decoder.type, misses)

    monkeypatch.setattr(sdk_json, "_parse", parse)
    return misses, shapes


@pytest.mark.parametrize("customer_id", SEEDED_IDS)
def test_the_view_and_its_history_read_only_listed_keys(
        gateway: StripeGateway, recorded: tuple[set[str], list[Any]], customer_id: str) -> None:
    misses, shapes = recorded
    snapshot = gateway.snapshot([customer_id])
    canceled, live, _next = history.canceled_page(gateway, first_positions([customer_id]))
    assert snapshot.subscriptions
    # the view's page, then "show more": the live list and the canceled page
    assert shapes.count(wire.SubscriptionPage) == 3
    assert all(s.status == "canceled" for s in canceled)
    assert {s.id for s in live} <= {s.id for s in snapshot.subscriptions}
    assert not misses, sorted(misses)


def test_a_canceled_subscription_in_show_more_reads_only_listed_keys(
        client: stripe.StripeClient, gateway: StripeGateway,
        recorded: tuple[set[str], list[Any]]) -> None:
    misses, _shapes = recorded
    (sub, *_rest) = client.v1.subscriptions.list({"customer": "cus_demo_ivan"}).data
    client.v1.subscriptions.cancel(sub.id)
    canceled, _live, _next = history.canceled_page(gateway, first_positions(["cus_demo_ivan"]))
    assert [s.id for s in canceled] == [sub.id] and canceled[0].status == "canceled"
    assert not misses, sorted(misses)


def test_an_item_list_longer_than_its_embedded_page_reads_only_listed_keys(
        client: stripe.StripeClient, gateway: StripeGateway,
        recorded: tuple[set[str], list[Any]]) -> None:
    """An embedded item list that says ``has_more`` is completed by listing the items
    (``wire.ItemList``): Farid's two items, as if the embedded list had held only the first."""
    misses, shapes = recorded
    full = orjson.loads(page_body(client, "cus_demo_farid"))["data"][0]
    embedded = full["items"]["data"]
    assert len(embedded) == 2
    cut = {**full, "items": {**full["items"], "data": embedded[:1], "has_more": True}}
    items = gateway.all_items_json(wrap(cut, wire.Subscription, misses))
    assert [i["id"] for i in items] == [i["id"] for i in embedded]
    assert (convert_json.subscription_from_json(cut, items=items)
            == convert_json.subscription_from_json(full))
    assert shapes == [wire.ItemList] and not misses, sorted(misses)


@pytest.mark.parametrize("customer_id", SEEDED_IDS)
def test_pruned_and_full_pages_convert_alike(client: stripe.StripeClient,
                                             customer_id: str) -> None:
    body = page_body(client, customer_id)
    full, pruned = orjson.loads(body), wire.SUBSCRIPTIONS.decode(body)
    assert [s["id"] for s in pruned["data"]] == [s["id"] for s in full["data"]]
    assert pruned["has_more"] == full["has_more"]
    for a, b in zip(full["data"], pruned["data"], strict=True):
        assert convert_json.subscription_from_json(a) == convert_json.subscription_from_json(b)
        assert a.get("default_payment_method") == b.get("default_payment_method")


def test_the_pruned_page_leaves_out_what_no_view_reads(client: stripe.StripeClient) -> None:
    """The point of it: Carla's past-due page keeps her open invoice's amounts and secret,
    not its tax breakdown, nor each item's legacy plan copy of its price."""
    body = page_body(client, "cus_demo_carla")
    full, pruned = orjson.loads(body)["data"][0], wire.SUBSCRIPTIONS.decode(body)["data"][0]
    assert "automatic_tax" in full and "automatic_tax" not in pruned
    assert "plan" in full["items"]["data"][0] and "plan" not in pruned["items"]["data"][0]
    invoice = pruned["latest_invoice"]
    assert invoice["status"] == "open" and invoice["amount_remaining"] > 0
    assert "total_taxes" in full["latest_invoice"] and "total_taxes" not in invoice
    assert len(orjson.dumps(pruned)) < len(orjson.dumps(full)) / 2


@pytest.mark.parametrize("shape", list(RESOURCES))
def test_every_listed_key_is_a_stripe_field(shape: Any) -> None:
    resource = RESOURCES[shape]
    fields = {name for cls in resource.__mro__ for name in getattr(cls, "__annotations__", {})}
    assert set(typing.get_type_hints(shape)) <= fields


def misfit(n: int, items: object) -> bytes:
    return orjson.dumps({"object": "list", "has_more": False, "data": [
        {"id": f"sub_{i}", "items": {"data": []}} for i in range(n)] + [
        {"id": "sub_odd", "items": items}]})


def test_a_body_that_does_not_fit_is_parsed_in_full_and_said_once_per_place(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe changing a type costs CPU, not a view; the warning names the shape and the
    place once (at any position of the page), a different misfit is said again."""
    monkeypatch.setattr(sdk_json, "_misfits", set())
    bodies = [misfit(0, "not a list"), misfit(3, "not a list"), misfit(1, 7),
              misfit(2, {"data": "x"})]
    with caplog.at_level(logging.DEBUG, logger="widget_server.billing.sdk_json"):
        found = [sdk_json._parse(body, wire.SUBSCRIPTIONS) for body in bodies]
    assert found == [orjson.loads(body) for body in bodies]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings  # `$.data[].items` twice, then `$.data[].items.data`
    assert all("SubscriptionPage" in w and "parsed in full" in w for w in warnings)
    assert sum(r.levelno == logging.DEBUG for r in caplog.records) == 2


@pytest.mark.parametrize("body", [b"[]", b"null", b"42"])
def test_a_body_that_is_no_object_is_no_misfit(body: bytes, caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2xx that is not an object (a proxy's, say) goes to the SDK's error path as it would
    without the shape, and uses up no misfit warning."""
    monkeypatch.setattr(sdk_json, "_misfits", set())
    with caplog.at_level(logging.DEBUG, logger="widget_server.billing.sdk_json"):
        assert sdk_json._parse(body, wire.SUBSCRIPTIONS) == orjson.loads(body)
    assert not caplog.records and not sdk_json._misfits


@pytest.mark.parametrize("body", [b"{not json", b""])
def test_a_body_that_is_not_json_is_none_with_or_without_a_decoder(body: bytes) -> None:
    assert sdk_json._parse(body, wire.SUBSCRIPTIONS) is None
    assert sdk_json._parse(body, None) is None


def test_the_gateway_reads_subscription_pages_pruned(gateway: StripeGateway) -> None:
    found = gateway.subscriptions_json("cus_demo_carla")
    (sub, items), *_rest = found.subscriptions
    assert "plan" not in sub and "plan" not in items[0]
    assert sub["latest_invoice"]["status"] == "open"
