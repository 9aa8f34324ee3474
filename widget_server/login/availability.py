"""What the operator configured (SMTP, the profile page) and what an account may turn on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from widget_server.i18n import _


def smtp_configured(config: Mapping[str, Any]) -> bool:
    """Sign-in codes can be sent: an SMTP host and a From address are set."""
    return bool(config.get("SMTP_HOST")) and bool(config.get("SMTP_FROM"))


def profile_enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("PROFILE_PAGE")) and smtp_configured(config)


def setting_refusal(changes: Mapping[str, Any], current: Mapping[str, Any] | None,
                    config: Mapping[str, Any]) -> tuple[str, str] | None:
    """(setting, translated reason) when `changes` turns on a sign-in setting the operator's
    configuration cannot serve; None otherwise. Turning one off, or leaving it as it was, is
    always allowed (an operator may remove SMTP later: the pages then say they are off)."""
    before = current or {}
    turning_on = {name for name in ("login_page", "shared_profile")
                  if changes.get(name) is True and before.get(name) is not True}
    if turning_on and not smtp_configured(config):
        name = "login_page" if "login_page" in turning_on else "shared_profile"
        return name, _("Sign-in by email needs the operator's SMTP settings "
                       "(WIDGET_SERVER_SMTP_HOST and WIDGET_SERVER_SMTP_FROM), which this "
                       "server does not have.")
    if "shared_profile" in turning_on and not config.get("PROFILE_PAGE"):
        return "shared_profile", _("This server does not serve a profile page "
                                   "(WIDGET_SERVER_PROFILE_PAGE is off).")
    return None
