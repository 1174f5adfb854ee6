"""Databases for tests: a temporary SQLite file always, and PostgreSQL too when
TEST_DATABASE_URL is set (a fresh schema per test, dropped afterwards), plus a fake clock.

Fixtures defined here are imported by the conftest of each test package that needs them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.store import ProcessedEvent, Store, make_engine, migrate

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


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database."""
    engine = make_engine(database_url)
    migrate(engine)
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
