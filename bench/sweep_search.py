"""Sweep the search's tuning settings over the query sets and print the confusion table.

Tune on the `tune` halves only; look at the `held` halves once, after choosing. For each
setting the table counts, per kind of question and half: right answer, best match right,
best match wrong, wrong answer, refused (a refusal is right for the off-topic sets).

    .venv/bin/python bench/sweep_search.py                         # the defaults, every set
    .venv/bin/python bench/sweep_search.py --set accept_coverage=0.5,0.6,0.7
    .venv/bin/python bench/sweep_search.py --set synonyms=0,1 --split tune --summary
    .venv/bin/python bench/sweep_search.py --show-failures --split tune
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import Knowledge  # noqa: E402
from knowledge.build import build_knowledge  # noqa: E402
from knowledge.paths import default_paths  # noqa: E402
from knowledge.tuning import DEFAULT_TUNING, SearchTuning  # noqa: E402
from tests.eval.judge import (  # noqa: E402
    confusion,
    format_table,
    judge_all,
    load_cases,
    pass_rate,
    passed,
)

SEED_SETS = ["chat.jsonl", "offtopic.jsonl", "dev.jsonl", "extra.jsonl"]
SECOND_ARTICLE = ROOT / "tests" / "fixtures" / "articles"


def second_article_data() -> dict:
    """The seed articles plus the second-article fixture, built like `bot build` would."""
    paths = default_paths()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp)
        for article in [*paths.seeds.iterdir(), *SECOND_ARTICLE.iterdir()]:
            if article.is_file():
                shutil.copy(article, seeds / article.name)
        return json.loads(json.dumps(build_knowledge(seeds, paths.glossary)))


def parse_settings(pairs: list[str]) -> list[dict[str, float]]:
    axes = []
    for pair in pairs:
        name, _, values = pair.partition("=")
        axes.append([(name.strip(), float(v)) for v in values.split(",") if v.strip()])
    return [dict(combo) for combo in itertools.product(*axes)] or [{}]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", default=[], help="name=v1,v2,... (0-1 scale)")
    ap.add_argument("--split", choices=["tune", "held"], help="only this half")
    ap.add_argument("--summary", action="store_true", help="one line per setting")
    ap.add_argument("--show-failures", action="store_true")
    args = ap.parse_args(argv)

    seed_data = json.loads(default_paths().knowledge_file.read_text(encoding="utf-8"))
    second_data = second_article_data()
    cases = {name: load_cases(name) for name in SEED_SETS}
    second_cases = load_cases("second_article.jsonl")
    if args.split:
        cases = {
            n: [c for c in cs if c.get("split", args.split) == args.split]
            for n, cs in cases.items()
        }
        second_cases = [c for c in second_cases if c.get("split") == args.split]

    for changes in parse_settings(args.set):
        tuning: SearchTuning = DEFAULT_TUNING.replace(**changes)
        seed_kb = Knowledge.from_data(seed_data, tuning)
        second_kb = Knowledge.from_data(second_data, tuning)
        judged = {name: judge_all(seed_kb, cs) for name, cs in cases.items()}
        judged["second_article.jsonl"] = judge_all(second_kb, second_cases)
        label = ", ".join(f"{k}={v}" for k, v in changes.items()) or "defaults"
        if args.summary:
            rates = "  ".join(f"{n.split('.')[0]} {pass_rate(j):.3f}" for n, j in judged.items())
            print(f"{label:<40} {rates}")
            continue
        print(f"== {label}")
        for name, j in judged.items():
            print(f"-- {name}: pass {pass_rate(j):.3f}")
            print(format_table(confusion(j)))
            if args.show_failures:
                for case, outcome, result in j:
                    if passed(outcome):
                        continue
                    got = result.answer.entry.title[:40] if result.answer else "-"
                    want = case.get("target") or case.get("heading") or case.get("expect", "")
                    print(f"   {outcome:<17} {case['query'][:50]:<50} -> {got}  (want {want})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
