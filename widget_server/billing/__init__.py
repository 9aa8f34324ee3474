"""The Stripe gateway: every Stripe call of the service goes through this package.

The web layer calls ``StripeGateway`` methods and gets plain domain values back
(``billing.domain``); Stripe errors become ``billing.errors`` exceptions.
"""
