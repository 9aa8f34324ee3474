"""The profile asks its opted-in accounts concurrently, at most MAX_PARALLEL at once, and
keeps their order; an account that cannot be reached is an outcome, not a failure."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask

from tests.helpers import create_account
from widget_server.crypto import SecretBoxError
from widget_server.login import profile, profile_lookup


def _opted_in(app: Flask, count: int) -> None:
    for index in range(count):
        create_account(app, name=f"Guild {index:02d}", settings={"shared_profile": True})


def test_accounts_are_asked_at_the_same_time(mail_app: Flask) -> None:
    _opted_in(mail_app, 3)
    barrier = threading.Barrier(3, timeout=5)  # one after another: broken after 5 s

    def work(billing: Any) -> str:
        barrier.wait()
        return threading.current_thread().name

    with mail_app.test_request_context():
        asked = profile_lookup.ask_each(profile.opted_in_accounts(), work)
    assert [a.name for a, _s, _r in asked] == ["Guild 00", "Guild 01", "Guild 02"]
    assert len({r for _a, _s, r in asked}) == 3


def test_at_most_max_parallel_at_once(mail_app: Flask) -> None:
    _opted_in(mail_app, profile_lookup.MAX_PARALLEL + 3)
    lock = threading.Lock()
    running = [0, 0]  # now, most

    def work(billing: Any) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return 1

    with mail_app.test_request_context():
        asked = profile_lookup.ask_each(profile.opted_in_accounts(), work)
    assert len(asked) == profile_lookup.MAX_PARALLEL + 3
    assert running[1] == profile_lookup.MAX_PARALLEL


def test_an_unreachable_account_is_an_outcome(mail_app: Flask,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _opted_in(mail_app, 2)
    real = profile_lookup._service

    def service(account: Any) -> Any:
        if account.name == "Guild 00":
            raise SecretBoxError("the key cannot be decrypted")
        return real(account)

    monkeypatch.setattr(profile_lookup, "_service", service)
    with mail_app.test_request_context():
        asked = profile_lookup.ask_each(profile.opted_in_accounts(),
                                        lambda billing: billing.find_customers(
                                            email="ana@example.com"))
    assert isinstance(asked[0][2], SecretBoxError)
    assert [c.id for c in asked[1][2]] == ["cus_demo_ana"]  # type: ignore[union-attr]
