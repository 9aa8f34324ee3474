"""Stripe's test card numbers and what each does when attached, set up or charged."""

from __future__ import annotations

from dataclasses import dataclass

from widget_server.sandbox.errors import StripeAPIError, card_error


@dataclass(frozen=True)
class TestCard:
    brand: str
    setup_decline: str | None = None  # decline_code when attaching / confirming a setup
    charge_decline: str | None = None  # decline_code when charging
    requires_action: bool = False  # 3-D Secure on setup
    payment_auth: str | None = None  # 3-D Secure on payments: on_session | always


TEST_CARDS: dict[str, TestCard] = {
    "4242424242424242": TestCard("visa"),
    "5555555555554444": TestCard("mastercard"),
    "378282246310005": TestCard("amex"),
    "6011111111111117": TestCard("discover"),
    "4000000000000002": TestCard("visa", "generic_decline", "generic_decline"),
    "4000000000009995": TestCard("visa", None, "insufficient_funds"),
    "4000000000000341": TestCard("visa", None, "generic_decline"),
    # Stripe's docs: authentication on setup and on-session payments; off-session payments
    # of a card that was set up succeed.
    "4000002500003155": TestCard("visa", requires_action=True, payment_auth="on_session"),
    # Always requires authentication, off-session renewals included.
    "4000002760003184": TestCard("visa", requires_action=True, payment_auth="always"),
}

# Stripe's test PaymentMethods (usable wherever a payment method id is taken: each use makes a
# new card payment method) and test tokens (`card[token]`), by the card number they stand for
TEST_PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_authenticationRequired": "4000002500003155",
    "pm_card_threeDSecure2Required": "4000002500003155",
}
TEST_TOKENS: dict[str, str] = {
    "tok_visa": "4242424242424242",
    "tok_mastercard": "5555555555554444",
    "tok_amex": "378282246310005",
    "tok_discover": "6011111111111117",
    "tok_chargeDeclined": "4000000000000002",
    "tok_chargeDeclinedInsufficientFunds": "4000000000009995",
    "tok_chargeCustomerFail": "4000000000000341",
    "tok_threeDSecure2Required": "4000002500003155",
}

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def lookup(number: str) -> TestCard:
    """The test card for a number, or the card_error Stripe gives in test mode."""
    clean = number.replace(" ", "").replace("-", "")
    if not clean.isdigit() or not 12 <= len(clean) <= 19 or not luhn_ok(clean):
        raise card_error("incorrect_number", None, "Your card number is incorrect.",
                         {"param": "card[number]"})
    card = TEST_CARDS.get(clean)
    if card is None:
        raise card_error(
            "card_declined", "test_mode_live_card",
            "Your card was declined. Your request was in test mode, but used a non test card. "
            "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
        )
    return card


def decline(decline_code: str, extra: dict[str, object] | None = None) -> StripeAPIError:
    return card_error("card_declined", decline_code, DECLINE_MESSAGES[decline_code],
                      dict(extra or {}))
