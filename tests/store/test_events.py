from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.store import Store, make_engine


def test_an_event_is_new_once(store: Store) -> None:
    assert store.remember_event("Ev0001") is True
    assert store.remember_event("Ev0001") is False
    assert store.remember_event("Ev0002") is True
    assert store.remember_event("trigger.123.abc") is True


def test_purge_forgets_old_events_only(store: Store, clock) -> None:
    store.remember_event("old")
    clock.advance(hours=2)
    store.remember_event("new")
    clock.advance(hours=23)
    assert store.purge_events(older_than=timedelta(hours=24)) == 1
    assert store.remember_event("new") is False
    assert store.remember_event("old") is True  # forgotten, so new again
    assert store.purge_events(older_than=timedelta(hours=24)) == 0


def test_processes_receiving_the_same_retry_handle_it_once(database_url, engine, clock) -> None:
    racers = 6
    stores = [Store(make_engine(database_url), clock) for _ in range(racers)]
    barrier = threading.Barrier(racers)

    def race(i: int) -> list[str]:
        new = []
        for n in range(20):
            barrier.wait(timeout=30)
            if stores[i].remember_event(f"Ev{n}"):
                new.append(f"Ev{n}")
        return new

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    assert sorted(e for new in results for e in new) == sorted(f"Ev{n}" for n in range(20))
    for s in stores:
        s.engine.dispose()
