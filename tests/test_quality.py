"""The query sets, scored exactly as ../shared/eval/score.py scores the bot.

tests/eval/dev.jsonl is a copy of the shared set; tests/eval/extra.jsonl holds more queries of
the same kinds, written separately so the engine is not tuned to one set.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from knowledge import Knowledge

EVAL_DIR = Path(__file__).parent / "eval"
MAX_ANSWER_CHARS = 1500
PASS_MARK = 0.95


def fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def judge(case: dict, row: dict) -> bool:
    answer = row.get("answer")
    if case.get("expect") == "no_answer":
        return answer is None
    if not answer or len(fold(answer["text"])) > MAX_ANSWER_CHARS:
        return False
    hay = fold(answer["title"]) + "\n" + fold(answer["text"])
    return any(fold(p) in hay for p in case["expect_any"])


def load_cases(name: str) -> list[dict]:
    lines = (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", ["dev.jsonl", "extra.jsonl"])
def test_query_set_scores_above_the_bar(kb_all: Knowledge, name: str) -> None:
    cases = load_cases(name)
    failures = [
        (c["query"], (kb_all.search(c["query"]).as_json()["answer"] or {}).get("title"))
        for c in cases
        if not judge(c, kb_all.search(c["query"]).as_json())
    ]
    score = 1 - len(failures) / len(cases)
    assert score >= PASS_MARK, f"{name}: {score:.3f}; failures: {failures}"


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
    passed = sum(judge(c, r) for c, r in zip(cases, rows, strict=True))
    assert passed / len(cases) >= PASS_MARK


@pytest.fixture(scope="module")
def kb_all() -> Knowledge:
    return Knowledge.load()
