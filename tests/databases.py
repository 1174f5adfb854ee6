"""Databases for tests: a temporary SQLite file always, and PostgreSQL too when
TEST_DATABASE_URL is set (a fresh schema per test, dropped afterwards), plus a fake clock.

Migrating costs a few hundred milliseconds and some 250 tests want a migrated database, so
each run migrates once per backend and each test gets a copy: the SQLite file is copied, and
the SQL the PostgreSQL migration ran is run again in the test's own schema. Tests of the
migrations themselves start from `database_url` (empty) and call `migrate`.

Fixtures defined here are imported by the conftest of each test package that needs them."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.store import ProcessedEvent, Store, make_engine, migrate
from bot.store.engine import create_private_sqlite_file

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


@dataclass
class FakeClock:
    """A clock the test moves by hand; nothing sleeps."""

    current: datetime = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, value: datetime) -> None:
        self.current = value.astimezone(UTC)


def _postgres_schema_url(base: str, schema: str) -> str:
    url = make_url(base)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    rendered = url.render_as_string(hide_password=False)
    separator = "&" if "?" in rendered else "?"
    return f"{rendered}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL not set"),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database: not migrated yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    schema = f"store_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield _postgres_schema_url(TEST_DATABASE_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file `migrate` brought to head, once per run, for tests to copy."""
    path = tmp_path_factory.mktemp("migrated") / "store.db"
    template = make_engine(f"sqlite:///{path}")
    migrate(template)
    template.dispose()  # the last connection checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists(), "the template's WAL was not checkpointed"
    return path


@pytest.fixture(scope="session")
def _postgres_migration_sql() -> Iterator[list[tuple[str, Any]]]:
    """The statements `migrate` runs on an empty PostgreSQL schema, recorded once per run:
    everything but its reads (version lookups, the advisory lock), which change nothing."""
    schema = f"store_template_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    recorded: list[tuple[str, Any]] = []
    template = make_engine(_postgres_schema_url(TEST_DATABASE_URL, schema))

    @event.listens_for(template, "before_cursor_execute")
    def record(_conn, _cursor, statement: str, parameters: Any, _context, executemany) -> None:
        assert not executemany, "a migration ran executemany; record each parameter set"
        if not statement.lstrip().upper().startswith("SELECT"):
            recorded.append((statement, parameters))

    try:
        migrate(template)
        yield recorded
    finally:
        template.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated database: a copy of the run's migrated one (see the module's docstring)."""
    if database_url.startswith("sqlite"):
        path = Path(make_url(database_url).database or "")
        create_private_sqlite_file(path)  # 0600, as make_engine would make it
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite_file"), path)
        engine = make_engine(database_url)
    else:
        engine = make_engine(database_url)
        with engine.begin() as conn:
            for statement, parameters in request.getfixturevalue("_postgres_migration_sql"):
                conn.exec_driver_sql(statement, parameters)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(engine: Engine, clock: FakeClock) -> Store:
    return Store(engine, clock, user_key="test-salt", sleep=_no_sleep)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected retry pause of {seconds}s")


def event_status(engine: Engine, key: str) -> str | None:
    """ "handling", "done", or None: a delivery's row as the dedupe left it."""
    with Session(engine) as session:
        row = session.get(ProcessedEvent, key)
        return None if row is None else row.status
