"""A locked SQLite file or a dropped PostgreSQL connection costs a retry, not a crash."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy

from bot.store import Store, StoreError, make_engine, migrate
from tests.store.test_events import NEVER_STALE


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def hold_write_lock(url: str) -> sqlite3.Connection:
    """Another program (or process) in the middle of a write transaction."""
    other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO processed_events (key, created_at) VALUES ('x', '2026-01-01')")
    return other


def test_locked_database_is_retried_until_the_lock_is_gone(sqlite_url: str, clock) -> None:
    other = hold_write_lock(sqlite_url)
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the other writer finishes during our pause
        pauses.append(seconds)
        other.execute("COMMIT")

    engine = make_engine(sqlite_url, busy_timeout_ms=1)
    store = Store(engine, clock, sleep=pause)
    sub = store.subscribe("T1", "C1", "U1")
    assert sub.active
    assert len(pauses) == 1
    assert store.claim_event("x", "p1", stale_after=NEVER_STALE) is False  # the other's row
    other.close()
    engine.dispose()


def test_a_lock_that_never_goes_away_is_a_readable_error(sqlite_url: str, clock) -> None:
    other = hold_write_lock(sqlite_url)
    pauses: list[float] = []
    engine = make_engine(sqlite_url, busy_timeout_ms=1)
    store = Store(engine, clock, sleep=pauses.append, retry_backoff=(0.0, 0.0))
    with pytest.raises(StoreError, match=r"claim the digest.*database is locked"):
        store.claim("T1", "C1", clock().date(), "p1")
    assert len(pauses) == 2
    other.execute("ROLLBACK")
    other.close()
    assert store.claim("T1", "C1", clock().date(), "p1") is True
    engine.dispose()


def test_a_writer_waits_for_a_lock_released_by_another_thread(sqlite_url: str, clock) -> None:
    """With the default busy timeout a short lock is simply waited out."""
    other = hold_write_lock(sqlite_url)
    engine = make_engine(sqlite_url)
    store = Store(engine, clock)
    outcome: list[object] = []
    worker = threading.Thread(
        target=lambda: outcome.append(store.claim_event("Ev1", "p1", stale_after=NEVER_STALE))
    )
    worker.start()
    other.execute("COMMIT")
    deadline = time.monotonic() + 10
    while worker.is_alive() and time.monotonic() < deadline:
        worker.join(timeout=0.01)
    assert outcome == [True]
    other.close()
    engine.dispose()


def test_a_dropped_postgres_connection_is_reconnected(database_url: str, clock) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    engine = make_engine(database_url)
    migrate(engine)
    store = Store(engine, clock)
    store.subscribe("T1", "C1", "U1")
    with engine.connect() as conn:  # the pooled connection the next call will reuse
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = make_engine(database_url)
    with admin.connect() as conn:
        killed = conn.execute(
            sqlalchemy.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
        ).scalar()
    assert killed
    assert [s.channel_id for s in store.subscriptions("T1")] == ["C1"]
    admin.dispose()
    engine.dispose()
