"""Check a Stripe key with Stripe itself before an account starts using it.

One read the portal needs anyway (list one customer): a key Stripe does not know, a rolled
key, or a restricted key without the customer permission are told apart, so the owner learns
what to fix. Knows nothing of Flask; the caller brings the StripeClient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

import stripe

log = logging.getLogger(__name__)


class KeyVerdict(Enum):
    VALID = "valid"
    INVALID = "invalid"  # unknown to Stripe, rolled or deleted (401)
    NO_PERMISSION = "no_permission"  # a restricted key that cannot read customers (403)
    UNREACHABLE = "unreachable"  # Stripe did not answer, or answered with an error of its own


@dataclass(frozen=True)
class KeyCheck:
    verdict: KeyVerdict
    stripe_code: str | None = None  # e.g. api_key_expired; for the audit log, never a secret

    @property
    def ok(self) -> bool:
        return self.verdict is KeyVerdict.VALID


def check_stripe_key(client: stripe.StripeClient) -> KeyCheck:
    """Make one read with the key's client and say whether Stripe accepted the key."""
    try:
        client.v1.customers.list({"limit": 1})
    except stripe.AuthenticationError as exc:
        return KeyCheck(KeyVerdict.INVALID, _code(exc))
    except stripe.PermissionError as exc:
        return KeyCheck(KeyVerdict.NO_PERMISSION, _code(exc))
    except stripe.StripeError as exc:
        log.warning("checking a Stripe key failed: %s (%s)", type(exc).__name__, _code(exc))
        return KeyCheck(KeyVerdict.UNREACHABLE, _code(exc))
    return KeyCheck(KeyVerdict.VALID)


def _code(exc: stripe.StripeError) -> str | None:
    # stripe-python leaves `code` unset on 401/403 errors; the body's error object has it.
    return exc.code or (exc.error.code if exc.error is not None else None)
