"""The query sets, judged exactly as ../shared/eval/score.py judges the bot (tests/eval/judge.py).

- dev.jsonl is a copy of the shared set and may not drop; extra.jsonl holds more of its kinds.
- chat.jsonl: questions written the way people type in Slack, each with a `split`; the engine is
  tuned on the `tune` half only, and the bar below is on the `held` half.
- offtopic.jsonl: AI topics the article does not discuss and everyday questions; all refused.
- second_article.jsonl: questions on an article with no glossary entries
  (tests/fixtures/articles/), built beside the seed article as a team would add it.

The figures per kind and half are in docs/QUALITY.md (bench/sweep_search.py prints them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import Knowledge
from knowledge.build import build_knowledge
from knowledge.paths import default_paths
from tests.eval.judge import BEST_MATCH_WRONG, WRONG, judge_all, load_cases, pass_rate, passed

FIXTURE_ARTICLES = Path(__file__).parent / "fixtures" / "articles"
# Measured marks: a change that drops below them is a regression. The target for the
# held-back chat half is 0.9; docs/QUALITY.md says where the engine stands against it.
CHAT_HELD_MARK = 0.8
SECOND_ARTICLE_MARK = 0.75
MAX_CONFIDENT_WRONG = 0.05  # share of chat questions answered confidently and wrongly


@pytest.fixture(scope="module")
def kb_all() -> Knowledge:
    return Knowledge.load()


@pytest.fixture(scope="module")
def kb_with_second_article(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    seeds = tmp_path_factory.mktemp("seeds")
    for article in [*default_paths().seeds.iterdir(), *FIXTURE_ARTICLES.iterdir()]:
        shutil.copy(article, seeds / article.name)
    data = build_knowledge(seeds, default_paths().glossary)
    return Knowledge.from_data(json.loads(json.dumps(data)))


def _failures(judged: list) -> list[tuple[str, str, str | None]]:
    return [
        (case["query"], name, result.answer.entry.title if result.answer else None)
        for case, name, result in judged
        if not passed(name)
    ]


def test_the_shared_dev_set_does_not_drop(kb_all: Knowledge) -> None:
    judged = judge_all(kb_all, load_cases("dev.jsonl"))
    assert pass_rate(judged) == 1.0, _failures(judged)


def test_the_extra_set_scores_above_the_bar(kb_all: Knowledge) -> None:
    judged = judge_all(kb_all, load_cases("extra.jsonl"))
    assert pass_rate(judged) >= 0.95, _failures(judged)


def test_chat_questions_held_back_from_tuning_score_above_the_mark(kb_all: Knowledge) -> None:
    judged = judge_all(kb_all, load_cases("chat.jsonl"))
    held = pass_rate(judged, "held")
    assert held >= CHAT_HELD_MARK, (held, _failures([j for j in judged if j[0]["split"] == "held"]))


def test_chat_questions_are_rarely_answered_wrongly_with_confidence(kb_all: Knowledge) -> None:
    judged = judge_all(kb_all, load_cases("chat.jsonl"))
    wrong = [j for j in judged if j[1] == WRONG]
    assert len(wrong) / len(judged) <= MAX_CONFIDENT_WRONG, _failures(wrong)


def test_every_off_topic_question_is_refused(kb_all: Knowledge) -> None:
    judged = judge_all(kb_all, load_cases("offtopic.jsonl"))
    answered = [j for j in judged if j[1] in (WRONG, BEST_MATCH_WRONG)]
    assert not answered, _failures(answered)


def test_a_new_article_without_glossary_entries_is_answered(
    kb_with_second_article: Knowledge,
) -> None:
    cases = load_cases("second_article.jsonl")
    judged = judge_all(kb_with_second_article, cases)
    assert pass_rate(judged) >= SECOND_ARTICLE_MARK, _failures(judged)
    off_topic = [j for j in judged if j[0].get("expect") == "no_answer" and not passed(j[1])]
    assert not off_topic, _failures(off_topic)


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("FL是什么", "一、什么是联邦学习"),
        ("Federated Learning", "一、什么是联邦学习"),
        ("MPC 是什么", "四、联邦学习面临的挑战与对策"),
        ("联邦学习有什么风险", "三、联邦学习的风险"),
    ],
)
def test_a_new_article_defines_its_own_names(
    kb_with_second_article: Knowledge, query: str, heading: str
) -> None:
    # "简称 MPC", "（Federated Learning，FL）", "一、什么是联邦学习": defined without a glossary.
    result = kb_with_second_article.search(query)
    assert result.answer is not None
    assert heading in result.answer.entry.source.heading_path


def test_batch_cli_is_what_the_scorer_runs() -> None:
    cases = load_cases("dev.jsonl")
    stdin = "\n".join(c["query"] for c in cases) + "\n"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["query"] for r in rows] == [c["query"] for c in cases]
    statuses = {r["status"] for r in rows}
    assert statuses <= {"answered", "best_match", "no_answer", "empty"}
