"""Billing: every Stripe call of the service goes through this package, which knows no Flask.

The web layer uses a ``BillingService`` (``billing.service``), built from explicit settings,
and gets plain domain values back (``billing.domain``); Stripe errors become the domain errors
of ``billing.errors``, which the web layer maps to HTTP (``widget_server.billing_web``).
"""
