"""Which trend, term and figure a channel gets on a date."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.digest import (
    PastDigest,
    all_pool_ids,
    choose_digest,
    fact_pool,
    term_pool,
    trend_pool,
)
from knowledge import Knowledge
from knowledge.paths import default_paths

START = date(2026, 11, 23)  # a Monday


def run_days(knowledge: Knowledge, channel: str, days: int, known=None) -> list[PastDigest]:
    history: list[PastDigest] = []
    for n in range(days):
        items = choose_digest(
            knowledge, channel, history, START + timedelta(days=n), known_ids=known
        )
        history.append(PastDigest(items.local_date, *items.ids))
    return history


def test_every_trend_term_and_figure_once_before_any_repeats(knowledge: Knowledge) -> None:
    pools = {
        "trend": trend_pool(knowledge),
        "term": term_pool(knowledge),
        "fact": fact_pool(knowledge),
    }
    longest = max(len(p) for p in pools.values())
    history = run_days(knowledge, "C1", longest * 2)
    for name, pool in pools.items():
        shown = [getattr(p, f"{name}_id") for p in history]
        for start in range(0, len(shown) - len(pool) + 1, len(pool)):
            assert sorted(shown[start : start + len(pool)]) == sorted(pool), name


def test_same_inputs_same_digest_and_preview_matches_post(knowledge: Knowledge) -> None:
    history = run_days(knowledge, "C1", 5)
    day = START + timedelta(days=5)
    preview = choose_digest(knowledge, "C1", history, day)
    assert choose_digest(knowledge, "C1", history, day) == preview
    posted = [*history, PastDigest(day, *preview.ids)]
    assert choose_digest(knowledge, "C1", posted, day).ids == preview.ids


def test_channels_get_their_own_order(knowledge: Knowledge) -> None:
    firsts = {choose_digest(knowledge, f"C{n}", [], START).trend.id for n in range(8)}
    assert len(firsts) > 1


def test_entries_added_by_a_rebuild_come_first(knowledge: Knowledge) -> None:
    data = json.loads(default_paths().knowledge_file.read_text(encoding="utf-8"))
    known = all_pool_ids(knowledge)
    history = run_days(knowledge, "C1", 3, known)
    new_section = dict(next(e for e in data["entries"] if e["id"] == trend_pool(knowledge)[0]))
    new_section["id"] = "new-article.md#abc"
    new_section["source"] = {**new_section["source"], "file": "new-article.md"}
    data["entries"].append(new_section)
    rebuilt = Knowledge.from_data(data)
    items = choose_digest(rebuilt, "C1", history, START + timedelta(days=3), known_ids=known)
    assert items.trend.id == "new-article.md#abc"
    assert "new-article.md#abc" in items.known_ids


def test_weekly_questions_on_the_weekly_day(knowledge: Knowledge) -> None:
    assert choose_digest(knowledge, "C1", [], START).weekly  # Monday
    assert not choose_digest(knowledge, "C1", [], START + timedelta(days=1)).weekly
    assert choose_digest(knowledge, "C1", [], START + timedelta(days=4), weekly_day=4).weekly


def test_digest_items_are_real_knowledge(knowledge: Knowledge) -> None:
    items = choose_digest(knowledge, "C9", [], START)
    assert items.trend.kind == "section" and not items.trend.figure_only
    assert items.trend.summary
    assert items.term.kind == "term"
    assert items.fact.text in items.fact_entry.text.replace("\n", "")
