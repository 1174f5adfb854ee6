"""Apply the Alembic migrations in `bot/migrations` (installed with the package, no ini file).

`migrate(engine)` is idempotent and safe to call on every start, from several processes at
once: the whole upgrade runs in one transaction that first takes a lock (PostgreSQL: an
advisory lock; SQLite: BEGIN IMMEDIATE), so a second process waits and then finds nothing to do.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc, text
from sqlalchemy.engine import Engine

from bot.store.engine import StoreError

SCRIPT_LOCATION = "bot:migrations"
# Any fixed 64-bit number; the key of PostgreSQL's advisory lock for migrations.
_PG_MIGRATION_LOCK = 0x41494743_4D494752


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> str | None:
    """Upgrade the database to the newest schema; returns the revision it is now at."""
    config = alembic_config()
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        # At head now (or upgrade raised). Not read back through a second MigrationContext:
        # each one logs "Context impl …" again, and every start printed those lines twice.
        return head_revision()
    except exc.DBAPIError as e:
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"Could not update the database schema at {shown}: {str(e.orig).strip()}. "
            "Check that the database user may create tables, then run `python -m bot migrate`."
        ) from e
