"""Deterministic demo data: a catalog, coupons and promotion codes, and customers in every
subscription state, built by replaying history through the API handlers and the clock."""

from __future__ import annotations

from typing import Any

from widget_server.sandbox import lifecycle
from widget_server.sandbox.resources import (
    catalog,
    coupons,
    customers,
    payment_methods,
    schedules,
)
from widget_server.sandbox.resources import subscription_updates as updates
from widget_server.sandbox.resources import subscriptions as subs
from widget_server.sandbox.routing import ApiRequest
from widget_server.sandbox.seed_currencies import seed_currencies
from widget_server.sandbox.seed_entitlements import seed_entitlements
from widget_server.sandbox.seed_usage import CUSTOMER as USAGE_CUSTOMER
from widget_server.sandbox.seed_usage import seed_usage
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
DAY = 86400
HISTORY_DAYS = 100

DEMO_CUSTOMERS: list[JSON] = [
    {"id": "cus_demo_ana", "email": "ana@example.com", "name": "Ana Souza",
     "description": "Active Pro monthly (single item), Visa 4242, EU VAT id, paid invoices"},
    {"id": "cus_demo_ben", "email": "ben@example.com", "name": "Ben Okafor",
     "description": "Trialing Pro monthly (trial ends in 10 days), Mastercard"},
    {"id": "cus_demo_carla", "email": "carla@example.com", "name": "Carla Rossi",
     "description": "Past due Starter monthly: open invoice, card 0341 that fails to charge"},
    {"id": "cus_demo_dan", "email": "dan@example.com", "name": "Dan Kim",
     "description": "Canceled Pro monthly (feedback: too_expensive)"},
    {"id": "cus_demo_eve", "email": "eve@example.com", "name": "Eve Martin",
     "description": "Active Pro yearly, set to cancel at period end"},
    {"id": "cus_demo_farid", "email": "farid@example.com", "name": "Farid Haddad",
     "description": "Multi-item: Pro monthly + Priority support add-on"},
    {"id": "cus_demo_grace", "email": "grace@example.com", "name": "Grace Hopper",
     "description": "Team monthly with 5 seats (quantity > 1)"},
    {"id": "cus_demo_hana", "email": "hana@example.com", "name": "Hana Suzuki",
     "description": "Starter monthly with the WELCOME20 discount (20% for 3 months)"},
    {"id": "cus_demo_mixed", "email": "Mixed.Case@Example.com", "name": "Max Mixed",
     "description": "Mixed-case email; active Starter yearly"},
    {"id": "cus_demo_ivan", "email": "ivan@example.com", "name": "Ivan Petrov",
     "description": "Two subscriptions: Pro monthly and Team yearly with 2 seats"},
    {"id": "cus_demo_kim", "email": "kim@example.com", "name": "Kim Lee",
     "description": "Incomplete: restarted an hour ago, the first payment was declined"},
    {"id": "cus_demo_lena", "email": "lena@example.com", "name": "Lena Novak",
     "description": "Incomplete expired: the first payment was never made"},
    {"id": "cus_demo_paul", "email": "paul@example.com", "name": "Paul Meyer",
     "description": "Active Starter monthly with payments paused until a date"},
    {"id": "cus_demo_sam", "email": "sam@example.com", "name": "Sam Carter",
     "description": "Pro yearly with a downgrade to Starter yearly scheduled at period end"},
    {"id": "cus_demo_uma", "email": "uma@example.com", "name": "Uma Rao",
     "description": "Past due: the renewal needs 3-D Secure (card 3184)"},
    USAGE_CUSTOMER,
]

_PRODUCTS = [
    ("prod_starter", "Starter", "For individuals getting started", None, {}),
    ("prod_pro", "Pro", "For professionals who need more", None, {}),
    ("prod_team", "Team", "Per-seat plan for teams", "seat",
     {"quantity_min": "1", "quantity_max": "50", "quantity_step": "1"}),
    ("prod_support", "Priority support", "Add-on: answers within 4 hours", None,
     {"portal_role": "addon"}),
    ("prod_onboarding", "Onboarding session", "One-off setup call", None, {}),
]
# id, product, amount, interval (None = one-off), nickname, lookup key
_PRICES = [
    ("price_starter_monthly", "prod_starter", 900, "month", "Starter monthly"),
    ("price_starter_yearly", "prod_starter", 9000, "year", "Starter yearly"),
    ("price_pro_monthly", "prod_pro", 2900, "month", "Pro monthly"),
    ("price_pro_yearly", "prod_pro", 29000, "year", "Pro yearly"),
    ("price_team_monthly", "prod_team", 1500, "month", "Team monthly (per seat)"),
    ("price_team_yearly", "prod_team", 15000, "year", "Team yearly (per seat)"),
    ("price_support_monthly", "prod_support", 1900, "month", "Priority support monthly"),
    ("price_onboarding_once", "prod_onboarding", 49900, None, "Onboarding session"),
]


def _call(store: Store, handler: Any, params: JSON, *args: str) -> JSON:
    result: JSON = handler(ApiRequest(store, params), *args)
    return result


def _reserve(store: Store, prefix: str, object_id: str) -> None:
    store.reserved_ids.setdefault(prefix, []).append(object_id)


def _catalog(store: Store) -> None:
    for product_id, name, description, unit_label, metadata in _PRODUCTS:
        params: JSON = {"id": product_id, "name": name, "description": description,
                        "metadata": metadata}
        if unit_label:
            params["unit_label"] = unit_label
        _call(store, catalog.create_product, params)
    for price_id, product, amount, interval, nickname in _PRICES:
        _reserve(store, "price_", price_id)
        params = {"product": product, "unit_amount": amount, "currency": "usd",
                  "nickname": nickname, "lookup_key": price_id.removeprefix("price_")}
        if interval:
            params["recurring"] = {"interval": interval}
        _call(store, catalog.create_price, params)


def _coupons(store: Store, now: int) -> None:
    for params in (
        {"id": "welcome-20", "name": "Welcome 20%", "percent_off": 20, "duration": "repeating",
         "duration_in_months": 3},
        {"id": "summer-10", "name": "Summer 10%", "percent_off": 10, "duration": "once"},
        {"id": "vip-50", "name": "VIP 50%", "percent_off": 50, "duration": "forever"},
        {"id": "retention-50", "name": "Stay with us: 50% for 3 months", "percent_off": 50,
         "duration": "repeating", "duration_in_months": 3},
        {"id": "five-off", "name": "$5 off", "amount_off": 500, "currency": "usd",
         "duration": "once"},
    ):
        _call(store, coupons.create_coupon, params)
    for promo_id, code, coupon, extra in (
        ("promo_welcome20", "WELCOME20", "welcome-20", {}),
        ("promo_summer2025", "SUMMER2025", "summer-10", {"expires_at": now - 30 * DAY}),
        ("promo_vipben", "VIPBEN", "vip-50", {"customer": "cus_demo_ben"}),
        ("promo_stay50", "STAY50", "retention-50", {}),
        ("promo_oldcode", "OLDCODE", "five-off", {"active": False}),
        ("promo_firstorder", "FIRSTORDER", "five-off",
         {"restrictions": {"first_time_transaction": True}}),
    ):
        _reserve(store, "promo_", promo_id)
        _call(store, coupons.create_promotion_code,
              {"code": code, "promotion": {"type": "coupon", "coupon": coupon}, **extra})


def _customer(store: Store, spec: JSON, card: str, prefix: str) -> None:
    record = customers.new_customer(store, spec["id"])
    record["invoice_prefix"] = prefix
    store.insert("customer", record)
    _call(store, customers.update_customer,
          {"email": spec["email"], "name": spec["name"], "description": spec["description"]},
          spec["id"])
    _add_card(store, spec["id"], card, f"pm_demo_{spec['id'].removeprefix('cus_demo_')}")


def _add_card(store: Store, customer_id: str, number: str, pm_id: str) -> None:
    _reserve(store, "pm_", pm_id)
    _call(store, payment_methods.create_payment_method,
          {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030}})
    _call(store, payment_methods.attach_payment_method, {"customer": customer_id}, pm_id)
    _call(store, customers.update_customer,
          {"invoice_settings": {"default_payment_method": pm_id}}, customer_id)


def _subscribe(store: Store, sub_id: str, customer_id: str, items: list[JSON],
               **extra: Any) -> None:
    _reserve(store, "sub_", sub_id)
    _call(store, subs.create_subscription, {"customer": customer_id, "items": items, **extra})


def seed_store(store: Store) -> None:
    """Fill an empty store with the demo data; ends with the clock back at real time."""
    store.clock_offset = -HISTORY_DAYS * DAY
    _catalog(store)
    seed_entitlements(store)
    cards = {"ana": "4242424242424242", "ben": "5555555555554444",
             "carla": "4242424242424242", "dan": "4242424242424242",
             "eve": "4242424242424242", "farid": "5555555555554444",
             "grace": "4242424242424242", "hana": "4242424242424242",
             "mixed": "4242424242424242", "ivan": "4242424242424242",
             "kim": "4000000000000341", "lena": "4000000000000341", "paul": "4242424242424242",
             "sam": "4242424242424242", "uma": "4242424242424242",
             "olga": "4242424242424242"}
    for spec in DEMO_CUSTOMERS:
        short = spec["id"].removeprefix("cus_demo_")
        _customer(store, spec, cards[short], f"DEMO{short.upper()[:4]}")
    _coupons(store, store.now() + HISTORY_DAYS * DAY)
    _call(store, customers.update_customer, {
        "phone": "+49 30 1234567",
        "address": {"line1": "Invalidenstraße 1", "city": "Berlin", "postal_code": "10115",
                    "country": "DE"}}, "cus_demo_ana")
    _call(store, customers.create_tax_id, {"type": "eu_vat", "value": "DE123456789"},
          "cus_demo_ana")

    _subscribe(store, "sub_demo_ana", "cus_demo_ana", [{"price": "price_pro_monthly"}])
    _subscribe(store, "sub_demo_carla", "cus_demo_carla", [{"price": "price_starter_monthly"}])
    _subscribe(store, "sub_demo_dan", "cus_demo_dan", [{"price": "price_pro_monthly"}])
    _subscribe(store, "sub_demo_eve", "cus_demo_eve", [{"price": "price_pro_yearly"}])
    _subscribe(store, "sub_demo_farid", "cus_demo_farid",
               [{"price": "price_pro_monthly"}, {"price": "price_support_monthly"}])
    _subscribe(store, "sub_demo_grace", "cus_demo_grace",
               [{"price": "price_team_monthly", "quantity": 5}])
    _subscribe(store, "sub_demo_mixed", "cus_demo_mixed", [{"price": "price_starter_yearly"}])
    _subscribe(store, "sub_demo_ivan_pro", "cus_demo_ivan", [{"price": "price_pro_monthly"}])
    _subscribe(store, "sub_demo_ivan_team", "cus_demo_ivan",
               [{"price": "price_team_yearly", "quantity": 2}])
    seed_currencies(store)

    _subscribe(store, "sub_demo_sam", "cus_demo_sam", [{"price": "price_pro_yearly"}])
    _subscribe(store, "sub_demo_paul", "cus_demo_paul", [{"price": "price_starter_monthly"}])

    lifecycle.advance(store, 55 * DAY)  # 45 days ago
    _subscribe(store, "sub_demo_uma", "cus_demo_uma", [{"price": "price_starter_monthly"}])
    _subscribe(store, "sub_demo_hana", "cus_demo_hana", [{"price": "price_starter_monthly"}],
               discounts=[{"promotion_code": "promo_welcome20"}])
    lifecycle.advance(store, 20 * DAY)  # 25 days ago
    _call(store, updates.cancel_subscription,
          {"cancellation_details": {"feedback": "too_expensive",
                                    "comment": "Too pricey for a side project."}},
          "sub_demo_dan")
    _add_card(store, "cus_demo_carla", "4000000000000341", "pm_demo_carla_failing")
    _call(store, payment_methods.detach_payment_method, {}, "pm_demo_carla")
    _call(store, customers.update_customer,
          {"invoice_settings": {"default_payment_method": "pm_demo_carla_failing"}},
          "cus_demo_carla")
    # Uma's renewals need 3-D Secure every time (card 3184): the next one stays open.
    _add_card(store, "cus_demo_uma", "4000002760003184", "pm_demo_uma_3ds")
    lifecycle.advance(store, 18 * DAY)  # 7 days ago
    _subscribe(store, "sub_demo_lena", "cus_demo_lena", [{"price": "price_pro_monthly"}])
    lifecycle.advance(store, 3 * DAY)  # 4 days ago
    _subscribe(store, "sub_demo_ben", "cus_demo_ben", [{"price": "price_pro_monthly"}],
               trial_period_days=14)
    lifecycle.advance(store, 2 * DAY)  # 2 days ago
    _call(store, updates.update_subscription, {"cancel_at_period_end": True,
                                               "cancellation_details": {"feedback": "unused"}},
          "sub_demo_eve")
    _schedule_downgrade(store, "sub_demo_sam", "price_starter_yearly")
    _call(store, updates.update_subscription, {"pause_collection": {
        "behavior": "void", "resumes_at": store.now() + 40 * DAY}}, "sub_demo_paul")
    lifecycle.advance(store, 2 * DAY - 3600)  # an hour ago
    _subscribe(store, "sub_demo_kim", "cus_demo_kim", [{"price": "price_pro_monthly"}])
    seed_usage(store)
    lifecycle.advance(store, -store.clock_offset)
    store.reserved_ids.clear()


def _schedule_downgrade(store: Store, sub_id: str, price: str) -> None:
    """What the portal does for a downgrade at period end: a schedule with a second phase."""
    schedule = _call(store, schedules.create_schedule, {"from_subscription": sub_id})
    phase = schedule["phases"][0]
    _call(store, schedules.update_schedule, {"end_behavior": "release", "phases": [
        {"items": [{"price": i["price"], "quantity": i["quantity"]} for i in phase["items"]],
         "start_date": phase["start_date"], "end_date": phase["end_date"]},
        {"items": [{"price": price, "quantity": 1}],
         "duration": {"interval": "year", "interval_count": 1}},
    ]}, schedule["id"])
