"""The baseline of bench/load.py: a minimal hand-written Flask + stripe endpoint.

What a developer would write in an afternoon: one module-level ``StripeClient``, and a view that
retrieves the customer and lists its subscriptions (with the default payment method expanded)
— 2 sequential Stripe calls — and returns a small JSON. No authentication, no translation, no
database, no logging setup. Served by bench/procs.py under gunicorn with sync workers,
2 x cores + 1 of them (gunicorn's documented starting point), everything else default.

    MINIMAL_STRIPE_API_BASE=http://127.0.0.1:12111 MINIMAL_STRIPE_KEY=sk_test_x \\
        gunicorn --workers 5 minimal_app:app
"""

from __future__ import annotations

import os
from typing import Any

import stripe
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

app = Flask(__name__)
client = stripe.StripeClient(
    os.environ.get("MINIMAL_STRIPE_KEY", "sk_test_bench"),
    base_addresses={"api": os.environ.get("MINIMAL_STRIPE_API_BASE", "https://api.stripe.com")},
    max_network_retries=0,
)


@app.get("/health")
def health() -> ResponseReturnValue:
    return jsonify(status="ok")


@app.get("/view")
def view() -> ResponseReturnValue:
    customer_id = request.args.get("customer", "")
    customer = client.v1.customers.retrieve(customer_id)
    subscriptions = client.v1.subscriptions.list(
        {"customer": customer_id, "status": "all", "expand": ["data.default_payment_method"]})
    rows: list[dict[str, Any]] = []
    for sub in subscriptions.data:
        card = sub.default_payment_method
        rows.append({
            "id": sub.id,
            "status": sub.status,
            "items": [{"price": item.price.id, "quantity": item.quantity}
                      for item in sub["items"].data],
            "cancel_at_period_end": sub.cancel_at_period_end,
            "card": card.card.last4 if card and not isinstance(card, str) and card.card
            else None,
        })
    return jsonify(customer={"id": customer.id, "email": customer.email,
                             "name": customer.name}, subscriptions=rows)
