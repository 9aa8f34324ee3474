"""Fidelity-walk scenarios (see test_fidelity.py) for meters, meter events and summaries,
customer balance transactions, credit grants and the credit balance summary."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

Call = tuple[str, dict[str, Any]]
DAY = 86400


def _meter(api: Any) -> str:
    return str(api.ok("POST", "/billing/meters", {
        "display_name": "Walk", "event_name": "walk_" + secrets.token_hex(4),
        "default_aggregation": {"formula": "sum"}})["id"])


def _inactive_meter(api: Any) -> str:
    meter = _meter(api)
    api.ok("POST", f"/billing/meters/{meter}/deactivate")
    return meter


def _event(api: Any) -> Call:
    meter = api.ok("GET", "/billing/meters/mtr_demo_api_calls")
    return ("/billing/meter_events", {"event_name": meter["event_name"],
                                      "payload": {"stripe_customer_id": "cus_demo_ana",
                                                  "value": "3"}})


def _summaries(api: Any) -> Call:
    now = int(api.ok("POST", "/invoices/create_preview",
                     {"subscription": "sub_demo_olga"})["created"])
    end = now // DAY * DAY + DAY
    return ("/billing/meters/mtr_demo_api_calls/event_summaries", {
        "customer": "cus_demo_olga", "start_time": end - 7 * DAY, "end_time": end,
        "value_grouping_window": "day"})


def _txn(api: Any) -> str:
    return str(api.ok("POST", "/customers/cus_demo_ana/balance_transactions",
                      {"amount": -100, "currency": "usd"})["id"])


def _grant_params() -> dict[str, Any]:
    return {"customer": "cus_demo_ana", "amount": {"type": "monetary", "monetary": {
        "currency": "usd", "value": 700}},
        "applicability_config": {"scope": {"price_type": "metered"}}, "name": "Walk"}


def _grant(api: Any) -> str:
    return str(api.ok("POST", "/billing/credit_grants", _grant_params())["id"])


USAGE_SCENARIOS: dict[str, Callable[[Any], Call]] = {
    "POST /billing/meters": lambda a: ("/billing/meters", {
        "display_name": "Walk", "event_name": "walk_" + secrets.token_hex(4),
        "default_aggregation": {"formula": "count"},
        "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
        "value_settings": {"event_payload_key": "value"}}),
    "GET /billing/meters/<meter_id>": lambda a: ("/billing/meters/mtr_demo_api_calls", {}),
    "GET /billing/meters": lambda a: ("/billing/meters", {"status": "active", "limit": 2}),
    "POST /billing/meters/<meter_id>/deactivate": lambda a: (
        f"/billing/meters/{_meter(a)}/deactivate", {}),
    "POST /billing/meters/<meter_id>/reactivate": lambda a: (
        f"/billing/meters/{_inactive_meter(a)}/reactivate", {}),
    "POST /billing/meter_events": _event,
    "GET /billing/meters/<meter_id>/event_summaries": _summaries,
    "POST /customers/<customer_id>/balance_transactions": lambda a: (
        "/customers/cus_demo_ana/balance_transactions",
        {"amount": -250, "currency": "usd", "description": "Goodwill", "metadata": {"a": "b"}}),
    "GET /customers/<customer_id>/balance_transactions": lambda a: (
        "/customers/cus_demo_olga/balance_transactions", {"limit": 3}),
    "GET /customers/<customer_id>/balance_transactions/<txn_id>": lambda a: (
        f"/customers/cus_demo_ana/balance_transactions/{_txn(a)}", {}),
    "POST /billing/credit_grants": lambda a: ("/billing/credit_grants", _grant_params()),
    "GET /billing/credit_grants/<grant_id>": lambda a: (
        f"/billing/credit_grants/{_grant(a)}", {}),
    "GET /billing/credit_grants": lambda a: ("/billing/credit_grants",
                                            {"customer": "cus_demo_olga"}),
    "GET /billing/credit_balance_summary": lambda a: ("/billing/credit_balance_summary", {
        "customer": "cus_demo_olga", "filter": {
            "type": "applicability_scope", "applicability_scope": {"price_type": "metered"}}}),
}
