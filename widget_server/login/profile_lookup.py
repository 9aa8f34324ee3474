"""The profile's reads of its opted-in accounts, run concurrently (bounded).

Each opted-in account is a separate Stripe account: finding the email's customers there (and,
once signed in, reading their subscriptions) waits on Stripe, so the accounts are asked at
the same time, at most ``MAX_PARALLEL`` at once, instead of one after another. The keys are
decrypted and the billing services built in the request's thread (they need the app and the
database session); the workers only call Stripe through the services (billing/ knows no
Flask), and the results come back in the accounts' order.

Which accounts opted in is still filtered in Python (``profile.opted_in_accounts``):
``shared_profile`` is a key inside the ``accounts.settings`` JSON column, not a column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from widget_server.accounts import AccountService, secret_box
from widget_server.billing.errors import BillingError
from widget_server.billing.service import BillingService
from widget_server.crypto import SecretBoxError
from widget_server.db import get_session
from widget_server.models import Account

MAX_PARALLEL = 4  # Stripe accounts asked at once for one profile request
# One opted-in account's failure (a revoked key, a Stripe outage, a key the server can no
# longer decrypt) must not break the page for the others: the caller logs and skips it.
UNREACHABLE = (BillingError, SecretBoxError)
T = TypeVar("T")
Opted = tuple[Account, dict[str, Any]]


def _service(account: Account) -> BillingService:
    from widget_server.billing_web import billing_for

    return billing_for(AccountService(get_session(), secret_box()).stripe_key(account))


def ask_each(accounts: Sequence[Opted],
             work: Callable[[BillingService], T]) -> list[tuple[Account, dict[str, Any],
                                                                 T | Exception]]:
    """``work`` on every account's billing, concurrently: per account its result, or the
    ``UNREACHABLE`` error it raised (any other error is raised here, as before)."""
    services: list[BillingService | Exception] = []
    for account, _settings in accounts:
        try:
            services.append(_service(account))
        except UNREACHABLE as error:
            services.append(error)

    def run(service: BillingService | Exception) -> T | Exception:
        if isinstance(service, Exception):
            return service
        try:
            return work(service)
        except UNREACHABLE as error:
            return error

    if not accounts:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(accounts)),
                            thread_name_prefix="profile") as pool:
        results = list(pool.map(run, services))
    return [(account, settings, result)
            for (account, settings), result in zip(accounts, results, strict=True)]
