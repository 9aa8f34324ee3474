"""A Stripe key an owner typed, checked with Stripe: the verdict in the owner's words.

Used by "new account" and by replacing an account's key, so both refuse the same keys with
the same messages; a restricted key's missing permissions are named one by one.
"""

from __future__ import annotations

from widget_server.billing.key_check import REQUIRED, KeyCheck, KeyVerdict, check_stripe_key
from widget_server.billing_web import registry
from widget_server.i18n import _


def verify_key(key: str) -> KeyCheck:
    """Ask Stripe (through a client kept by no one) whether the key can run the portal."""
    return check_stripe_key(registry().uncached_client(key), restricted=key.startswith("rk_"))


def key_refusal(check: KeyCheck) -> str:
    if check.verdict is KeyVerdict.NO_PERMISSION:
        if not check.missing:
            return _("This restricted key cannot read customers, which the portal needs. Give "
                     "it the permissions listed in the docs, or use a secret key.")
        return _("This restricted key lacks permissions the portal needs: %(missing)s. Add "
                 "them to the key in Stripe, or use a secret key.",
                 missing=", ".join(permission_words(p.label, p.level) for p in check.missing))
    if check.verdict is KeyVerdict.UNREACHABLE:
        return _("Stripe could not be reached to check the key. Nothing was changed; try again "
                 "in a minute.")
    return _("Stripe refused this key: it is not a valid key, or it was rolled or deleted. "
             "Nothing was changed.")


def permission_words(label: str, level: str) -> str:
    """'Subscriptions: Write', as Stripe's dashboard names the resource and the level."""
    if level == "write":
        return _("%(resource)s: Write", resource=label)
    return _("%(resource)s: Read", resource=label)


def required_permissions() -> list[str]:
    """Every permission a restricted key needs, for the page that asks for a key."""
    return [permission_words(p.label, p.level) for p in REQUIRED]
