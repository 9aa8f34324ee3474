"""Data the load benchmark adds to the seeded sandbox, through its Stripe API (like Stripe).

Growth customers: one with 1, 10 and 50 active subscriptions, and one whose daily
subscription has produced 111 invoices (the sandbox's clock is advanced 110 days). Resubscribe
customers for the scale-out test: each with one canceled subscription.
"""

from __future__ import annotations

from typing import Any

import requests
import stripe

MONTHLY = ("price_starter_monthly", "price_pro_monthly", "price_team_monthly",
           "price_support_monthly")
DAY = 86400


def client(sandbox_url: str, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": sandbox_url},
                               max_network_retries=0)


def customer_with_card(stripe_client: stripe.StripeClient, email: str) -> Any:
    customer = stripe_client.v1.customers.create({"email": email, "name": email.split("@")[0]})
    pm = stripe_client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                  "exp_year": 2031, "cvc": "123"}})
    stripe_client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    stripe_client.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": pm.id}})
    return customer


def subscribed(stripe_client: stripe.StripeClient, email: str, count: int) -> str:
    """A new customer with `count` active monthly subscriptions; its id."""
    customer = customer_with_card(stripe_client, email)
    for index in range(count):
        stripe_client.v1.subscriptions.create(
            {"customer": customer.id, "items": [{"price": MONTHLY[index % len(MONTHLY)]}]})
    return str(customer.id)


def with_invoices(stripe_client: stripe.StripeClient, sandbox_url: str, email: str,
                  invoices: int) -> str:
    """A customer on a daily price whose clock ran `invoices - 1` days: one invoice a day.
    Advancing the clock renews every other seeded subscription too, so call this before
    creating customers whose history should stay short."""
    price = stripe_client.v1.prices.create(
        {"product": "prod_starter", "unit_amount": 30, "currency": "usd",
         "recurring": {"interval": "day"}})
    customer = customer_with_card(stripe_client, email)
    stripe_client.v1.subscriptions.create({"customer": customer.id,
                                           "items": [{"price": price.id}]})
    requests.post(f"{sandbox_url}/_sandbox/clock",
                  json={"advance_seconds": (invoices - 1) * DAY}, timeout=300
                  ).raise_for_status()
    return str(customer.id)


def canceled(stripe_client: stripe.StripeClient, email: str) -> tuple[str, str]:
    """A customer whose only subscription was canceled: (customer id, subscription id)."""
    customer = customer_with_card(stripe_client, email)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": "price_pro_monthly"}]})
    stripe_client.v1.subscriptions.cancel(sub.id)
    return str(customer.id), str(sub.id)


def invoice_count(stripe_client: stripe.StripeClient, customer_id: str) -> int:
    page = stripe_client.v1.invoices.list({"customer": customer_id, "limit": 100})
    return sum(1 for _ in page.auto_paging_iter())
