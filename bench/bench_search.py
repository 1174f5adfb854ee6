"""Search speed and memory, beside plain baselines run in the same process.

Prints, for today's knowledge file and for synthetic files of 10,000 and 100,000 entries:
lookup latency (p50/p99) of `Knowledge.search` over the query sets, beside plain bm25s
retrieval and plain rapidfuzz `extractOne` over titles (ratios printed); start-up time;
and the cold start of `python -m bot ask` in a fresh process with its peak RSS.

    .venv/bin/python bench/bench_search.py            # everything (about a minute)
    .venv/bin/python bench/bench_search.py --quick    # today's size only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
from rapidfuzz import process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_synthetic

from knowledge import Knowledge
from knowledge.text import fold

ROOT = Path(__file__).resolve().parent.parent
QUERY_SETS = [ROOT / "tests" / "eval" / "dev.jsonl", ROOT / "tests" / "eval" / "extra.jsonl"]


def queries() -> list[str]:
    out = []
    for path in QUERY_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["query"])
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def time_each(run: Callable[[str], object], qs: list[str], rounds: int) -> list[float]:
    for q in qs:  # warm-up
        run(q)
    samples = []
    for _ in range(rounds):
        for q in qs:
            start = time.perf_counter()
            run(q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_lookups(label: str, kb: Knowledge, qs: list[str], rounds: int) -> dict:
    # Baseline 1: plain bm25s over the same entries and tokens, top-1.
    plain = kb._bm25  # the same index the engine uses, so only the query work differs

    def plain_bm25(q: str) -> object:
        tokens = [kb.segmenter.tokens(q)]
        if not tokens[0]:
            return None
        return plain.retrieve(tokens, k=1, show_progress=False, n_threads=0)

    # Baseline 2: plain rapidfuzz extractOne over every title.
    titles = [fold(e.title) for e in kb.entries]

    def plain_fuzzy(q: str) -> object:
        return process.extractOne(fold(q), titles)

    ours = time_each(kb.search, qs, rounds)
    bm = time_each(plain_bm25, qs, rounds)
    fz = time_each(plain_fuzzy, qs, rounds)
    (o50, o99), (b50, b99), (f50, f99) = percentiles(ours), percentiles(bm), percentiles(fz)
    print(f"\n[{label}] {len(kb.entries):,} entries, {len(ours):,} lookups")
    print(f"  knowledge.search     p50 {o50:7.3f} ms   p99 {o99:7.3f} ms")
    print(
        f"  plain bm25s          p50 {b50:7.3f} ms   p99 {b99:7.3f} ms   ours/bm25s p50 x{o50 / b50:.2f}"
    )
    print(
        f"  plain extractOne     p50 {f50:7.3f} ms   p99 {f99:7.3f} ms   ours/fuzzy p50 x{o50 / f50:.2f}"
    )
    return {"entries": len(kb.entries), "p50": o50, "p99": o99, "bm25_p50": b50, "fuzzy_p50": f50}


def start_time(path: Path | None) -> tuple[float, float]:
    """Seconds to load in a fresh process: (first load, building the index; cached load)."""
    code = (
        "import time,sys;from pathlib import Path;t=time.perf_counter();"
        "from knowledge import Knowledge;"
        "Knowledge.load(Path(sys.argv[1]) if sys.argv[1] else None);"
        "print(time.perf_counter()-t)"
    )
    times = []
    with tempfile.TemporaryDirectory() as cache:  # an empty per-user cache: a true first start
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", code, str(path or "")],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env=env,
            )
            times.append(float(out.stdout.strip()))
    return times[0], times[1]


def cold_start(runs: int = 5) -> tuple[float, float]:
    """Fresh `python -m bot ask` to its answer: median seconds and peak RSS (MB) of the child."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "什么是MaaS"],
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        samples.append(time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return statistics.median(samples), peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="today's knowledge file only")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    qs = queries()
    print(
        f"bm25s {bm25s.__version__}; {len(qs)} queries from {', '.join(p.name for p in QUERY_SETS)}"
    )

    # Cold start first, so the peak RSS read afterwards is that of `bot ask` alone.
    seconds, peak = cold_start()
    print(
        f"\ncold start `python -m bot ask 什么是MaaS`: median {seconds:.3f} s, peak RSS {peak:.0f} MB"
    )

    first, cached = start_time(None)
    print(f"\n[today] start in a fresh process: {first:.2f} s first time, {cached:.2f} s cached")
    bench_lookups("today", Knowledge.load(), qs, args.rounds)
    if args.quick:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for size in (10_000, 100_000):
            path = write_synthetic(size, Path(tmp) / f"k{size}.json")
            first, cached = start_time(path)
            print(
                f"\n[{size:,}] start in a fresh process: {first:.2f} s first time, {cached:.2f} s cached"
            )
            bench_lookups(f"{size:,}", Knowledge.load(path), qs, max(2, args.rounds // 10))


if __name__ == "__main__":
    main()
