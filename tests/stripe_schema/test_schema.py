"""What stripe_schema reads from the pinned stripe-python, and the shipped spec facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stripe

from widget_server.stripe_schema import params as sdk
from widget_server.stripe_schema.endpoints import endpoint_for, endpoints, match_path
from widget_server.stripe_schema.objects import (
    check_object,
    declared_fields,
    is_expandable,
    type_specific_fields,
)
from widget_server.stripe_schema.spec_facts import (
    FACTS_FILE,
    build,
    includable_fields,
    required_paths,
)

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
SPEC = REFERENCE / "stripe-openapi-spec3-2023-08-16.json"
FIXTURES = REFERENCE / "stripe-fixtures3.json"


def _walk(node: sdk.Shape, seen: set[type]) -> int:
    if isinstance(node, sdk.Hash):
        if node.cls in seen:
            return 0
        seen.add(node.cls)
        return 1 + sum(_walk(child, seen) for child in node.fields.values())
    if isinstance(node, sdk.ListOf):
        return _walk(node.item, seen)
    if isinstance(node, sdk.OneOf):
        return sum(_walk(option, seen) for option in node.options)
    return 0


def test_every_sdk_endpoint_and_its_params_are_read():
    table = endpoints()
    assert len(table) > 250
    seen: set[type] = set()
    for endpoint in table.values():
        if endpoint.params is not None:
            _walk(sdk.shape(endpoint.params), seen)
    assert len(seen) > 1000  # every nested TypedDict converted without error


def test_params_shapes():
    create = sdk.shape(endpoint_for("POST", "/v1/subscriptions/{x}").params).fields
    assert create["proration_behavior"] == sdk.Enum(
        ("always_invoice", "create_prorations", "none"))  # the open `| str` is dropped
    assert sdk.emptyable(create["discounts"]) and sdk.emptyable(create["metadata"])
    items = create["items"]
    assert isinstance(items, sdk.ListOf) and "price" in items.item.fields
    tax_ids = sdk.shape(endpoint_for("POST", "/v1/customers/{c}/tax_ids").params)
    assert tax_ids.required == {"type", "value"}


def test_concrete_paths_match_literal_segments_first():
    assert match_path("GET", "/v1/customers/search").service == "CustomerService.search"
    assert match_path("GET", "/v1/customers/cus_1").service == "CustomerService.retrieve"
    assert match_path("GET", "/v1/nothing/here") is None


def test_objects():
    fields = declared_fields(stripe.Subscription)
    assert is_expandable(fields["customer"]) and not is_expandable(fields["status"])
    assert "card" in type_specific_fields(stripe.PaymentMethod)
    report = check_object({"id": "txi_1", "object": "tax_id", "extra": 1}, stripe.TaxId)
    assert "extra" in report.undeclared and "created" in report.missing


def test_spec_facts():
    assert "customer" in required_paths("POST /v1/subscriptions")
    assert {"tax_ids", "sources"} <= includable_fields("customer")
    assert "invoice_settings" not in includable_fields("customer")  # always returned
    assert includable_fields("coupon") >= {"applies_to"}
    assert includable_fields("price") >= {"tiers"}


@pytest.mark.skipif(not (SPEC.exists() and FIXTURES.exists()),
                    reason="the reference spec is not beside the checkout")
def test_shipped_facts_are_what_the_reference_files_give():
    assert build(SPEC, FIXTURES) == json.loads(FACTS_FILE.read_text())
