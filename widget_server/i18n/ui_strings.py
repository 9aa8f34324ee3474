"""Every string the portal's JavaScript shows, marked for extraction.

The portal JSON carries their translations (``strings``), so the browser never ships catalogs.
"""

from __future__ import annotations

from widget_server.i18n import N_

UI_STRINGS: tuple[str, ...] = (
    N_("Subscriptions"),
    N_("Invoices"),
    N_("Payment method"),
    N_("Loading…"),
)
