"""Exactly one digest per channel per local date, whoever asks and however often."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from multiprocessing.pool import Pool
from threading import Barrier

import pytest

from bot.store import Store, make_engine
from tests.store import racer

TODAY = date(2026, 3, 2)


def post(store: Store, claimer: str, day: date = TODAY, **shown: str | None) -> bool:
    return store.mark_posted(
        "T1",
        "C1",
        day,
        claimer,
        message_ts=shown.get("ts", "1700000000.000100"),
        trend_entry_id=shown.get("trend"),
        term_entry_id=shown.get("term"),
        fact_id=shown.get("fact"),
    )


def test_claim_once(store: Store, clock) -> None:
    assert store.claim("T1", "C1", TODAY, "p1") is True
    assert store.claim("T1", "C1", TODAY, "p2") is False
    assert store.claim("T1", "C1", TODAY, "p1") is False  # same process, second path
    assert store.claim("T1", "C2", TODAY, "p2") is True  # other channel
    assert store.claim("T1", "C1", TODAY + timedelta(days=1), "p2") is True  # other date
    row = store.digest_post("T1", "C1", TODAY)
    assert row is not None
    assert (row.status, row.claimed_by, row.claimed_at) == ("claimed", "p1", clock())


def test_mark_posted_records_what_was_shown(store: Store, clock) -> None:
    assert store.claim("T1", "C1", TODAY, "p1")
    clock.advance(seconds=3)
    assert post(store, "p1", ts="1.2", trend="sec-7", term="term-lora", fact="fact-3")
    row = store.digest_post("T1", "C1", TODAY)
    assert row is not None
    assert (row.status, row.message_ts, row.posted_at) == ("posted", "1.2", clock())
    assert (row.trend_entry_id, row.term_entry_id, row.fact_id) == ("sec-7", "term-lora", "fact-3")
    # A posted day cannot be claimed again, however old it gets.
    clock.advance(days=2)
    assert store.claim("T1", "C1", TODAY, "p2") is False


def test_only_the_claim_holder_marks_or_releases(store: Store) -> None:
    assert store.claim("T1", "C1", TODAY, "p1")
    assert post(store, "p2") is False
    assert store.release("T1", "C1", TODAY, "p2") is False
    assert store.digest_post("T1", "C1", TODAY).status == "claimed"


def test_release_then_claim_again(store: Store) -> None:
    assert store.claim("T1", "C1", TODAY, "p1")
    assert store.release("T1", "C1", TODAY, "p1") is True
    assert store.digest_post("T1", "C1", TODAY) is None
    assert store.claim("T1", "C1", TODAY, "p2") is True
    assert post(store, "p2")
    assert store.release("T1", "C1", TODAY, "p2") is False  # posted rows are never released


def test_a_stale_claim_is_taken_over_once(store: Store, clock) -> None:
    assert store.claim("T1", "C1", TODAY, "died")
    clock.advance(minutes=9)
    assert store.claim("T1", "C1", TODAY, "p2") is False  # still fresh
    clock.advance(minutes=2)
    assert store.claim("T1", "C1", TODAY, "p2") is True
    assert store.claim("T1", "C1", TODAY, "p3") is False  # p2's claim is fresh now
    assert post(store, "died") is False  # the dead process lost its claim
    assert post(store, "p2") is True


def test_a_failed_post_can_be_claimed_again(store: Store) -> None:
    assert store.claim("T1", "C1", TODAY, "p1")
    assert store.mark_failed("T1", "C1", TODAY, "p1") is True
    assert store.digest_post("T1", "C1", TODAY).status == "failed"
    assert store.claim("T1", "C1", TODAY, "p2") is True
    assert store.claim("T1", "C1", TODAY, "p3") is False


def test_history_is_posted_digests_oldest_first(store: Store) -> None:
    for offset, trend in [(2, "s3"), (0, "s1"), (1, "s2")]:
        day = TODAY + timedelta(days=offset)
        assert store.claim("T1", "C1", day, "p1")
        assert post(store, "p1", day, trend=trend, term=f"t-{trend}", fact=None)
    assert store.claim("T1", "C1", TODAY + timedelta(days=3), "p1")  # claimed, not posted
    assert store.claim("T1", "C2", TODAY, "p1")  # other channel
    history = store.history("T1", "C1")
    assert [h.trend_entry_id for h in history] == ["s1", "s2", "s3"]
    assert [h.local_date for h in history] == [TODAY + timedelta(days=i) for i in range(3)]
    assert history[0].fact_id is None
    assert store.history("T1", "C-none") == []


def test_threads_racing_for_the_same_day_have_exactly_one_winner(database_url, engine, clock):
    racers, rounds = 8, 25
    stores = [Store(make_engine(database_url), clock) for _ in range(racers)]
    barrier = threading.Barrier(racers)

    def race(i: int) -> list[date]:
        won = []
        for r in range(rounds):
            day = TODAY + timedelta(days=r)
            barrier.wait(timeout=30)
            if stores[i].claim("T1", "C1", day, f"p{i}"):
                won.append(day)
        return won

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    wins = Counter(day for won in results for day in won)
    assert wins == Counter({TODAY + timedelta(days=r): 1 for r in range(rounds)})
    for s in stores:
        s.engine.dispose()


def test_threads_racing_for_a_stale_claim_have_exactly_one_winner(database_url, store, clock):
    racers, rounds = 6, 15
    for r in range(rounds):
        assert store.claim("T1", "C1", TODAY + timedelta(days=r), "died")
    clock.advance(hours=1)
    stores = [Store(make_engine(database_url), clock) for _ in range(racers)]
    barrier = threading.Barrier(racers)

    def race(i: int) -> list[date]:
        won = []
        for r in range(rounds):
            barrier.wait(timeout=30)
            if stores[i].claim("T1", "C1", TODAY + timedelta(days=r), f"p{i}"):
                won.append(r)
        return won

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    assert sorted(r for won in results for r in won) == list(range(rounds))
    for s in stores:
        s.engine.dispose()


RACING_PROCESSES = 3


@pytest.fixture(scope="module")
def racing_pool() -> Iterator[tuple[Pool, Barrier]]:
    """Three spawned processes and a barrier to start them together, shared by the module's
    races on each database: spawning and importing the store costs a second or more a process,
    the race itself a fraction of that. Each race opens its own engine in each process."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(RACING_PROCESSES) as pool:
        yield pool, manager.Barrier(RACING_PROCESSES)


def test_processes_racing_have_exactly_one_winner_per_day(
    database_url, engine, racing_pool
) -> None:
    days = 40
    pool, start = racing_pool
    pending = [
        pool.apply_async(
            racer.claim_all, (database_url, f"proc{i}", TODAY.isoformat(), days, start)
        )
        for i in range(RACING_PROCESSES)
    ]
    results = [p.get(timeout=120) for p in pending]
    wins = Counter(day for won in results for day in won)
    assert len(wins) == days
    assert set(wins.values()) == {1}
