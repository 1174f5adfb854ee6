"""Runs migrations on the connection `bot.store.migrate` hands over, inside its transaction
(which holds the migration lock); or, from the alembic command line, on DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from bot.store.engine import make_engine
from bot.store.models import Base


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them on a database.")

connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(os.environ.get("DATABASE_URL"))
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
