"""DATABASE_URL -> a configured SQLAlchemy engine, and the retry around transient errors.

SQLite (the default, one file in the per-user data directory) runs in WAL mode with a busy
timeout, foreign keys on, and every transaction opened with `BEGIN IMMEDIATE`: a transaction
takes the write lock up front and waits for it (busy_timeout) instead of failing half-way when a
reader tries to become a writer. That also makes DDL transactional, so migrations are atomic.
PostgreSQL goes through psycopg 3 with `pool_pre_ping`, so a restarted server costs one retry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
import sqlalchemy
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url

from knowledge.paths import APP_NAME

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_DB_FILENAME = "aigc-bot.db"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
SQLITE_BUSY_TIMEOUT_MS = 5_000
PG_CONNECT_TIMEOUT_S = 10
# Seconds to wait before each retry of a transient error; its length is the number of retries.
RETRY_BACKOFF = (0.05, 0.2, 0.5)

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, server shutting down or
# starting up, and the connection-exception class 08.
_PG_TRANSIENT = {"40001", "40P01", "57P01", "57P02", "57P03"}
_TRANSIENT_MESSAGES = (
    "database is locked",  # SQLite: another connection holds the write lock past busy_timeout
    "database table is locked",
    "database is busy",
    "server closed the connection",  # PostgreSQL restarted under an open connection
    "connection refused",
    "terminating connection",
)


class StoreError(RuntimeError):
    """The database cannot be used; the message says what happened and what to do."""


def default_database_path(data_dir: Path | None = None) -> Path:
    base = data_dir if data_dir is not None else Path(platformdirs.user_data_dir(APP_NAME))
    return base / DEFAULT_DB_FILENAME


def normalize_url(database_url: str) -> URL:
    """Parse DATABASE_URL; `postgres://` and `postgresql://` mean psycopg 3."""
    try:
        url = make_url(database_url.strip())
    except exc.ArgumentError as e:
        raise StoreError(
            f"DATABASE_URL is not a database URL: {database_url!r}. Use e.g. "
            "sqlite:////path/to/aigc-bot.db or postgresql://user:password@host:5432/dbname."
        ) from e
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(
    database_url: str | None,
    *,
    data_dir: Path | None = None,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    write_first: bool = True,
) -> Engine:
    """An engine for DATABASE_URL, or for the default SQLite file when it is None/empty.

    `write_first=False` (SQLite only): transactions begin deferred, so one that only reads
    never waits for another program's write lock (WAL readers do not). For lookups that must
    not hold Slack's 3-second ack, such as the installation Bolt reads before every ack.

    Connects once to check that the database answers (creating the SQLite file and its
    directory on first use), then empties the pool, so no connection crosses a fork."""
    if database_url and database_url.strip():
        url = normalize_url(database_url)
    else:
        url = URL.create("sqlite", database=str(default_database_path(data_dir)))

    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            is_default = not (database_url and database_url.strip())
            create_private_sqlite_file(Path(url.database).expanduser(), tighten=is_default)
    elif url.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        if "connect_timeout" not in url.query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}

    shown = url.render_as_string(hide_password=True)
    try:
        engine = sqlalchemy.create_engine(url, **kwargs)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
        raise StoreError(
            f"DATABASE_URL {shown} names a database this app cannot use ({e}). "
            "Use a sqlite:/// or postgresql:// URL."
        ) from e
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_ms, write_first)

    try:
        with engine.connect():
            pass
    except exc.DBAPIError as e:
        engine.dispose()
        raise StoreError(
            f"Cannot connect to the database at {shown}: {_first_line(e.orig)}. "
            "Check DATABASE_URL and that the database server is running and reachable."
        ) from e
    engine.dispose()
    return engine


def create_private_sqlite_file(path: Path, *, tighten: bool = False) -> None:
    """Create the SQLite file 0600 (its folder 0700) before SQLite opens it, whatever the
    umask: SQLite gives the -wal and -shm files the main file's permissions. With `tighten`
    (the default file, which is this app's own), an existing folder and files made readable to
    others by an earlier version are narrowed too."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask, chmod's is not
    elif tighten:
        os.chmod(folder, 0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.chmod(path, 0o600)
    except FileExistsError:
        if tighten:
            for existing in (path, *(Path(f"{path}{end}") for end in SQLITE_SIDE_FILES)):
                if existing.exists():
                    os.chmod(existing, 0o600)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, write_first: bool = True) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below own transactions instead of pysqlite's
        # implicit ones, which never wrap DDL and begin lazily (deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # answers "memory" for :memory:, fine
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; durable at checkpoints
        cursor.close()

    begin = "BEGIN IMMEDIATE" if write_first else "BEGIN"

    @event.listens_for(engine, "begin")
    def on_begin(connection: sqlalchemy.Connection) -> None:
        connection.exec_driver_sql(begin)


def is_transient(error: BaseException) -> bool:
    """A lock, a dropped connection or a serialization conflict: the same call may succeed."""
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error, exc.IntegrityError):
        return False
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate and (sqlstate in _PG_TRANSIENT or sqlstate.startswith("08")):
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    message = str(orig).lower()
    return any(sign in message for sign in _TRANSIENT_MESSAGES)


def with_retries(
    operation: Callable[[], T],
    *,
    what: str,
    sleep: Callable[[float], None],
    backoff: tuple[float, ...] = RETRY_BACKOFF,
) -> T:
    """Run `operation` (one whole transaction), retrying transient errors after `backoff`
    pauses; then a StoreError that says `what` failed. Other errors propagate unchanged."""
    for attempt in range(len(backoff) + 1):
        try:
            return operation()
        except exc.DBAPIError as e:
            if not is_transient(e):
                raise
            if attempt == len(backoff):
                raise StoreError(
                    f"The database stayed unavailable while trying to {what} "
                    f"({_first_line(e.orig)}); tried {attempt + 1} times. If this persists, "
                    "check the database server, or for SQLite that no other program holds "
                    "the file locked."
                ) from e
            log.warning(
                "transient database error, retry %d: %s: %s", attempt + 1, what, _first_line(e)
            )
            sleep(backoff[attempt])
    raise AssertionError("unreachable")


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
