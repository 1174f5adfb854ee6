from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy

from bot.store import QueryLog, QueryRecord, Store, hash_user


def ask(store: Store, user: str, query: str, normalized: str, entry: str | None, **kw) -> None:
    team, latency_ms, source = (
        kw.pop("team", "T1"),
        kw.pop("latency_ms", 12),
        kw.pop("source", "command"),
    )
    store.log_queries([QueryRecord(team, user, query, normalized, entry, latency_ms, source)])


def test_the_log_keeps_no_raw_user_id(store: Store, engine, clock) -> None:
    ask(store, "U_SECRET", "什么是 LoRA", "什么是lora", "term-lora", source="mention")
    with engine.connect() as conn:
        row = conn.execute(sqlalchemy.select(QueryLog.__table__)).one()._asdict()
    assert "U_SECRET" not in repr(row)
    assert row["user_hash"] == hash_user("test-salt", "T1", "U_SECRET")
    assert len(row["user_hash"]) == 64
    assert (row["query"], row["normalized"], row["source"]) == (
        "什么是 LoRA",
        "什么是lora",
        "mention",
    )
    assert row["answered_entry_id"] == "term-lora"
    assert row["latency_ms"] == 12


def test_user_hash_depends_on_salt_and_team() -> None:
    assert hash_user("s", "T1", "U1") == hash_user("s", "T1", "U1")
    assert hash_user("s", "T1", "U1") != hash_user("other", "T1", "U1")
    assert hash_user("s", "T1", "U1") != hash_user("s", "T2", "U1")


def test_long_queries_are_cut_to_500_characters(store: Store) -> None:
    ask(store, "U1", "长" * 800, "长" * 800, None)
    [stat] = store.top_questions("T1", since=None)
    assert len(stat.example) == len(stat.normalized) == 500


def test_unknown_source_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="source"):
        ask(store, "U1", "q", "q", None, source="email")


def test_top_and_unanswered_questions_this_week(store: Store, clock) -> None:
    ask(store, "U1", "old question", "old", None)  # before the week starts
    clock.advance(days=3)
    week_start = clock()
    clock.advance(hours=1)
    for user in ("U1", "U2", "U3"):
        ask(store, user, "什么是 LoRA？", "什么是lora", "term-lora")
    ask(store, "U1", "Sora 是什么", "sora是什么", None)
    clock.advance(minutes=5)
    ask(store, "U2", "sora 是什么", "sora是什么", None)
    ask(store, "U1", "AIGC 市场规模", "aigc市场规模", "sec-3")
    ask(store, "U1", "谁发明了 GPT", "谁发明了gpt", None)
    ask(store, "U9", "other team", "什么是lora", None, team="T2")

    top = store.top_questions("T1", since=week_start, limit=10)
    assert [(s.normalized, s.count) for s in top] == [
        ("什么是lora", 3),
        ("sora是什么", 2),
        ("aigc市场规模", 1),  # ties: the most recently asked first, then by text
        ("谁发明了gpt", 1),
    ]
    assert top[1].example in {"Sora 是什么", "sora 是什么"}
    assert top[1].last_asked == clock()

    gaps = store.unanswered_questions("T1", since=week_start, limit=10)
    assert [(s.normalized, s.count) for s in gaps] == [("sora是什么", 2), ("谁发明了gpt", 1)]
    all_time = store.unanswered_questions("T1", since=None, limit=10)
    assert [s.normalized for s in all_time] == ["sora是什么", "谁发明了gpt", "old"]
    assert len(store.top_questions("T1", since=week_start, limit=2)) == 2
    assert store.top_questions("T-none", since=None) == []


def test_most_asked_counts_answered_questions_all_time(store: Store, clock) -> None:
    for _ in range(2):
        ask(store, "U1", "什么是 diffusion", "什么是diffusion", "sec-1")
    clock.advance(days=30)
    for _ in range(3):
        ask(store, "U1", "什么是 LoRA", "什么是lora", "term-lora")
    for _ in range(5):
        ask(store, "U1", "unanswerable", "unanswerable", None)
    assert [(s.normalized, s.count) for s in store.most_asked("T1", limit=5)] == [
        ("什么是lora", 3),
        ("什么是diffusion", 2),
    ]
    assert [s.normalized for s in store.most_asked("T1", limit=1)] == ["什么是lora"]


def test_results_carry_no_user_data(store: Store) -> None:
    ask(store, "U_SECRET", "q", "q", None)
    [stat] = store.top_questions("T1", since=None)
    assert "U_SECRET" not in repr(stat)
    assert hash_user("test-salt", "T1", "U_SECRET") not in repr(stat)


def test_since_is_inclusive(store: Store, clock) -> None:
    ask(store, "U1", "q", "q", None)
    assert store.top_questions("T1", since=clock())[0].count == 1
    assert store.top_questions("T1", since=clock() + timedelta(microseconds=1)) == []
