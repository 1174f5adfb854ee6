from __future__ import annotations

from datetime import UTC

import pytest

from bot.digest import InvalidSubscription
from bot.store import Store


def test_subscribe_with_defaults(store: Store, clock) -> None:
    sub = store.subscribe("T1", "C1", "U1")
    assert (sub.post_time, sub.timezone, sub.weekly_day) == ("09:30", "Asia/Shanghai", 0)
    assert sub.active and sub.paused_reason is None
    assert sub.subscribed_by == "U1"
    assert sub.created_at == sub.updated_at == clock()
    assert sub.created_at.tzinfo is UTC


def test_subscribe_again_changes_the_time_and_keeps_one_row(store: Store, clock) -> None:
    first = store.subscribe("T1", "C1", "U1", "09:30", "Asia/Shanghai")
    clock.advance(hours=1)
    second = store.subscribe("T1", "C1", "U2", "8:05", "Europe/Berlin", weekly_day=4)
    assert second.id == first.id
    assert (second.post_time, second.timezone, second.weekly_day) == ("08:05", "Europe/Berlin", 4)
    assert second.subscribed_by == "U2"
    assert second.created_at == first.created_at
    assert second.updated_at == clock()
    assert [s.channel_id for s in store.subscriptions("T1")] == ["C1"]


def test_subscriptions_are_per_workspace_and_sorted(store: Store) -> None:
    store.subscribe("T1", "C2", "U1")
    store.subscribe("T1", "C1", "U1")
    store.subscribe("T2", "C9", "U9")
    assert [s.channel_id for s in store.subscriptions("T1")] == ["C1", "C2"]
    assert [s.channel_id for s in store.subscriptions("T2")] == ["C9"]
    assert store.subscriptions("T3") == []


def test_unsubscribe(store: Store) -> None:
    store.subscribe("T1", "C1", "U1")
    assert store.unsubscribe("T1", "C1") is True
    assert store.unsubscribe("T1", "C1") is False
    assert store.subscription("T1", "C1") is None
    assert store.subscriptions("T1") == []


def test_pause_then_resubscribe_reactivates(store: Store) -> None:
    store.subscribe("T1", "C1", "U1")
    assert store.pause("T1", "C1", "not_in_channel") is True
    paused = store.subscription("T1", "C1")
    assert paused is not None
    assert (paused.active, paused.paused_reason) == (False, "not_in_channel")
    assert store.pause("T1", "C-missing", "channel_not_found") is False

    again = store.subscribe("T1", "C1", "U3")
    assert (again.active, again.paused_reason, again.subscribed_by) == (True, None, "U3")


@pytest.mark.parametrize("typed", ["Mars/Olympus", "", "北京", "../etc/passwd", "+08:00"])
def test_unknown_timezone_is_refused(store: Store, typed: str) -> None:
    with pytest.raises(InvalidSubscription, match="time zone") as info:
        store.subscribe("T1", "C1", "U1", "09:30", typed)
    assert info.value.field == "timezone"
    assert store.subscriptions("T1") == []


@pytest.mark.parametrize("typed", ["24:00", "9", "9:5", "09:60", "nine", "9:30am"])
def test_bad_post_time_is_refused(store: Store, typed: str) -> None:
    with pytest.raises(InvalidSubscription) as info:
        store.subscribe("T1", "C1", "U1", typed)
    assert info.value.field == "post_time"


@pytest.mark.parametrize("day", [-1, 7])
def test_bad_weekly_day_is_refused(store: Store, day: int) -> None:
    with pytest.raises(InvalidSubscription) as info:
        store.subscribe("T1", "C1", "U1", weekly_day=day)
    assert info.value.field == "weekly_day"


def test_rotation_memory_is_kept_across_re_subscriptions(store: Store) -> None:
    store.subscribe("T1", "C1", "U1", known_ids=["b", "a"])
    assert store.subscription("T1", "C1").known_id_set() == {"a", "b"}
    store.subscribe("T1", "C1", "U2", "10:00", known_ids=["a", "b", "new"])  # change the time
    assert store.subscription("T1", "C1").known_id_set() == {"a", "b"}  # still knows what's new
    assert store.set_known_ids("T1", "C1", ["a", "b", "new"])
    assert store.subscription("T1", "C1").known_id_set() == {"a", "b", "new"}
    assert store.set_known_ids("T1", "C-none", ["a"]) is False
    store.subscribe("T1", "C2", "U1")
    assert store.subscription("T1", "C2").known_id_set() is None
    store.subscribe("T2", "C1", "U1")
    assert [s.team_id for s in store.channel_subscriptions("C1")] == ["T1", "T2"]
