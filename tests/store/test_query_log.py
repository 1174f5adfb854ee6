from __future__ import annotations

import hashlib
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
    conversation = kw.pop("conversation", "channel")
    record = QueryRecord(team, user, query, normalized, entry, latency_ms, source, conversation)
    store.log_queries([record])


def rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(sqlalchemy.select(QueryLog.__table__))]


def test_the_log_keeps_no_raw_user_id(store: Store, engine, clock) -> None:
    ask(store, "U_SECRET", "什么是 LoRA", "什么是lora", "term-lora", source="mention")
    [row] = rows(engine)
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
    assert row["conversation"] == "channel"


def test_user_hash_is_an_hmac_that_needs_the_key() -> None:
    assert hash_user("s", "T1", "U1") == hash_user("s", "T1", "U1")
    assert hash_user("s", "T1", "U1") != hash_user("other", "T1", "U1")
    assert hash_user("s", "T1", "U1") != hash_user("s", "T2", "U1")
    # Not the old sha256(salt, team, user), nor a plain hash anyone could recompute.
    assert hash_user("s", "T1", "U1") != hashlib.sha256(b"s\x1fT1\x1fU1").hexdigest()
    assert hash_user("s", "T1", "U1") != hashlib.sha256(b"T1\x1fU1").hexdigest()
    with pytest.raises(ValueError, match="QUERY_LOG_SALT"):
        hash_user("", "T1", "U1")


def test_a_store_without_a_key_refuses_to_log(engine, clock) -> None:
    with pytest.raises(ValueError, match="QUERY_LOG_SALT"):
        Store(engine, clock).log_queries([QueryRecord("T1", "U1", "q", "q", None, 1, "command")])


def test_long_queries_are_cut_to_500_characters(store: Store, engine) -> None:
    ask(store, "U1", "长" * 800, "长" * 800, None)
    [row] = rows(engine)
    assert len(row["query"]) == len(row["normalized"]) == 500


def test_unknown_source_or_conversation_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="source"):
        ask(store, "U1", "q", "q", None, source="email")
    with pytest.raises(ValueError, match="conversation"):
        ask(store, "U1", "q", "q", None, conversation="public")


def test_asked_entries_count_questions_and_askers_in_public_channels(store: Store, clock) -> None:
    ask(store, "U1", "old question", "old", "sec-0")  # before the week starts
    clock.advance(days=3)
    week_start = clock()
    clock.advance(hours=1)
    for user in ("U1", "U2", "U2"):
        ask(store, user, "什么是 LoRA？", "什么是lora", "term-lora")
    ask(store, "U1", "AIGC 市场规模", "aigc市场规模", "sec-3")
    for private in ("im", "mpim", "group", "unknown"):
        ask(store, "U5", "秘密", "秘密", "sec-secret", conversation=private)
    ask(store, "U9", "other team", "什么是lora", "term-lora", team="T2")
    stats = store.asked_entries("T1", since=week_start)
    assert [(s.entry_id, s.count, s.askers) for s in stats] == [
        ("term-lora", 3, 2),
        ("sec-3", 1, 1),
    ]
    assert "sec-0" in {s.entry_id for s in store.asked_entries("T1", None)}
    assert len(store.asked_entries("T1", since=week_start, limit=1)) == 1
    assert store.asked_entries("T-none", since=None) == []


def test_an_unanswered_topic_shows_once_three_people_asked_it(store: Store) -> None:
    for user in ("U1", "U2", "U2", "U2"):
        ask(store, user, "Sora 价格？", "sora价格", None)
    assert store.unanswered_topics("T1", None) == []  # two people, however often
    ask(store, "U3", "sora 价格", "sora价格", None, conversation="im")
    assert store.unanswered_topics("T1", None) == []  # a DM does not count
    ask(store, "U3", "sora的价格", "sora价格", None)
    [topic] = store.unanswered_topics("T1", None)
    assert (topic.topic, topic.count, topic.askers) == ("sora价格", 5, 3)
    assert "Sora 价格？" not in repr(topic) and "U1" not in repr(topic)


def test_own_questions_are_one_persons_newest_first_wherever_asked(store: Store, clock) -> None:
    ask(store, "U1", "第一个", "第一个", None)
    clock.advance(minutes=1)
    ask(store, "U1", "私信里问的", "私信里问的", "sec-1", conversation="im")
    ask(store, "U2", "别人的", "别人的", None)
    ask(store, "U1", "另一个工作区", "另一个工作区", None, team="T2")
    assert [q.query for q in store.own_questions("T1", "U1")] == ["私信里问的", "第一个"]


def test_purge_deletes_only_questions_older_than_the_retention(store: Store, engine, clock) -> None:
    ask(store, "U1", "old", "old", None)
    clock.advance(days=90, seconds=1)
    ask(store, "U1", "new", "new", None)
    assert store.purge_queries(timedelta(days=90)) == 1
    assert [r["query"] for r in rows(engine)] == ["new"]
    assert store.purge_queries(timedelta(days=90)) == 0


def test_forget_deletes_only_that_persons_rows_in_that_workspace(store: Store, engine) -> None:
    for user, team in (("U1", "T1"), ("U1", "T1"), ("U2", "T1"), ("U1", "T2")):
        ask(store, user, f"{user}@{team}", "q", None, team=team)
    assert store.forget_user("T1", "U1") == 2
    assert sorted(r["query"] for r in rows(engine)) == ["U1@T2", "U2@T1"]
    assert store.forget_user("T1", "U1") == 0
    with pytest.raises(ValueError, match="QUERY_LOG_SALT"):
        Store(engine, store.now).forget_user("T1", "U2")


def test_since_is_inclusive(store: Store, clock) -> None:
    ask(store, "U1", "q", "q", "e1")
    assert store.asked_entries("T1", since=clock())[0].count == 1
    assert store.asked_entries("T1", since=clock() + timedelta(microseconds=1)) == []
