"""Bolt reads the installation before every ack: on SQLite that read must not wait for another
program's write lock, or Slack's 3-second ack is lost (issue 10, item 5, in OAuth mode)."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store import Installation

from bot.store import Store, installation_store, make_engine, migrate


def test_installation_lookups_do_not_wait_for_a_held_write_lock(tmp_path) -> None:
    path = tmp_path / "aigc.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    store = Store(engine, lambda: datetime.now(UTC))
    installations = installation_store(store.lookup_engine, "client-id")
    installations.save(
        Installation(
            app_id="A1",
            team_id="T1",
            user_id="U1",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="U0BOT",
            installed_at=time.time(),
        )
    )
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing, for as long as it likes
    try:
        started = time.monotonic()
        bot = installations.find_bot(enterprise_id=None, team_id="T1")
        took = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert bot is not None and bot.bot_token == "xoxb-1"
    assert took < 1.0, f"the lookup waited {took:.1f}s for the write lock"
    assert store.lookup_engine is store.lookup_engine  # one engine per store


def test_other_databases_read_installations_with_the_store_s_own_engine() -> None:
    class Postgres:
        class dialect:
            name = "postgresql"

    store = Store(Postgres(), lambda: datetime.now(UTC))  # type: ignore[arg-type]
    assert store.lookup_engine is store.engine
