"""Every store test runs on SQLite (a temporary file) and, when TEST_DATABASE_URL is set, on
PostgreSQL too, in a fresh schema that is dropped afterwards."""

from tests.databases import (  # noqa: F401 - fixtures
    TEST_DATABASE_URL,
    FakeClock,
    clock,
    database_url,
    engine,
    store,
)
