"""Demo data for multi-currency prices: EUR and JPY options on the plans, and two customers
billed in them (Elena in EUR, Kenji in JPY). The add-on is priced in USD and EUR only, so a
JPY customer is not offered it."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.resources import catalog, customers, payment_methods
from widget_server.sandbox.resources import subscriptions as subs
from widget_server.sandbox.routing import ApiRequest
from widget_server.sandbox.store import Store

JSON = dict[str, Any]

# price id: (EUR in cents, JPY in yen; None = not offered in yen)
OPTIONS: dict[str, tuple[int, int | None]] = {
    "price_starter_monthly": (900, 1400),
    "price_starter_yearly": (9000, 14000),
    "price_pro_monthly": (2700, 4400),
    "price_pro_yearly": (27000, 44000),
    "price_team_monthly": (1400, 2300),
    "price_team_yearly": (14000, 23000),
    "price_support_monthly": (1800, None),
}
CUSTOMERS: list[JSON] = [
    {"id": "cus_demo_elena", "email": "elena@example.com", "name": "Elena Fischer",
     "description": "Billed in euros: Pro monthly in EUR (plans have EUR and JPY options)",
     "price": "price_pro_monthly", "currency": "eur"},
    {"id": "cus_demo_kenji", "email": "kenji@example.com", "name": "Kenji Sato",
     "description": "Billed in yen: Starter monthly in JPY (a zero-decimal currency)",
     "price": "price_starter_monthly", "currency": "jpy"},
]


def _call(store: Store, handler: Any, params: JSON, *args: str) -> JSON:
    result: JSON = handler(ApiRequest(store, params), *args)
    return result


def seed_currencies(store: Store) -> None:
    """Add the currency options (through the price update endpoint) and subscribe the two
    customers in their currencies (through the subscription create endpoint)."""
    for price_id, (eur, jpy) in OPTIONS.items():
        options: JSON = {"eur": {"unit_amount": eur, "tax_behavior": "inclusive"}}
        if jpy is not None:
            options["jpy"] = {"unit_amount": jpy, "tax_behavior": "inclusive"}
        _call(store, catalog.update_price, {"currency_options": options}, price_id)
    for spec in CUSTOMERS:
        store.insert("customer", customers.new_customer(store, spec["id"]))
        _call(store, customers.update_customer, {
            "email": spec["email"], "name": spec["name"], "description": spec["description"],
            "preferred_locales": ["de" if spec["currency"] == "eur" else "ja"]}, spec["id"])
        short = spec["id"].removeprefix("cus_demo_")
        store.reserved_ids.setdefault("pm_", []).append(f"pm_demo_{short}")
        _call(store, payment_methods.create_payment_method,
              {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                        "exp_year": 2030}})
        _call(store, payment_methods.attach_payment_method, {"customer": spec["id"]},
              f"pm_demo_{short}")
        _call(store, customers.update_customer,
              {"invoice_settings": {"default_payment_method": f"pm_demo_{short}"}}, spec["id"])
        store.reserved_ids.setdefault("sub_", []).append(f"sub_demo_{short}")
        _call(store, subs.create_subscription, {
            "customer": spec["id"], "currency": spec["currency"],
            "items": [{"price": spec["price"]}]})
