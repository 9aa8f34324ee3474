"""Ninety days of made-up portal activity for the demo account, so the dashboard's analytics
show something in ``make demo``.

The rows have exactly the shape the portal's actions write (``portal/actions*.py``), with the
demo catalog's price ids (``sandbox/seed.py``); they are deterministic (a fixed random seed).
They are audit rows only: Stripe's state is not changed by them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from widget_server.models import AuditEvent

DAYS = 90
CUSTOMERS = ("cus_demo_ana", "cus_demo_ben", "cus_demo_carla", "cus_demo_dan", "cus_demo_eve",
             "cus_demo_farid", "cus_demo_grace", "cus_demo_hana", "cus_demo_ivan",
             "cus_demo_paul", "cus_demo_sam", "cus_demo_uma")
PLANS = ("price_starter_monthly", "price_pro_monthly", "price_pro_yearly",
         "price_starter_yearly")
REASONS = ("too_expensive", "too_expensive", "unused", "missing_features", "switched_service",
           "low_quality", "customer_service", "too_complex", "other", None)
COMMENTS = ("We only needed it for one project.", "The yearly price is too high for a team "
            "of two.", "Missing an export to our accounting tool.", "Moved to an in-house "
            "solution.", "Will be back after the summer.")
UPGRADES = (("price_starter_monthly", "price_pro_monthly"),
            ("price_starter_yearly", "price_pro_yearly"),
            ("price_pro_monthly", "price_pro_yearly"))
DOWNGRADES = (("price_pro_monthly", "price_starter_monthly"),
              ("price_pro_yearly", "price_starter_yearly"))


def _event(rng: random.Random, now: datetime) -> tuple[str, str, dict[str, Any]]:
    """(action, target, detail) of one made-up portal action."""
    plan = rng.choice(PLANS)
    items = [{"price": plan, "quantity": 1}]
    roll = rng.random()
    sub = f"sub_demo_{rng.randrange(1000, 9999)}"
    if roll < 0.22:
        return "subscription.retention_offer", sub, {"coupon": "retention-50"}
    if roll < 0.30:
        return "subscription.discount", sub, {"coupon": "retention-50", "retention": True,
                                              "code": None, "items": items}
    if roll < 0.46:
        comment = rng.choice(COMMENTS) if rng.random() < 0.4 else None
        return "subscription.cancel", sub, {"at_period_end": rng.random() < 0.8,
                                            "reason": rng.choice(REASONS), "comment": comment,
                                            "items": items}
    if roll < 0.51:
        return "subscription.resume", sub, {"items": items}
    if roll < 0.55:
        return "subscription.resubscribe", sub, {"subscription": sub + "_new",
                                                 "status": "active", "items": items}
    if roll < 0.66:
        before, after = rng.choice(UPGRADES if rng.random() < 0.6 else DOWNGRADES)
        return "subscription.change_plan", sub, {"price": after, "quantity": None,
                                                 "from_price": before, "from_quantity": 1,
                                                 "at_period_end": False}
    if roll < 0.71:
        seats = rng.randrange(2, 8)
        return "subscription.quantity", sub, {
            "quantity": seats + rng.choice((-1, 1, 2)), "from_price": "price_team_monthly",
            "from_quantity": seats, "at_period_end": False}
    if roll < 0.84:
        return "payment_method.update", "", {"payment_method": "pm_demo"}
    if roll < 0.93:
        return "invoice.pay", f"in_demo_{rng.randrange(1000, 9999)}", {"amount": 2900,
                                                                       "currency": "usd"}
    return "customer.update", "", {"fields": ["address"]}


def seed_portal_activity(session: Session, account_id: int, now: datetime,
                         *, seed: int = 12) -> int:
    """Add the made-up rows to `session` (the caller commits); returns how many."""
    rng = random.Random(seed)
    added = 0
    for day in range(DAYS):
        for _ in range(rng.randrange(2, 12)):  # customers opening the portal
            at = now - timedelta(days=day, seconds=rng.randrange(0, 86400))
            customer = rng.choice(CUSTOMERS)
            session.add(AuditEvent(account_id=account_id, actor_type="customer",
                                   actor=customer, action="portal.session", target="",
                                   result="ok", detail={"identifier_type": "customer_id",
                                                        "customers": [customer],
                                                        "origin": "", "mode": "embed"},
                                   created_at=at))
            added += 1
        for _ in range(rng.randrange(0, 6)):
            at = now - timedelta(days=day, seconds=rng.randrange(0, 86400))
            action, target, detail = _event(rng, now)
            session.add(AuditEvent(account_id=account_id, actor_type="customer",
                                   actor=rng.choice(CUSTOMERS), action=action, target=target,
                                   result="ok", detail=detail, created_at=at))
            added += 1
    return added
