from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy
from sqlalchemy import exc

from bot.store import StoreError, default_database_path, make_engine
from bot.store.engine import is_transient, normalize_url, with_retries


def test_default_database_is_a_wal_sqlite_file_created_on_first_use(tmp_path) -> None:
    data_dir = tmp_path / "not" / "yet"
    engine = make_engine(None, data_dir=data_dir)
    assert default_database_path(data_dir) == data_dir / "aigc-bot.db"
    assert (data_dir / "aigc-bot.db").exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_empty_url_means_the_default_file(tmp_path) -> None:
    engine = make_engine("  ", data_dir=tmp_path)
    assert engine.url.database == str(tmp_path / "aigc-bot.db")


@pytest.mark.parametrize(
    "given",
    ["postgres://u:p@db:5432/bot", "postgresql://u:p@db:5432/bot"],
)
def test_postgres_urls_use_psycopg_3(given: str) -> None:
    url = normalize_url(given)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.database, url.password) == ("db", "bot", "p")


def test_explicit_driver_is_kept() -> None:
    assert normalize_url("postgresql+psycopg://u@h/d").drivername == "postgresql+psycopg"


def test_malformed_url_is_a_readable_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        make_engine("not a url")


def test_unknown_database_is_a_readable_store_error() -> None:
    with pytest.raises(StoreError, match="cannot use"):
        make_engine("nosuchdb://h/d")


def test_unreachable_postgres_is_a_readable_store_error_without_password() -> None:
    # Port 1 on loopback refuses at once: no network, no waiting.
    with pytest.raises(StoreError, match="Cannot connect to the database") as info:
        make_engine("postgresql://bot:s3cret@127.0.0.1:1/bot")
    assert "s3cret" not in str(info.value)
    assert "***" in str(info.value)


def test_unopenable_sqlite_file_is_a_readable_store_error(tmp_path) -> None:
    a_directory = tmp_path / "dir.db"
    a_directory.mkdir()
    with pytest.raises(StoreError, match="Cannot connect"):
        make_engine(f"sqlite:///{a_directory}")


def _operational(message: str) -> exc.OperationalError:
    return exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))


def test_transient_errors_are_told_apart() -> None:
    assert is_transient(_operational("database is locked"))
    assert not is_transient(_operational("no such table: subscriptions"))
    assert not is_transient(exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE")))
    assert not is_transient(ValueError("database is locked"))
    dropped = exc.OperationalError("SELECT 1", {}, Exception("x"), connection_invalidated=True)
    assert is_transient(dropped)


def test_retry_recovers_after_transient_errors() -> None:
    failures = [_operational("database is locked"), _operational("database is locked")]
    pauses: list[float] = []

    def operation() -> str:
        if failures:
            raise failures.pop()
        return "done"

    assert with_retries(operation, what="test", sleep=pauses.append) == "done"
    assert pauses == [0.05, 0.2]


def test_retry_gives_up_with_a_store_error() -> None:
    pauses: list[float] = []

    def operation() -> None:
        raise _operational("database is locked")

    with pytest.raises(StoreError, match=r"save things \(database is locked\); tried 3 times"):
        with_retries(operation, what="save things", sleep=pauses.append, backoff=(0.0, 0.0))
    assert len(pauses) == 2


def test_retry_does_not_hide_real_errors() -> None:
    def operation() -> None:
        raise _operational("no such table: subscriptions")

    with pytest.raises(sqlalchemy.exc.OperationalError):
        with_retries(operation, what="test", sleep=lambda s: None)
