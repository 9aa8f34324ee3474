"""Portal requests' account rows, kept in this process between requests.

Every portal request needs its account: the row (one ORM query on a new session), its settings
merged over the defaults, and its Stripe key decrypted — about 0.4 ms of CPU, an eighth of a
warm view. This keeps a copy per account in the process, each stamped with a *generation
token* read from the same shared token store as the view snapshots (Redis, else the database:
``billing.view_cache``), and uses it only while that token is unchanged.

Any commit that inserts, changes or deletes an ``Account`` (the dashboard's settings, a key or
secret rotation, a revoked token window, a webhook secret, the account API, the CLI, from any
worker or instance) bumps the account's token after the commit, so every process reloads the
row on its next request. Reading the token happens before reading the row, so a copy can be
stamped with an older token than its row, never a newer one. When the token store cannot be
read, the row is read from the database (never a possibly stale copy); entries also expire
after ``ACCOUNT_CACHE_SECONDS``, a bound for changes made outside the ORM (hand-written SQL).

The copy is a transient ``Account`` (attached to no session): read it, never write to it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, UOWTransaction

from widget_server.accounts import AccountService, secret_box
from widget_server.billing.view_cache import TokenStore, ViewStoreUnavailable
from widget_server.billing_web import billing_factory
from widget_server.db import get_database, get_session
from widget_server.models import Account

EXTENSION = "widget_server.portal.account_cache"
ACCOUNT_CACHE_SECONDS = 30.0
MAX_ACCOUNTS = 1000  # copies kept per process (the oldest dropped first)
CHANGED = "widget_server.changed_accounts"  # Session.info key: public ids changed


def token_name(public_id: str) -> str:
    return f"account-row:{public_id}"


@dataclass(frozen=True)
class CachedAccount:
    account: Account  # transient copy
    settings: dict[str, Any]
    stripe_key: str
    token: str
    expires: float


class AccountCache:
    def __init__(self, tokens: Callable[[], TokenStore], token_ttl: Callable[[], float],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._tokens = tokens
        self._token_ttl = token_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, CachedAccount] = {}

    def lookup(self, public_id: str) -> tuple[Account, dict[str, Any], str] | None:
        """The account (a transient copy), its settings (a copy) and Stripe key; None when
        there is no such account."""
        found = self._tokens().tokens([token_name(public_id)])
        token = found[0] if found else None
        with self._lock:
            entry = self._entries.get(public_id)
        if (entry is not None and token is not None and entry.token == token
                and entry.expires > self._clock()):
            return entry.account, dict(entry.settings), entry.stripe_key
        service = AccountService(get_session(), secret_box())
        account = service.get(public_id)
        if account is None:
            return None
        settings, stripe_key = service.settings(account), service.stripe_key(account)
        if token is not None:
            copy = _transient_copy(account)
            with self._lock:
                if len(self._entries) >= MAX_ACCOUNTS and public_id not in self._entries:
                    self._entries.pop(next(iter(self._entries)))
                self._entries[public_id] = CachedAccount(
                    copy, settings, stripe_key, token, self._clock() + ACCOUNT_CACHE_SECONDS)
        return account, dict(settings), stripe_key

    def unconfirmed(self, public_id: str) -> CachedAccount | None:
        """This process's copy, without reading its token (None: no copy, or it expired).

        For work that may start before the copy is confirmed and is thrown away unless
        ``is_current`` then says yes (the portal view sends its Stripe reads meanwhile)."""
        with self._lock:
            entry = self._entries.get(public_id)
        if entry is None or entry.expires <= self._clock():
            return None
        return entry

    def is_current(self, public_id: str, entry: CachedAccount) -> bool:
        """Whether `entry` is still the account's copy: one token read; False when the token
        store cannot be read (the caller then looks the account up again)."""
        found = self._tokens().tokens([token_name(public_id)])
        return found is not None and found[:1] == [entry.token]

    def forget(self, public_ids: set[str]) -> None:
        """After a commit that changed these accounts: every process reloads them."""
        with self._lock:
            for public_id in public_ids:
                self._entries.pop(public_id, None)
        self._tokens().bump(sorted(token_name(p) for p in public_ids), self._token_ttl())


def _transient_copy(account: Account) -> Account:
    columns = sa_inspect(Account).column_attrs
    return Account(**{c.key: getattr(account, c.key) for c in columns})


def account_cache(app: Flask | None = None) -> AccountCache:
    found: AccountCache = (app or current_app).extensions[EXTENSION]
    return found


def init_app(app: Flask) -> None:
    views = billing_factory(app).views
    cache = AccountCache(lambda: views.store, lambda: views.token_ttl)
    app.extensions[EXTENSION] = cache
    sessions = get_database(app).sessions

    @event.listens_for(sessions, "after_flush")
    def _note_changes(session: Session, _flush: UOWTransaction) -> None:
        changed = {obj.public_id for obj in (*session.new, *session.dirty, *session.deleted)
                   if isinstance(obj, Account) and obj.public_id}
        if changed:
            session.info.setdefault(CHANGED, set()).update(changed)

    @event.listens_for(sessions, "after_commit")
    def _forget_changed(session: Session) -> None:
        changed: set[str] = session.info.pop(CHANGED, set())
        if changed:
            try:
                cache.forget(changed)
            except ViewStoreUnavailable:  # the copies expire after ACCOUNT_CACHE_SECONDS
                import logging

                logging.getLogger(__name__).error(
                    "account cache: could not announce a changed account (Redis or the "
                    "database unavailable); other processes see it within %.0f s",
                    ACCOUNT_CACHE_SECONDS)

    @event.listens_for(sessions, "after_rollback")
    def _drop_changes(session: Session) -> None:
        session.info.pop(CHANGED, None)
