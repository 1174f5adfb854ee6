"""Team terms at scale: merging 0 / 100 / 1,000 approved terms over today's knowledge file, and
search latency with them, beside the base knowledge searched in the same process.

Prints, per overlay size: the merge time (`with_overlay`) the first time its names are met in a
process and again (what every later approval costs: each one merges all of a team's terms, most of
them remembered), and
lookup p50 / p95 / p99 over a fixed query set, with the ratio against the base knowledge.

    .venv/bin/python bench/bench_overlay.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import knowledge.overlay as overlay  # noqa: E402
from knowledge import ApprovedTerm, Knowledge, OverlayResult, TeamTerm, with_overlay  # noqa: E402
from tests.knowledge.test_overlay import many_terms  # noqa: E402

QUERY_SETS = [ROOT / "tests" / "eval" / "dev.jsonl", ROOT / "tests" / "eval" / "extra.jsonl"]
SIZES = (0, 100, 1000)
TEAM_QUESTIONS = 60  # questions about overlay terms, added to the eval questions


def eval_queries() -> list[str]:
    out = []
    for path in QUERY_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["query"])
    return out


def team_queries(rows: list[ApprovedTerm]) -> list[str]:
    """Questions about the largest overlay's terms: by name, alias, intent, English typo."""
    out: list[str] = []
    step = max(1, len(rows) // (TEAM_QUESTIONS // 4))
    for row in rows[::step]:
        term: TeamTerm = row.term
        out += [
            f"{term.zh}是什么",
            f"{term.aliases[0]}有什么用",
            term.en.replace("concept", "concpt"),  # one letter missing
            f"{term.zh[:2]}和{term.zh[2:]}",  # its words, not its name
        ]
    return out[:TEAM_QUESTIONS]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return statistics.median(ordered), at(0.95), at(0.99)


def time_each(
    run: Callable[[str], object], qs: list[str], rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per question: wall clock, and this thread's CPU time (steady when other
    processes share the machine)."""
    for q in qs:  # warm-up: what a process remembers per question is there for every run
        run(q)
    wall, cpu = [], []
    for _ in range(rounds):
        for q in qs:
            start, start_cpu = time.perf_counter(), time.thread_time()
            run(q)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def timed_merge(base: Knowledge, rows: list[ApprovedTerm]) -> tuple[OverlayResult, float, float]:
    """The merge, with its seconds: wall clock and CPU time of this process."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = with_overlay(base, rows)
    return result, time.perf_counter() - start, time.process_time() - start_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    base = Knowledge.load()
    largest = many_terms(base, max(SIZES))
    qs = eval_queries() + team_queries(largest)
    print(f"{len(base.entries)} base entries; {len(qs)} queries ({len(qs) - TEAM_QUESTIONS} eval)")

    start = time.perf_counter()
    with_overlay(base, largest[:1])  # pays the imports (build helpers, pypinyin) once
    print(
        f"first merge in a process (1 term, imports included): {time.perf_counter() - start:.2f} s"
    )

    base_wall, base_cpu = time_each(base.search, qs, args.rounds)
    for label, samples in (("wall", base_wall), ("cpu", base_cpu)):
        b50, b95, b99 = percentiles(samples)
        print(f"[base, {label}] p50 {b50:.3f} ms   p95 {b95:.3f} ms   p99 {b99:.3f} ms")
    print(
        "\n| overlay terms | merge, first (cpu) | merge again (cpu) | p50 | p95 | p99 "
        "| p50 / base | p95 / base | cpu p50 / p95 / p99 | cpu p95 / base |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    b50, b95, _ = percentiles(base_wall)
    _, c95, _ = percentiles(base_cpu)
    for size in SIZES:
        rows = largest[:size]
        overlay._SOUNDS.clear()  # nothing of these terms remembered in this process
        overlay._memos.clear()
        result, first_wall, first_cpu = timed_merge(base, rows)
        again = [timed_merge(base, rows)[1:] for _ in range(3)]
        knowledge = result.knowledge
        assert len(knowledge.terms()) == len(base.terms()) + size
        wall, cpu = time_each(knowledge.search, qs, args.rounds)
        o50, o95, o99 = percentiles(wall)
        p50, p95, p99 = percentiles(cpu)
        again_wall = statistics.median(w for w, _ in again)
        again_cpu = statistics.median(c for _, c in again)
        print(
            f"| {size:,} | {first_wall:.2f} s ({first_cpu:.2f}) | {again_wall:.2f} s ({again_cpu:.2f}) "
            f"| {o50:.3f} ms | {o95:.3f} ms | {o99:.3f} ms | ×{o50 / b50:.2f} | ×{o95 / b95:.2f} "
            f"| {p50:.3f} / {p95:.3f} / {p99:.3f} ms | ×{p95 / c95:.2f} |"
        )


if __name__ == "__main__":
    main()
