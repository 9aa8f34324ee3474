"""View-snapshot generation tokens in the SQL database (``models.ViewToken``), for deployments
without Redis.

Snapshots stay in each process's memory, but their keys include these tokens: a write or a
webhook handled by any worker or instance (or a CLI command) bumps the token in the shared
database, and every process's snapshot of that customer becomes unreachable. Reading the tokens
is one primary-key query per view; a bump is one race-safe upsert (``INSERT … ON CONFLICT DO
UPDATE`` on SQLite and PostgreSQL): concurrent bumps each leave a new token, whichever wins.

A database error while reading means the view is read from Stripe (never a stale snapshot);
while bumping, ``ViewStoreUnavailable``, as with Redis. A bump opens its own short transaction:
on SQLite, callers must not hold an uncommitted write in the request's session when they bump
(it would wait for itself).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from widget_server.billing.view_cache import INITIAL_TOKEN, ViewStoreUnavailable
from widget_server.models import ViewToken

log = logging.getLogger(__name__)
TABLE = cast(Table, ViewToken.__table__)
PRUNE_EVERY = 64  # bumps of one process between deletions of expired tokens
NAME_LENGTH = 320  # ViewToken.name; a longer name (an odd id in an event) is stored hashed
UPSERT_DIALECTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class SqlTokenStore:
    """A ``billing.view_cache.TokenStore`` on the app's database (`engine` is looked up on
    first use: the database is set up after billing)."""

    def __init__(self, engine: Callable[[], Engine],
                 clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock
        self._bumps = itertools.count()

    def tokens(self, names: Sequence[str]) -> list[str] | None:
        keys = [row_name(name) for name in names]
        if not keys:
            return []
        try:
            with self._engine().connect() as connection:
                rows = connection.execute(
                    select(TABLE.c.name, TABLE.c.token).where(TABLE.c.name.in_(set(keys))))
                found: dict[str, str] = {name: token for name, token in rows}
        except SQLAlchemyError:
            log.warning("view snapshots: database unavailable, reading from Stripe",
                        exc_info=True)
            return None
        # An expired row's token is still safe to use: its snapshots are current or gone.
        return [found.get(key, INITIAL_TOKEN) for key in keys]

    def bump(self, names: Sequence[str], ttl_seconds: float) -> None:
        now = self._clock()
        expires_at = int(now + ttl_seconds) + 1
        # Sorted: concurrent bumps of several names lock their rows in one order (PostgreSQL
        # would otherwise abort one of two that crossed).
        rows = [{"name": key, "token": secrets.token_hex(8), "expires_at": expires_at}
                for key in sorted({row_name(name) for name in names})]
        if not rows:
            return
        try:
            with self._engine().begin() as connection:
                _upsert(connection, rows)
        except SQLAlchemyError as exc:
            raise ViewStoreUnavailable("database unavailable") from exc
        if next(self._bumps) % PRUNE_EVERY == 0:
            try:  # a transaction of its own: it locks rows other bumps may be replacing
                with self._engine().begin() as connection:
                    self.prune(connection, now)
            except SQLAlchemyError:
                log.warning("view snapshots: expired tokens not deleted", exc_info=True)

    @staticmethod
    def prune(connection: Connection, now: float) -> int:
        """Delete the tokens that expired (they read as ``INITIAL_TOKEN`` from then on, which
        only snapshots that have expired too were made under); how many."""
        result = connection.execute(delete(TABLE).where(TABLE.c.expires_at < int(now)))
        return int(result.rowcount or 0)


def row_name(name: str) -> str:
    if len(name) <= NAME_LENGTH:
        return name
    return "#" + hashlib.sha256(name.encode("utf-8")).hexdigest()


def _upsert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    dialect_insert = UPSERT_DIALECTS.get(connection.dialect.name)
    if dialect_insert is not None:
        statement = dialect_insert(TABLE).values(rows)
        connection.execute(statement.on_conflict_do_update(
            index_elements=[TABLE.c.name],
            set_={"token": statement.excluded.token,
                  "expires_at": statement.excluded.expires_at}))
        return
    portable_upsert(connection, rows)


def portable_upsert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """For another database: update, else insert (and when a concurrent insert won, update)."""
    for row in rows:
        values = {"token": row["token"], "expires_at": row["expires_at"]}
        changed = update(TABLE).where(TABLE.c.name == row["name"]).values(values)
        if connection.execute(changed).rowcount:
            continue
        try:
            with connection.begin_nested():
                connection.execute(insert(TABLE).values(row))
        except IntegrityError:
            connection.execute(changed)
