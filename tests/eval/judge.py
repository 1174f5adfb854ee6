"""Judging the bot's answers on the query sets, the way ../shared/eval/score.py does.

A case with `expect_any` is right when the answer (title or text, at most 1,500 characters
once whitespace is dropped) contains one of the phrases; a case with `"expect": "no_answer"`
is right when nothing is answered. Used by tests/test_quality.py and bench/sweep_search.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from knowledge import Knowledge, SearchResult

EVAL_DIR = Path(__file__).parent
MAX_ANSWER_CHARS = 1500
# Outcomes, best first. A wrong answer is worse than an honest best match or a refusal.
RIGHT = "right"
BEST_MATCH_RIGHT = "best match right"
BEST_MATCH_WRONG = "best match wrong"
WRONG = "wrong"
REFUSED = "refused"
OUTCOMES = (RIGHT, BEST_MATCH_RIGHT, BEST_MATCH_WRONG, WRONG, REFUSED)


def fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def load_cases(name: str) -> list[dict]:
    with (EVAL_DIR / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def outcome(case: dict, result: SearchResult) -> str:
    answer = result.answer
    if case.get("expect") == "no_answer":
        if answer is None:
            return RIGHT
        return BEST_MATCH_WRONG if result.status == "best_match" else WRONG
    if answer is None:
        return REFUSED
    body = fold(answer.entry.text)
    hay = fold(answer.entry.title) + "\n" + body
    right = len(body) <= MAX_ANSWER_CHARS and any(fold(p) in hay for p in case["expect_any"])
    if result.status == "best_match":
        return BEST_MATCH_RIGHT if right else BEST_MATCH_WRONG
    return RIGHT if right else WRONG


def passed(name: str) -> bool:
    """What score.py counts as a pass: any answer that is right (best match included)."""
    return name in (RIGHT, BEST_MATCH_RIGHT)


def judge_all(kb: Knowledge, cases: Iterable[dict]) -> list[tuple[dict, str, SearchResult]]:
    out = []
    for case in cases:
        result = kb.search(case["query"])
        out.append((case, outcome(case, result), result))
    return out


def confusion(judged: list[tuple[dict, str, SearchResult]]) -> dict[tuple[str, str], Counter]:
    """Outcome counts per (kind, split), plus ("all", split) rows."""
    table: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for case, name, _ in judged:
        kind = case.get("kind") or case.get("tag") or "-"
        split = case.get("split", "-")
        table[(kind, split)][name] += 1
        table[("all", split)][name] += 1
    return dict(table)


def pass_rate(judged: list[tuple[dict, str, SearchResult]], split: str | None = None) -> float:
    rows = [n for c, n, _ in judged if split is None or c.get("split") == split]
    return sum(passed(n) for n in rows) / max(len(rows), 1)


def format_table(table: dict[tuple[str, str], Counter]) -> str:
    header = f"{'kind':<16}{'split':<7}" + "".join(f"{o:>18}" for o in OUTCOMES) + f"{'pass':>8}"
    lines = [header]
    for (kind, split), counts in sorted(table.items(), key=lambda kv: (kv[0][0] == "all", kv[0])):
        total = sum(counts.values())
        ok = counts[RIGHT] + counts[BEST_MATCH_RIGHT]
        cells = "".join(f"{counts[o]:>18}" for o in OUTCOMES)
        lines.append(f"{kind:<16}{split:<7}{cells}{ok / total:>8.2f}")
    return "\n".join(lines)
