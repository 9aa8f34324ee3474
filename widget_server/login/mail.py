"""The sign-in email: translated, branded, HTML with a text alternative, sent over SMTP.

Built with the standard library's ``email.message.EmailMessage`` and sent with ``smtplib``
(STARTTLS or TLS from the start, certificates checked with the system's trust store). The
owner's name, colour and logo are data: the HTML template escapes them, the colour is a
checked ``#rrggbb`` and the logo an http(s) address.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

_COLOR = re.compile(r"\A#[0-9a-fA-F]{6}\Z")
DEFAULT_ACCENT = "#4f46e5"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls | ssl | none
    username: str | None
    password: str | None
    sender: str
    timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        return cls(host=str(config["SMTP_HOST"]), port=int(config["SMTP_PORT"]),
                   security=str(config["SMTP_SECURITY"]),
                   username=config.get("SMTP_USERNAME") or None,
                   password=config.get("SMTP_PASSWORD") or None,
                   sender=str(config["SMTP_FROM"]), timeout=int(config["SMTP_TIMEOUT"]))


@dataclass(frozen=True)
class Branding:
    """What the email shows of the account (its Appearance settings)."""

    name: str
    accent: str
    logo_url: str

    @property
    def contrast(self) -> str:
        return contrast(self.accent)

    @classmethod
    def of(cls, name: str, settings: Mapping[str, Any]) -> Branding:
        accent = str(settings.get("accent_color") or "")
        logo = str(settings.get("logo_url") or "")
        return cls(name=name, accent=accent if _COLOR.match(accent) else DEFAULT_ACCENT,
                   logo_url=logo if logo.startswith(("https://", "http://")) else "")


def contrast(accent: str) -> str:
    """Text colour on the accent (the portal's own rule, static/portal/app.js)."""
    value = int(accent[1:], 16)

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    luminance = (0.2126 * channel((value >> 16) & 255) + 0.7152 * channel((value >> 8) & 255)
                 + 0.0722 * channel(value & 255))
    return "#111827" if luminance > 0.45 else "#ffffff"


def compose(settings: SmtpSettings, *, to: str, subject: str, text: str, html: str,
            locale: str) -> EmailMessage:
    """One message: the text part first, the HTML part as its alternative."""
    message = EmailMessage()
    message["Subject"] = subject.replace("\r", " ").replace("\n", " ")
    message["From"] = settings.sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after the parts: setting content clears Content-*
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Deliver one message; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)
