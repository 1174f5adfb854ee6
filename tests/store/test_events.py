from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.store import Store, make_engine
from tests.databases import event_status

# Longer than any test's clock moves: a claim in these tests is never stale.
NEVER_STALE = timedelta(days=30)


def first_time(store: Store, key: str) -> bool:
    """True for the first claim of `key` (a Slack event id or trigger id), False after."""
    return store.claim_event(key, "test", stale_after=NEVER_STALE)


def test_an_event_is_new_once(store: Store) -> None:
    assert first_time(store, "Ev0001") is True
    assert first_time(store, "Ev0001") is False
    assert first_time(store, "Ev0002") is True
    assert first_time(store, "trigger.123.abc") is True


def test_purge_forgets_old_events_only(store: Store, clock) -> None:
    first_time(store, "old")
    clock.advance(hours=2)
    first_time(store, "new")
    clock.advance(hours=23)
    assert store.purge_events(older_than=timedelta(hours=24)) == 1
    assert first_time(store, "new") is False
    assert first_time(store, "old") is True  # forgotten, so new again
    assert store.purge_events(older_than=timedelta(hours=24)) == 0


def test_processes_receiving_the_same_retry_handle_it_once(database_url, engine, clock) -> None:
    racers = 6
    stores = [Store(make_engine(database_url), clock) for _ in range(racers)]
    barrier = threading.Barrier(racers)

    def race(i: int) -> list[str]:
        new = []
        for n in range(20):
            barrier.wait(timeout=30)
            if first_time(stores[i], f"Ev{n}"):
                new.append(f"Ev{n}")
        return new

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    assert sorted(e for new in results for e in new) == sorted(f"Ev{n}" for n in range(20))
    for s in stores:
        s.engine.dispose()


def test_a_claimed_event_is_done_once_or_forgotten(store: Store, clock) -> None:
    stale = timedelta(minutes=2)
    assert store.claim_event("Ev1", "a", stale_after=stale) is True
    assert store.claim_event("Ev1", "b", stale_after=stale) is False  # in progress elsewhere
    assert store.forget_event("Ev1", "b") is False  # only the holder settles it
    assert store.forget_event("Ev1", "a") is True  # failed: a re-delivery may try again
    assert store.claim_event("Ev1", "b", stale_after=stale) is True
    assert store.finish_event("Ev1", "b") is True
    assert event_status(store.engine, "Ev1") == "done"
    clock.advance(hours=5)
    assert store.claim_event("Ev1", "c", stale_after=stale) is False  # done stays done
    assert first_time(store, "Ev1") is False


def test_a_claim_left_by_a_dead_holder_is_taken_over_once(store: Store, clock) -> None:
    stale = timedelta(minutes=2)
    assert store.claim_event("Ev2", "dead", stale_after=stale) is True
    clock.advance(minutes=1)
    assert store.claim_event("Ev2", "b", stale_after=stale) is False
    clock.advance(minutes=2)
    assert store.claim_event("Ev2", "b", stale_after=stale) is True
    assert store.claim_event("Ev2", "c", stale_after=stale) is False  # b's claim is fresh
    assert store.finish_event("Ev2", "dead") is False  # the old holder no longer holds it
    assert store.finish_event("Ev2", "b") is True


def test_processes_claiming_the_same_delivery_get_it_once(database_url, engine, clock) -> None:
    racers = 6
    stores = [Store(make_engine(database_url), clock) for _ in range(racers)]
    barrier = threading.Barrier(racers)

    def race(i: int) -> list[str]:
        won = []
        for n in range(15):
            barrier.wait(timeout=30)
            if stores[i].claim_event(f"Ev{n}", f"p{i}", stale_after=timedelta(minutes=2)):
                won.append(f"Ev{n}")
        return won

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    assert sorted(e for won in results for e in won) == sorted(f"Ev{n}" for n in range(15))
    for s in stores:
        s.engine.dispose()
