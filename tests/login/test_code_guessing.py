"""Guessing codes: a per-address cap on wrong codes that new codes do not reset, an atomic
per-code attempt count, the same work for known and unknown addresses, and the purge of
expired codes."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from tests.helpers import create_account, make_test_app
from tests.login.conftest import Mailbox, code_in, csrf, hidden, settle, smtp_config
from tests.login.test_login_page import _ask, _enter
from widget_server import db
from widget_server.login import codes
from widget_server.models import AuditEvent, LoginCode, utcnow
from widget_server.sandbox import SandboxServer

SECRET = "test-secret-key"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def capped_app(tmp_path: Any, sandbox: SandboxServer,
               smtp_server: tuple[Mailbox, int]) -> Iterator[Flask]:
    app = make_test_app(tmp_path, sandbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_LOGIN_CODE_FAILURES="4 per hour",
                        RATELIMIT_LOGIN_CODE_EMAIL="50 per hour",
                        RATELIMIT_LOGIN_CODE_IP="500 per hour", LOGIN_CODE_ATTEMPTS=3,
                        **smtp_config(smtp_server[1]))
    smtp_server[0].clear()
    yield app
    settle(app)
    db.get_database(app).engine.dispose()


def test_new_codes_do_not_reset_the_failure_cap(
        capped_app: Flask, smtp_server: tuple[Mailbox, int]) -> None:
    mailbox = smtp_server[0]
    account = create_account(capped_app, settings={"login_page": True})
    public_id = account.account.public_id
    client = capped_app.test_client()
    first = _ask(client, public_id, "ana@example.com")
    settle(capped_app)
    first_code = code_in(mailbox.messages[-1])
    for index in range(2):  # under the per-code maximum (3), from two IPs
        environ = {"REMOTE_ADDR": f"10.0.0.{index + 1}"}
        refused = client.post(f"/login/{public_id}/code", environ_base=environ, data={
            "csrf_token": csrf(first.text), "proof": hidden(first.text, "proof"),
            "code": _wrong(first_code)})
        assert refused.status_code == 400
    second = _ask(client, public_id, "ANA@example.com")  # a new code: the per-code count is 0
    settle(capped_app)
    code = code_in(mailbox.messages[-1])
    assert _enter(client, public_id, second.text, _wrong(code)).status_code == 400
    assert _enter(client, public_id, second.text, _wrong(code)).status_code == 400
    # 4 wrong codes for this address and page: even the right code is refused, clearly
    locked = _enter(client, public_id, second.text, code)
    assert locked.status_code == 429
    assert "Too many wrong codes were entered for this address" in locked.text
    assert 'id="login-error"' in locked.text and 'name="proof"' in locked.text  # kept
    # a third code does not unlock it either
    third = _ask(client, public_id, "ana@example.com")
    settle(capped_app)
    assert _enter(client, public_id, third.text, code_in(mailbox.messages[-1])).status_code == 429
    # another address, and the same address on another page, are not affected
    other = _ask(client, public_id, "ben@example.com")
    settle(capped_app)
    assert _enter(client, public_id, other.text, code_in(mailbox.messages[-1])).status_code == 303
    with capped_app.app_context():
        reasons = [e.detail.get("reason") for e in db.get_session().scalars(
            select(AuditEvent).where(AuditEvent.action == "login.sign_in"))]
    assert "too_many_wrong_codes" in reasons


def test_the_cap_counts_unknown_addresses_the_same(capped_app: Flask) -> None:
    account = create_account(capped_app, settings={"login_page": True})
    public_id = account.account.public_id
    client = capped_app.test_client()
    sent = _ask(client, public_id, "nobody@example.com")
    statuses = [_enter(client, public_id, sent.text, "123456").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]


def test_the_locked_message_is_translated(capped_app: Flask) -> None:
    account = create_account(capped_app, settings={"login_page": True})
    public_id = account.account.public_id
    client = capped_app.test_client()
    sent = _ask(client, public_id, "nobody@example.com", "de")
    for _attempt in range(4):
        _enter(client, public_id, sent.text, "123456")
    locked = _enter(client, public_id, sent.text, "123456")
    assert locked.status_code == 429 and "zu viele falsche Codes" in locked.text


# -- codes.redeem directly -------------------------------------------------------------------

def _store(session: Any, email: str, code: str, *, now: Any, ttl: int = 600) -> None:
    codes.store(session, SECRET, scope="acct", email=email, code=code, customer_ids="cus_1",
                locale="en", ttl_seconds=ttl, now=now)


def _attempts(app: Flask, email: str) -> int:
    with db.session_scope(app) as session:
        row = session.scalar(select(LoginCode).where(
            LoginCode.email_key == codes.email_key(SECRET, email),
            LoginCode.used_at.is_(None)))
        assert row is not None
        return row.attempts


def test_parallel_wrong_guesses_cannot_exceed_the_maximum(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two guesses that both read the code at attempts = max - 1, then both count: the
    conditional UPDATE lets only one of them through."""
    now = utcnow()
    with db.session_scope(app) as session:
        _store(session, "ana@example.com", "111111", now=now)
        session.execute(LoginCode.__table__.update().values(attempts=2))
    barrier = threading.Barrier(2, timeout=10)
    real = hmac.compare_digest

    def slow_compare(a: Any, b: Any) -> bool:
        barrier.wait()  # both requests have read the row before either counts
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", slow_compare)
    results: list[object] = []

    def guess() -> None:
        with db.session_scope(app) as session:
            results.append(codes.redeem(session, SECRET, scope="acct", email="ana@example.com",
                                        code="222222", max_attempts=3, now=now))

    threads = [threading.Thread(target=guess) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == [None, None]
    assert _attempts(app, "ana@example.com") == 3  # not 4


def test_a_wrong_code_does_the_same_work_for_every_address(app: Flask) -> None:
    now = utcnow()
    with db.session_scope(app) as session:
        _store(session, "ana@example.com", "111111", now=now)
    engine = db.get_database(app).engine
    seen: list[str] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql.split()[0].upper())

    def commit(conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        work = {}
        for address in ("ana@example.com", "nobody@example.com"):
            seen.clear()
            with db.session_scope(app) as session:
                assert codes.redeem(session, SECRET, scope="acct", email=address,
                                    code="222222", max_attempts=5, now=now) is None
            work[address] = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert work["ana@example.com"] == work["nobody@example.com"]
    assert "UPDATE" in work["nobody@example.com"]
    assert _attempts(app, "ana@example.com") == 1


def test_storing_a_code_purges_expired_ones_in_bounded_batches(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "PURGE_BATCH", 3)
    long_ago = utcnow() - timedelta(hours=2)
    now = utcnow()
    with db.session_scope(app) as session:
        for index in range(5):
            _store(session, f"old{index}@example.com", "111111", now=long_ago)
        _store(session, "live@example.com", "111111", now=now)  # purges 3 of the 5

    def count(live: bool) -> int:
        with db.session_scope(app) as session:
            clause = LoginCode.expires_at > now if live else LoginCode.expires_at <= now
            return int(session.scalar(select(func.count()).select_from(LoginCode)
                                      .where(clause)) or 0)

    assert count(live=False) == 2 and count(live=True) == 1
    with db.session_scope(app) as session:
        _store(session, "next@example.com", "111111", now=now)
    assert count(live=False) == 0 and count(live=True) == 2
    with db.session_scope(app) as session:  # the live code still works
        assert codes.redeem(session, SECRET, scope="acct", email="live@example.com",
                            code="111111", max_attempts=5, now=now) is not None
