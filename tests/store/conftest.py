"""Every store test runs on SQLite (a temporary file) and, when TEST_DATABASE_URL is set, on
PostgreSQL too, in a fresh schema that is dropped afterwards (fixtures: tests/databases.py,
loaded for the whole suite by tests/conftest.py)."""
