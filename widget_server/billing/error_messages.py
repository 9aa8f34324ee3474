"""A specific, translated sentence for every Stripe error code and decline code the portal's
calls can get (Stripe's ErrorCode enum in stripe-python, and its documented decline codes).

Several codes share a sentence where Stripe advises saying the same thing (a stolen or a
lost card is "declined", never "stolen"). A code missing from these tables keeps Stripe's own
text inside a translated sentence (``billing.errors``).
"""

from __future__ import annotations

from widget_server.i18n import N_

GENERIC_DECLINE = N_("Your card was declined. Please use another card.")
CONTACT_BANK = N_("Your card was declined. Please contact your bank or use another card.")
LIMIT = N_("Your card has reached a limit set by your bank. Please use another card or "
           "contact your bank.")
UNSUPPORTED_CARD = N_("Your card does not support this kind of payment. Please use another "
                      "card.")
PIN = N_("Your card needs a PIN, which cannot be used online. Please use another card.")
TRY_AGAIN = N_("An error occurred while processing your card. Please try again.")
EXPIRED = N_("Your card has expired. Please use another card.")
CVC = N_("Your card's security code is incorrect.")
NUMBER = N_("Your card number is incorrect.")
POSTAL = N_("Your card's postal code is incorrect.")
AUTHENTICATE = N_("Your bank requires authentication for this payment.")
AUTH_FAILED = N_("We could not authenticate your card. Please try again or use another card.")
TEST_CARD = N_("This billing portal is in test mode: use one of Stripe's test cards.")
LIVE_CARD = N_("A test card cannot be used for a real payment. Please use a real card.")
DUPLICATE = N_("A payment of the same amount was just made with this card. Check your "
               "statement before you try again.")
AMOUNT = N_("This amount cannot be charged. Please contact us.")
METHOD_UNUSABLE = N_("This payment method cannot be used. Please use another card.")
STATE_CHANGED = N_("This has changed in the meantime. Reload the page to see what you can do "
                   "now.")
TAX_LOCATION = N_("This address cannot be used for taxes. Check the country, state and postal "
                  "code.")
INVALID = N_("This request is not valid. Reload the page and try again.")

# Stripe's decline_code values (docs: "Decline codes").
DECLINE_MESSAGES: dict[str, str] = {
    "generic_decline": GENERIC_DECLINE,
    "do_not_honor": GENERIC_DECLINE,
    "do_not_try_again": GENERIC_DECLINE,
    "fraudulent": GENERIC_DECLINE,
    "lost_card": GENERIC_DECLINE,
    "stolen_card": GENERIC_DECLINE,
    "pickup_card": GENERIC_DECLINE,
    "restricted_card": GENERIC_DECLINE,
    "merchant_blacklist": GENERIC_DECLINE,
    "security_violation": GENERIC_DECLINE,
    "stop_payment_order": GENERIC_DECLINE,
    "revocation_of_authorization": GENERIC_DECLINE,
    "revocation_of_all_authorizations": GENERIC_DECLINE,
    "no_action_taken": GENERIC_DECLINE,
    "not_permitted": GENERIC_DECLINE,
    "service_not_allowed": GENERIC_DECLINE,
    "transaction_not_allowed": GENERIC_DECLINE,
    "invalid_account": GENERIC_DECLINE,
    "new_account_information_available": GENERIC_DECLINE,
    "call_issuer": CONTACT_BANK,
    "approve_with_id": CONTACT_BANK,
    "insufficient_funds": N_("Your card has insufficient funds."),
    "card_velocity_exceeded": LIMIT,
    "withdrawal_count_limit_exceeded": LIMIT,
    "card_decline_rate_limit_exceeded": LIMIT,
    "card_not_supported": UNSUPPORTED_CARD,
    "currency_not_supported": UNSUPPORTED_CARD,
    "expired_card": EXPIRED,
    "invalid_expiry_month": EXPIRED,
    "invalid_expiry_year": EXPIRED,
    "incorrect_cvc": CVC,
    "invalid_cvc": CVC,
    "incorrect_number": NUMBER,
    "invalid_number": NUMBER,
    "incorrect_zip": POSTAL,
    "incorrect_pin": PIN,
    "invalid_pin": PIN,
    "offline_pin_required": PIN,
    "online_or_offline_pin_required": PIN,
    "pin_try_exceeded": PIN,
    "processing_error": TRY_AGAIN,
    "reenter_transaction": TRY_AGAIN,
    "try_again_later": TRY_AGAIN,
    "issuer_not_available": TRY_AGAIN,
    "authentication_required": AUTHENTICATE,
    "duplicate_transaction": DUPLICATE,
    "invalid_amount": AMOUNT,
    "test_mode_live_card": TEST_CARD,
    "testmode_decline": TEST_CARD,
    "live_mode_test_card": LIVE_CARD,
}

# Stripe's error codes (stripe-python's ErrorCode) that the portal's calls can receive.
CODE_MESSAGES: dict[str, str] = {
    # cards and payments
    "expired_card": EXPIRED,
    "invalid_expiry_month": EXPIRED,
    "invalid_expiry_year": EXPIRED,
    "expired_payment_method": EXPIRED,
    "incorrect_cvc": CVC,
    "invalid_cvc": CVC,
    "incorrect_number": NUMBER,
    "invalid_number": NUMBER,
    "incorrect_zip": POSTAL,
    "incorrect_postal_code": POSTAL,
    "processing_error": TRY_AGAIN,
    "insufficient_funds": N_("Your card has insufficient funds."),
    "card_decline_rate_limit_exceeded": LIMIT,
    "invalid_card_type": UNSUPPORTED_CARD,
    "authentication_required": AUTHENTICATE,
    "invoice_payment_intent_requires_action": AUTHENTICATE,
    "payment_intent_action_required": AUTHENTICATE,
    "payment_intent_authentication_failure": AUTH_FAILED,
    "setup_intent_authentication_failure": AUTH_FAILED,
    "three_d_secure_authentication_not_supported": METHOD_UNUSABLE,
    "payment_method_not_available": METHOD_UNUSABLE,
    "payment_method_unactivated": METHOD_UNUSABLE,
    "payment_method_provider_decline": METHOD_UNUSABLE,
    "payment_method_customer_decline": METHOD_UNUSABLE,
    "payment_method_currency_mismatch": METHOD_UNUSABLE,
    "setup_attempt_failed": METHOD_UNUSABLE,
    "payment_intent_payment_attempt_failed": METHOD_UNUSABLE,
    "testmode_charges_only": TEST_CARD,
    "amount_too_small": AMOUNT,
    "amount_too_large": AMOUNT,
    "invoice_no_payment_method_types": N_("There is no card to charge. Add a card, then try "
                                          "again."),
    # objects that changed since the page was drawn
    "invoice_not_editable": STATE_CHANGED,
    "invoice_upcoming_none": STATE_CHANGED,
    "status_transition_invalid": STATE_CHANGED,
    "invalid_canceled_subscription_fields": STATE_CHANGED,
    "payment_intent_unexpected_state": STATE_CHANGED,
    "setup_intent_unexpected_state": STATE_CHANGED,
    "payment_method_unexpected_state": STATE_CHANGED,
    "intent_invalid_state": STATE_CHANGED,
    "subscription_update_trial_after_billing_cycle_anchor": STATE_CHANGED,
    "product_inactive": N_("This plan is no longer available."),
    "coupon_expired": N_("This code has expired."),
    "customer_max_subscriptions": N_("You have reached the maximum number of subscriptions."),
    "customer_max_payment_methods": N_("You have reached the maximum number of saved cards. "
                                       "Remove one first."),
    # billing details
    "email_invalid": N_("Enter a valid email address."),
    "tax_id_invalid": N_("This tax ID is not valid. Check its format and its country."),
    "tax_id_prohibited": N_("This type of tax ID cannot be used here."),
    "postal_code_invalid": N_("This postal code is not valid for the country."),
    "country_code_invalid": TAX_LOCATION,
    "country_unsupported": TAX_LOCATION,
    "state_unsupported": TAX_LOCATION,
    "customer_tax_location_invalid": TAX_LOCATION,
    "invalid_tax_location": TAX_LOCATION,
    "incorrect_address": TAX_LOCATION,
    "invalid_characters": N_("Some characters cannot be used here. Remove them and try "
                             "again."),
    # requests the page should never send (an outdated page, a bug)
    "parameter_invalid_empty": INVALID,
    "parameter_invalid_integer": INVALID,
    "parameter_invalid_string_blank": INVALID,
    "parameter_invalid_string_empty": INVALID,
    "parameter_missing": INVALID,
    "parameter_unknown": INVALID,
    "parameters_exclusive": INVALID,
    "url_invalid": INVALID,
    "resource_already_exists": INVALID,
}
