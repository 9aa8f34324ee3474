"""The account API's cost per request: time and database writes of GET /v1/account/settings and
GET /v1/account/events with an API key (in-process, SQLite, no Stripe call is made).

    .venv/bin/python bench/account_api.py [requests]

"Last used" is written at most once a minute per key, so a burst of N requests costs one
UPDATE of api_keys, not N; revocation still takes effect at once (every request reads the row).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import event

from widget_server import api_keys, audit, create_app, db
from widget_server.accounts import AccountService, secret_box
from widget_server.models import Account


def _app(folder: Path) -> Any:
    app = create_app({
        "ENV": "development", "TESTING": True, "SECRET_KEY": "bench-" + "x" * 40,
        "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "STRIPE_API_BASE": "http://127.0.0.1:9", "RATELIMIT_ENABLED": False,
    })
    db.upgrade(app)
    return app


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        with db.session_scope(app) as session:
            created = AccountService(session, secret_box(app)).create(
                name="Bench", stripe_key="sk_test_bench", allowed_origins=[])
            account = session.get(Account, created.account.id)
            assert account is not None
            key = api_keys.create_key(session, account, "bench")[1]
        with app.app_context():
            for n in range(500):
                audit.record(created.account.id, "owner", "o@example.com", "bench.event",
                             f"t{n}", "ok", {"n": n})
        writes: list[str] = []

        def count_writes(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
                writes.append(statement.split()[0] + " " + statement.split()[1])

        event.listen(db.get_database(app).engine, "before_cursor_execute", count_writes)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        print("| request | requests | median | p95 | database writes |")
        print("|---|---|---|---|---|")
        for path in ("/v1/account/settings", "/v1/account/events?limit=100"):
            writes.clear()
            timings = []
            for _ in range(count):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.get_json()
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"| GET {path} | {count} | {statistics.median(timings):.2f} ms "
                  f"| {p95:.2f} ms | {len(writes)} ({', '.join(sorted(set(writes)))}) |")
        db.get_database(app).engine.dispose()


if __name__ == "__main__":
    main()
