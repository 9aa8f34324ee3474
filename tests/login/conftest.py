"""A real SMTP server (aiosmtpd in a thread, on a free port) and an app that sends through it
(test_smtp_process.py runs one in a process of its own)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import create_account, make_test_app
from widget_server import db
from widget_server.accounts import CreatedAccount
from widget_server.login.flow import EXECUTOR, wait_for_deliveries
from widget_server.sandbox import SandboxServer


class Mailbox:
    """aiosmtpd's handler: keeps every message the server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    smtp_server[0].clear()
    return smtp_server[0]


def smtp_config(port: int) -> dict[str, Any]:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
            "SMTP_FROM": "Billing <billing@portal.test>", "SMTP_TIMEOUT": 5}


@pytest.fixture
def mail_app(tmp_path: Path, sandbox: SandboxServer,
             smtp_server: tuple[Mailbox, int]) -> Iterator[Flask]:
    application = make_test_app(tmp_path, sandbox.url, PROFILE_PAGE=True,
                                **smtp_config(smtp_server[1]))
    yield application
    wait_for_deliveries(application)
    executor = application.extensions.get(EXECUTOR)
    if executor is not None:
        executor.shutdown(wait=True)
    db.get_database(application).engine.dispose()


@pytest.fixture
def mail_client(mail_app: Flask) -> FlaskClient:
    return mail_app.test_client()


@pytest.fixture
def login_account(mail_app: Flask) -> CreatedAccount:
    return create_account(mail_app, name="Acme <Guild> & Co", settings={
        "login_page": True, "accent_color": "#0f766e",
        "logo_url": "https://cdn.example.com/logo.png"})


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def settle(app: Flask) -> None:
    wait_for_deliveries(app)
    time.sleep(0.05)  # the server's handler runs on its own loop


def code_in(message: EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    match = re.search(r"\b(\d{6})\b", text.get_content())
    assert match, text.get_content()
    return match.group(1)
