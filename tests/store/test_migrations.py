from __future__ import annotations

import threading
from importlib import resources

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.store import Base, current_revision, head_revision, make_engine, migrate

TABLES = {
    "subscriptions",
    "digest_posts",
    "query_log",
    "processed_events",
    "answer_votes",
    "suggestions",
    "team_terms",
    "knowledge_version",
    "knowledge_reports",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "alembic_version",
}


def _tables(engine: sqlalchemy.Engine) -> set[str]:
    return set(sqlalchemy.inspect(engine).get_table_names())


def _schema_diff(engine: sqlalchemy.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrate_creates_everything_on_an_empty_database(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    assert migrate(engine) == head_revision() == current_revision(engine)
    assert _tables(engine) == TABLES
    engine.dispose()


def test_migrate_again_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    assert migrate(engine) == head_revision()
    assert migrate(engine) == head_revision()
    assert _tables(engine) == TABLES
    engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    assert _schema_diff(engine) == []
    engine.dispose()


def test_two_processes_starting_together_both_migrate(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))
    results: list[object] = []

    def start(engine: sqlalchemy.Engine) -> None:
        barrier.wait()
        try:
            results.append(migrate(engine))
        except Exception as e:  # collected and asserted below
            results.append(e)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == [head_revision()] * len(engines)
    for engine in engines:
        engine.dispose()


def test_slack_tables_made_by_slack_sdk_before_migrations_are_adopted(database_url: str) -> None:
    engine = make_engine(database_url)
    SQLAlchemyInstallationStore(client_id="c", engine=engine).create_tables()
    SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=engine).create_tables()
    assert migrate(engine) == head_revision()
    assert _tables(engine) == TABLES
    assert _schema_diff(engine) == []
    engine.dispose()


def test_migrations_ship_inside_the_package() -> None:
    package = resources.files("bot.migrations")
    assert package.joinpath("env.py").is_file()
    assert any(p.name.endswith(".py") for p in package.joinpath("versions").iterdir())
