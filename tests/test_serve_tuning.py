"""`widget-server serve`: the gunicorn settings it passes, its defaults and refusals
(the figures behind the defaults: docs/deploy.md, bench/load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from widget_server import cli, serving
from widget_server.serving import Tuning


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, object]]:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("widget_server.server.serve_gunicorn",
                        lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("WIDGET_SERVER_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    return calls


def test_defaults_without_redis_are_one_worker_with_threads_and_a_short_keep_alive(
        started: list[dict[str, object]]) -> None:
    result = CliRunner().invoke(cli.main, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    [call] = started
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    options = call["tuning"].gunicorn_options()  # type: ignore[attr-defined]
    assert options == {
        "workers": 1, "threads": serving.THREADS, "worker_class": "gthread",
        "keepalive": serving.KEEP_ALIVE, "graceful_timeout": serving.GRACEFUL_TIMEOUT,
        "timeout": serving.WORKER_TIMEOUT, "max_requests": 0, "max_requests_jitter": 0,
        "reuse_port": True,
    }


def test_every_tuning_option_reaches_gunicorn(started: list[dict[str, object]]) -> None:
    result = CliRunner().invoke(cli.main, [
        "serve", "--threads", "4", "--keep-alive", "0", "--graceful-timeout", "5",
        "--max-requests", "1000", "--max-requests-jitter", "100", "--no-reuse-port"])
    assert result.exit_code == 0, result.output
    options = started[0]["tuning"].gunicorn_options()  # type: ignore[attr-defined]
    assert {k: options[k] for k in ("threads", "keepalive", "graceful_timeout", "max_requests",
                                    "max_requests_jitter", "reuse_port")} == {
        "threads": 4, "keepalive": 0, "graceful_timeout": 5, "max_requests": 1000,
        "max_requests_jitter": 100, "reuse_port": False}


@pytest.mark.parametrize(("args", "message"), [
    (["--threads", "0"], "--workers and --threads must be at least 1"),
    (["--workers", "0"], "--workers and --threads must be at least 1"),
    (["--keep-alive", "-1"], "must be 0 or more"),
    (["--max-requests-jitter", "-5"], "must be 0 or more"),
    (["--workers", "2"], "needs REDIS_URL"),
])
def test_bad_tuning_is_refused_in_one_line_before_gunicorn_starts(
        started: list[dict[str, object]], args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli.main, ["serve", *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert started == []


def test_workers_default_to_one_per_usable_cpu_with_a_shared_store(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving.os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    assert serving.cores() == 3
    assert serving.default_workers(shared_store=True) == 3
    assert serving.default_workers(shared_store=False) == 1


def test_the_cpu_count_falls_back_where_affinity_is_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(_pid: int) -> set[int]:
        raise OSError("no affinity here")

    monkeypatch.setattr(serving.os, "sched_getaffinity", unsupported)
    monkeypatch.setattr(serving.os, "cpu_count", lambda: None)
    assert serving.cores() == 1


def test_several_workers_are_fine_with_a_shared_store() -> None:
    assert Tuning(workers=4).problems(shared_store=True) == []
    assert Tuning(workers=4).problems(shared_store=False)


def test_a_forked_worker_drops_the_masters_database_connections(tmp_path: Path) -> None:
    """The master opens connections (migrations, first-run check) before gunicorn forks; a
    worker must start with a pool of its own, not share the master's sockets."""
    from tests.helpers import make_test_app
    from widget_server import db
    from widget_server.server import after_fork

    app = make_test_app(tmp_path, "http://127.0.0.1:1")
    engine = db.get_database(app).engine
    with engine.connect():
        pass
    pool_before = engine.pool
    after_fork(app)
    assert engine.pool is not pool_before  # a new, empty pool in the worker
    assert engine.pool.checkedout() == 0


def test_the_master_tunes_the_collector_before_workers_fork(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """gunicorn's when_ready hook runs in the master before any worker forks: everything made
    so far goes to the collector's permanent generation, so a worker's full collections walk
    only what the worker made (and leave the master's pages shared)."""
    import gc

    from widget_server import server

    options: dict[str, object] = {}
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: options.update(self.options))
    from tests.helpers import make_test_app

    app = make_test_app(tmp_path, "http://127.0.0.1:1")
    server.serve_gunicorn(app, host="127.0.0.1", port=1, tuning=Tuning(workers=1))
    hook = options["when_ready"]
    assert callable(hook)
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        hook(None)
        assert gc.get_freeze_count() > 10_000  # the modules, the app, Babel's data
        assert gc.get_threshold() == (server.GC_FIRST_THRESHOLD, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
