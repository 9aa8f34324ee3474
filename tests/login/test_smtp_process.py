"""The sign-in code through an SMTP server in a process of its own: aiosmtpd's command line
(`python -m aiosmtpd`) writing what it accepts to a Maildir, as an operator's relay would
receive it. The other login tests use aiosmtpd in a thread of the test process."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.helpers import create_account, make_test_app
from tests.login.conftest import code_in, free_port, smtp_config
from tests.login.test_login_page import _ask, _enter, _portal_token
from widget_server import db
from widget_server.identity import read_portal_token
from widget_server.login.flow import EXECUTOR, wait_for_deliveries
from widget_server.sandbox import SandboxServer


@pytest.fixture
def smtp_process(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, maildir = free_port(), tmp_path / "Maildir"
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:  # until it accepts connections
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the SMTP server did not start"
            time.sleep(0.1)
    yield port, maildir
    server.terminate()
    server.wait(timeout=10)


def _received(maildir: Path, count: int) -> list[EmailMessage]:
    deadline = time.monotonic() + 10
    while True:
        found = [message_from_bytes(m.as_bytes(), policy=policy.default)
                 for m in mailbox.Maildir(maildir, create=False)] if maildir.exists() else []
        if len(found) >= count or time.monotonic() > deadline:
            return found  # type: ignore[return-value]
        time.sleep(0.1)


def test_the_code_travels_through_a_separate_smtp_server_process(
        tmp_path: Path, sandbox: SandboxServer, smtp_process: tuple[int, Path]) -> None:
    port, maildir = smtp_process
    app = make_test_app(tmp_path, sandbox.url, **smtp_config(port))
    try:
        account = create_account(app, name="Acme", settings={"login_page": True})
        client = app.test_client()
        public_id = account.account.public_id
        sent = _ask(client, public_id, "ana@example.com")
        unknown = _ask(client, public_id, "nobody@example.com")
        assert sent.status_code == unknown.status_code == 200
        wait_for_deliveries(app)
        [message] = _received(maildir, 1)  # one message: none for the unknown address
        time.sleep(0.5)
        assert len(_received(maildir, 2)) == 1
        assert message["To"] == "ana@example.com"
        code = code_in(message)
        opened = _enter(client, public_id, sent.text, code)
        token = read_portal_token(app.config["SECRET_KEY"], _portal_token(client, opened))
        assert token.customer_ids == ("cus_demo_ana",)
        again = _enter(client, public_id, sent.text, code)  # a code works once
        assert again.status_code != 303
    finally:
        wait_for_deliveries(app)
        executor = app.extensions.get(EXECUTOR)
        if executor is not None:
            executor.shutdown(wait=True)
        db.get_database(app).engine.dispose()
