"""Alembic environment for the bot's database; `bot.store.migrate(engine)` runs it.

For developers adding a revision from a checkout:
    DATABASE_URL=sqlite:////tmp/dev.db alembic -c bot/migrations/alembic.ini \
        revision --autogenerate -m "what changed"
"""
