"""Migration 0006's store: digests waiting to be retried (`retry_at`) and given up for the day,
subscriptions kept with their Enterprise Grid installation, and what an uninstall pauses and
deletes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alembic import command
from sqlalchemy import text

from bot.store import QueryRecord, Store, make_engine, migrate
from bot.store.migrate import alembic_config
from bot.workspace import Workspace

MONDAY = date(2026, 3, 2)
AT_0930 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def fail_once(store: Store, claimer: str = "host:1:a", max_attempts: int = 3):
    return store.mark_retry(
        "T1", "C1", MONDAY, claimer, error="http_503", delay=minutes, max_attempts=max_attempts
    )


def due_channels(store: Store, now: datetime) -> list[str]:
    return [s.channel_id for s, _ in store.due_subscriptions(now)]


def test_a_digest_to_retry_is_due_again_only_at_its_retry_time(store, clock) -> None:
    store.subscribe("T1", "C1", "U1")
    clock.set(AT_0930)
    assert store.claim("T1", "C1", MONDAY, "host:1:a")
    row = fail_once(store)
    assert (row.status, row.attempts, row.retry_at) == ("retry", 1, AT_0930 + minutes(1))
    assert due_channels(store, AT_0930) == []
    assert not store.claim("T1", "C1", MONDAY, "host:2:b")  # the scheduler waits
    clock.advance(minutes=1)
    assert due_channels(store, clock()) == ["C1"]
    assert store.claim("T1", "C1", MONDAY, "host:2:b")
    row = fail_once(store, "host:2:b")
    assert (row.status, row.attempts, row.retry_at) == ("retry", 2, clock() + minutes(2))
    assert fail_once(store, "host:1:a") is None  # no longer the claimer: nothing recorded


def test_the_last_allowed_attempt_gives_the_day_up(store, clock) -> None:
    store.subscribe("T1", "C1", "U1")
    clock.set(AT_0930)
    for attempt in (1, 2, 3):
        clock.advance(hours=1)
        assert store.claim("T1", "C1", MONDAY, f"host:{attempt}:x")
        row = fail_once(store, f"host:{attempt}:x")
    assert (row.status, row.attempts, row.retry_at) == ("gave_up", 3, None)
    assert due_channels(store, clock() + timedelta(hours=3)) == []
    assert not store.claim("T1", "C1", MONDAY, "host:9:late")
    assert not store.gave_up_before("T1", "C1", MONDAY)
    assert store.gave_up_before("T1", "C1", MONDAY + timedelta(days=1))
    # Someone asks for the digest by hand: allowed, and the attempts still count.
    assert store.claim("T1", "C1", MONDAY, "host:9:asked", asked=True)
    assert store.digest_post("T1", "C1", MONDAY).attempts == 3


def test_subscriptions_keep_their_grid_installation(store) -> None:
    store.subscribe("T1", "C1", "U1", enterprise_id="E1")
    assert store.subscription("T1", "C1").workspace == Workspace("T1", "E1", False)
    store.subscribe("T1", "C1", "U1", enterprise_id="E1", enterprise_install=True)  # now org-wide
    assert store.subscription("T1", "C1").workspace == Workspace("T1", "E1", True)
    store.subscribe("T2", "C2", "U1")
    assert store.subscription("T2", "C2").workspace == Workspace("T2")


def test_an_uninstall_pauses_and_forgets_only_its_installation(store) -> None:
    store.subscribe("T1", "C1", "U1")
    store.subscribe("T2", "C2", "U1", enterprise_id="E1", enterprise_install=True)
    store.subscribe("T3", "C3", "U1", enterprise_id="E1", enterprise_install=True)
    store.subscribe("T4", "C4", "U1")
    store.log_queries(
        [
            QueryRecord(team, "U1", "q", "q", None, 1, "command", "channel", enterprise)
            for team, enterprise in (("T1", None), ("T2", "E1"), ("T5", "E1"), ("T4", None))
        ]
    )
    assert store.pause_installation(enterprise_id=None, team_id=None, reason="x") == 0
    assert store.forget_installation_queries(enterprise_id=None, team_id=None) == 0

    assert store.pause_installation(enterprise_id=None, team_id="T1", reason="app_uninstalled") == 1
    assert store.forget_installation_queries(enterprise_id=None, team_id="T1") == 1
    # An org-wide uninstall: the org's subscriptions, and its questions (T3 asked none).
    assert store.pause_installation(enterprise_id="E1", team_id=None, reason="app_uninstalled") == 2
    assert store.forget_installation_queries(enterprise_id="E1", team_id=None) == 2
    active = {
        s.channel_id for t in ("T1", "T2", "T3", "T4") for s in store.subscriptions(t) if s.active
    }
    assert active == {"C4"}
    assert store.subscription("T2", "C2").paused_reason == "app_uninstalled"
    assert [q.query for q in store.own_questions("T4", "U1")] == ["q"]


def test_rows_from_before_0006_get_the_defaults(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(
            text(
                "INSERT INTO subscriptions (team_id, channel_id, post_time, timezone, weekly_day,"
                " subscribed_by, created_at, updated_at, active) VALUES ('T1', 'C1', '09:30',"
                " 'Asia/Shanghai', 0, 'U1', '2026-03-01 00:00:00', '2026-03-01 00:00:00', true)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO digest_posts (team_id, channel_id, local_date, status, claimed_at,"
                " claimed_by) VALUES ('T1', 'C1', '2026-03-01', 'posted', '2026-03-01 01:30:00',"
                " 'h:1:x')"
            )
        )
    migrate(engine)
    store = Store(engine, lambda: AT_0930)
    assert store.subscription("T1", "C1").workspace == Workspace("T1")
    post = store.digest_post("T1", "C1", date(2026, 3, 1))
    assert (post.attempts, post.retry_at, post.last_error) == (0, None, None)
    engine.dispose()
