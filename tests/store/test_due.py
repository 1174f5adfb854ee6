"""Which subscriptions are due at a given UTC instant: each in its own time zone, today only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.store import Store


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def due(store: Store, now: datetime) -> list[tuple[str, date]]:
    return [(s.channel_id, d) for s, d in store.due_subscriptions(now)]


def test_due_once_local_time_has_passed_post_time(store: Store) -> None:
    store.subscribe("T1", "C1", "U1", "09:30", "Asia/Shanghai")  # 01:30 UTC
    assert due(store, utc(2026, 3, 2, 1, 29)) == []
    assert due(store, utc(2026, 3, 2, 1, 30)) == [("C1", date(2026, 3, 2))]
    assert due(store, utc(2026, 3, 2, 15, 59)) == [("C1", date(2026, 3, 2))]
    # 16:00 UTC is midnight in Shanghai: a new local day, and 09:30 has not come yet.
    assert due(store, utc(2026, 3, 2, 16, 0)) == []


def test_each_channel_in_its_own_time_zone(store: Store) -> None:
    store.subscribe("T1", "C-sh", "U1", "09:30", "Asia/Shanghai")  # 01:30 UTC
    store.subscribe("T1", "C-ber", "U1", "09:30", "Europe/Berlin")  # 08:30 UTC (CET)
    store.subscribe("T2", "C-ny", "U1", "09:30", "America/New_York")  # 14:30 UTC (EST)
    now = utc(2026, 3, 2, 9, 0)
    assert sorted(due(store, now)) == [("C-ber", date(2026, 3, 2)), ("C-sh", date(2026, 3, 2))]
    assert sorted(c for c, _ in due(store, utc(2026, 3, 2, 15, 0))) == ["C-ber", "C-ny", "C-sh"]


def test_local_date_across_the_date_line(store: Store) -> None:
    store.subscribe("T1", "C-kiri", "U1", "07:00", "Pacific/Kiritimati")  # UTC+14
    store.subscribe("T1", "C-pago", "U1", "07:00", "Pacific/Pago_Pago")  # UTC-11
    # 20:00 UTC on 2 March is 10:00 on 3 March in Kiritimati and 09:00 on 2 March in Pago Pago.
    assert sorted(due(store, utc(2026, 3, 2, 20, 0))) == [
        ("C-kiri", date(2026, 3, 3)),
        ("C-pago", date(2026, 3, 2)),
    ]


def test_daylight_saving_is_followed(store: Store) -> None:
    store.subscribe("T1", "C1", "U1", "09:00", "Europe/Berlin")
    # Winter: 09:00 CET = 08:00 UTC. Summer (after 29 March 2026): 09:00 CEST = 07:00 UTC.
    assert due(store, utc(2026, 3, 2, 7, 30)) == []
    assert due(store, utc(2026, 6, 1, 7, 30)) == [("C1", date(2026, 6, 1))]


def test_posted_or_claimed_today_is_not_due(store: Store, clock) -> None:
    store.subscribe("T1", "C1", "U1", "09:30", "Asia/Shanghai")
    store.subscribe("T1", "C2", "U1", "09:30", "Asia/Shanghai")
    now = utc(2026, 3, 2, 2, 0)
    clock.current = now
    today = date(2026, 3, 2)
    assert store.claim("T1", "C1", today, "p1")
    assert store.mark_posted(
        "T1",
        "C1",
        today,
        "p1",
        message_ts="1.1",
        trend_entry_id=None,
        term_entry_id=None,
        fact_id=None,
    )
    assert store.claim("T1", "C2", today, "p1")
    assert due(store, now) == []
    # Tomorrow both are due again.
    assert sorted(due(store, now + timedelta(days=1))) == [
        ("C1", date(2026, 3, 3)),
        ("C2", date(2026, 3, 3)),
    ]


def test_a_stale_claim_is_due_again(store: Store, clock) -> None:
    store.subscribe("T1", "C1", "U1", "09:30", "Asia/Shanghai")
    clock.current = utc(2026, 3, 2, 2, 0)
    assert store.claim("T1", "C1", date(2026, 3, 2), "died-mid-post")
    assert due(store, utc(2026, 3, 2, 2, 9)) == []
    assert due(store, utc(2026, 3, 2, 2, 11)) == [("C1", date(2026, 3, 2))]


def test_missed_days_are_not_back_filled(store: Store) -> None:
    store.subscribe("T1", "C1", "U1", "09:30", "Asia/Shanghai")
    # Nothing was ever posted; after a three-day outage only today is due, once.
    assert due(store, utc(2026, 3, 5, 3, 0)) == [("C1", date(2026, 3, 5))]


def test_down_at_post_time_posts_later_the_same_day(store: Store) -> None:
    store.subscribe("T1", "C1", "U1", "09:30", "Asia/Shanghai")
    assert due(store, utc(2026, 3, 2, 12, 0)) == [("C1", date(2026, 3, 2))]  # 20:00 local


def test_paused_and_unsubscribed_are_not_due(store: Store) -> None:
    store.subscribe("T1", "C1", "U1", "00:00", "UTC")
    store.subscribe("T1", "C2", "U1", "00:00", "UTC")
    store.pause("T1", "C1", "is_archived")
    store.unsubscribe("T1", "C2")
    assert due(store, utc(2026, 3, 2, 12, 0)) == []


def test_due_returns_the_subscription(store: Store) -> None:
    store.subscribe("T1", "C1", "U7", "09:30", "Asia/Shanghai", weekly_day=2)
    [(sub, _)] = store.due_subscriptions(utc(2026, 3, 2, 2, 0))
    assert (sub.team_id, sub.subscribed_by, sub.weekly_day) == ("T1", "U7", 2)
