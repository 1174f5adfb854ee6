"""Open-loop load test: signed slash commands, mentions and button presses at fixed rates, over
loopback HTTP, against the app as the Procfile runs it (`python -m bot serve`, gunicorn) and a
bare Bolt app that only acks, served the same way, in the same run.

    .venv/bin/python bench/bench_load.py                      # 50, 100, 200 req/s, 60 s each
    .venv/bin/python bench/bench_load.py --duration 10        # a quick run
    .venv/bin/python bench/bench_load.py --rates 100 --duration 30 --json

Requests are scheduled at fixed times (request i at start + i / rate) and sent from a thread
pool, never waiting for the previous answer, so a slow server meets the same arrival rate and
its queueing shows in the latency, which is measured from the scheduled time. The mix: 60 %
`/aigc` slash commands (a quarter of them questions never asked before, so not all are answer
cache hits), 20 % `app_mention` events (each a new event_id), 10 % share-button and 10 %
alternative-button `block_actions`. Every Web API call and response_url post the apps make goes
to the tests' Slack stand-in (tests/e2e/fake_slack.py) in this process, on 127.0.0.1.

Reported per rate and app: p50/p99 latency, errors (non-2xx or exceptions), achieved rate, the
resident memory of the server's process tree (gunicorn master + workers) at 10 %, 50 % and
100 % of the run, and its peak (VmHWM). Traffic goes to 127.0.0.1 only; every loop is bounded
in count and time, and the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bot.blocks import (  # noqa: E402
    ALTERNATIVE_ACTION,
    SHARE_ACTION,
    carried_query,
    encode_value,
)
from tests import payloads as p  # noqa: E402
from tests.e2e.fake_slack import FakeSlack, signed_headers  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from loopback import (  # noqa: E402
    QUESTIONS,
    free_port,
    percentile,
    serve_bare,
    start_server,
    wait_healthy,
)

SECRET = "bench-load-signing-secret"
TOKEN = "xoxb-bench-load"
RATES = (50, 100, 200)
WORKERS = 2  # gunicorn workers per app, the WEB_CONCURRENCY default
POOL_THREADS = 64  # client threads; open loop needs more than the server has
REQUEST_TIMEOUT_S = 10.0
TARGET_RATE, TARGET_P99_MS = 100, 300.0
FLAT_MB = 2.0  # growth of the server tree's RSS from 10 % to 100 % of a run that counts as flat
QUERIES = [
    *QUESTIONS,
    "什么是AIGC",
    "GAN是什么",
    "扩散模型的原理",
    "大模型训练需要多少数据",
    "UGC 和 PGC 的区别",
    "AIGC 的应用场景",
    "what is synthetic data",
    "数字人",
]
# Fresh questions: two topic words and a number, so they miss the answer cache.
FRESH_WORDS = ["模型", "数据", "生成", "内容", "产业", "风险", "图像", "文本", "算力", "应用"]
ALTERNATIVE_IDS = ["term:aigc", "term:gan", "term:ugc", "term:pgc", "term:maas"]


# --- the servers ----------------------------------------------------------------------------------


def start(
    kind: str, port: int, api_url: str, workers: int, data_dir: Path, cache_size: int | None
) -> subprocess.Popen:
    """`ours` exactly as the Procfile runs it; `bare` through this script's --serve-bare."""
    env = {"DATABASE_URL": f"sqlite:///{data_dir / f'{kind}.sqlite3'}"}
    if cache_size is not None:
        env["ANSWER_CACHE_SIZE"] = str(cache_size)
    log = open(data_dir / f"{kind}.log", "wb")  # noqa: SIM115 - closed with the process
    return start_server(
        port,
        api_url,
        secret=SECRET,
        token=TOKEN,
        workers=workers,
        bare_script=__file__ if kind == "bare" else None,
        env=env,
        output=log,
    )


# --- memory of a process tree ---------------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """The pid and all its descendants (gunicorn master + workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def memory_kb(pids: list[int]) -> dict[str, int]:
    """Sum of VmRSS and of VmHWM (peak RSS) over the processes, in kB."""
    total = {"rss": 0, "hwm": 0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total["rss"] += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        total["hwm"] += int(line.split()[1])
        except OSError:
            continue
    return total


# --- the load -------------------------------------------------------------------------------------


class Traffic:
    """Signed request bodies in the mix described at the top, deterministic per seed."""

    def __init__(self, api_url: str, seed: int = 5) -> None:
        self.random = random.Random(seed)
        self.response_url = api_url.replace("/api/", "/response/")
        self.counter = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[str, str, str]:
        """(kind, body, content type) of the next request."""
        with self.lock:
            self.counter += 1
            n, roll = self.counter, self.random.random()
            query = self.random.choice(QUERIES)
            if self.random.random() < 0.25:
                a, b = self.random.sample(FRESH_WORDS, 2)
                query = f"{a}{b} 问题{n}"
            alternative = self.random.choice(ALTERNATIVE_IDS)
        form = "application/x-www-form-urlencoded"
        if roll < 0.6:
            payload = p.slash_command(query, response_url=f"{self.response_url}cmd{n}")
            return "command", p.form_body(payload), form
        if roll < 0.8:
            event = p.app_mention(f"<@{p.BOT_USER}> {query}", ts=f"1700000000.{n:06d}")
            body = json.dumps(p.event_callback(event, event_id=f"EvLOAD{n:010d}"))
            return "mention", body, "application/json"
        if roll < 0.9:
            value = encode_value(id="term:maas", q=carried_query(query), l="zh")
            action = SHARE_ACTION
            kind = "share"
        else:
            value = encode_value(id=alternative, q=carried_query(query), l="zh", s=1)
            action = f"{ALTERNATIVE_ACTION}_0"
            kind = "alternative"
        payload = p.block_action(action, value, response_url=f"{self.response_url}act{n}")
        return kind, p.interactive_body(payload), form


@dataclass
class Outcome:
    kind: str
    latency_s: float  # from the scheduled send time to the end of the response
    status: int | None  # None: an exception
    error: str = ""


_local = threading.local()
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def send(port: int, kind: str, body: str, content_type: str, scheduled: float) -> Outcome:
    """POST one signed request on this thread's keep-alive connection. A connection the server
    had already closed (idle keep-alive) is reopened once; that is not an error."""
    data = body.encode()
    for attempt in (1, 2):
        conn = getattr(_local, "conn", None)
        reused = conn is not None
        if conn is None:
            conn = _local.conn = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=REQUEST_TIMEOUT_S
            )
        try:
            conn.request(
                "POST",
                "/slack/events",
                body=data,
                headers=signed_headers(SECRET, body, content_type),
            )
            response = conn.getresponse()
            response.read()
            return Outcome(kind, time.perf_counter() - scheduled, response.status)
        except _STALE as error:
            conn.close()
            _local.conn = None
            if reused and attempt == 1:
                continue
            return Outcome(kind, time.perf_counter() - scheduled, None, repr(error))
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            _local.conn = None
            return Outcome(kind, time.perf_counter() - scheduled, None, repr(error))
    raise AssertionError("unreachable")


@dataclass
class RunResult:
    app: str
    rate: int
    duration_s: float
    sent: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    achieved_rps: float = 0.0
    by_kind: dict[str, dict] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)  # at 10 %, 50 %, 100 %
    peak_rss_mb: float = 0.0  # sum over the tree of VmHWM
    max_sampled_rss_mb: float = 0.0
    # Least-squares slope of the tree's RSS over the second half of the run, in MB per minute:
    # near 0 once memory has levelled off, steady for a leak.
    late_slope_mb_per_min: float = 0.0


def run_load(port: int, server_pid: int, traffic: Traffic, rate: float, duration_s: float) -> dict:
    """Send rate × duration requests at fixed times; sample the tree's memory meanwhile."""
    total = int(rate * duration_s)
    outcomes: list[Outcome] = []
    samples: list[tuple[float, int]] = []  # (fraction of the run, rss kB)
    stop_sampling = threading.Event()
    pids = process_tree(server_pid)

    def sample() -> None:
        while not stop_sampling.wait(0.25):
            fraction = (time.perf_counter() - start) / duration_s
            samples.append((fraction, memory_kb(pids)["rss"]))

    start = time.perf_counter() + 0.05
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(max_workers=POOL_THREADS) as pool:
        futures = []
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            kind, body, content_type = traffic.next()
            futures.append(pool.submit(send, port, kind, body, content_type, scheduled))
        sent_by = time.perf_counter()
        outcomes = [f.result() for f in futures]
    finished = time.perf_counter()
    stop_sampling.set()
    sampler.join()
    memory = memory_kb(pids)
    memory["rss_samples"] = samples
    return {
        "outcomes": outcomes,
        "elapsed_send_s": sent_by - start,
        "elapsed_s": finished - start,
        "memory": memory,
    }


def fill_thread_pools(port: int, traffic: Traffic, rounds: int = 5) -> list[Outcome]:
    """Bursts of POOL_THREADS simultaneous requests, each on its own new connection, so that
    every worker starts every thread its pools may have (gunicorn's, Bolt's, the app's). Pools
    start threads lazily, on the first burst that needs them, and each new thread brings its
    stack and malloc state: without this, a rare burst late in a run shows up as growth."""
    barrier = threading.Barrier(POOL_THREADS)
    outcomes: list[Outcome] = []

    def one() -> Outcome:
        kind, body, content_type = traffic.next()
        if getattr(_local, "conn", None) is not None:  # a new connection, accepted by
            _local.conn.close()  # whichever worker is free
            _local.conn = None
        barrier.wait(timeout=REQUEST_TIMEOUT_S)
        return send(port, kind, body, content_type, time.perf_counter())

    with ThreadPoolExecutor(max_workers=POOL_THREADS) as pool:
        for _ in range(rounds):
            outcomes += [f.result() for f in [pool.submit(one) for _ in range(POOL_THREADS)]]
    return outcomes


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def rss_at(samples: list[tuple[float, int]], fraction: float) -> float:
    """RSS (MB) of the sample nearest to `fraction` of the run."""
    if not samples:
        return float("nan")
    return min(samples, key=lambda s: abs(s[0] - fraction))[1] / 1024


def summarise(app: str, rate: int, duration_s: float, raw: dict) -> RunResult:
    outcomes: list[Outcome] = raw["outcomes"]
    ok = [o for o in outcomes if o.status is not None and 200 <= o.status < 300]
    bad = [o for o in outcomes if o.status is None or not 200 <= o.status < 300]
    latencies = [o.latency_s for o in outcomes if o.status is not None]
    result = RunResult(app, rate, duration_s, sent=len(outcomes))
    result.p50_ms = round(percentile(latencies, 0.50), 2)
    result.p99_ms = round(percentile(latencies, 0.99), 2)
    result.max_ms = round(max(latencies) * 1000, 2) if latencies else float("nan")
    result.errors = len(bad)
    result.error_samples = sorted({o.error or f"HTTP {o.status}" for o in bad})[:5]
    result.achieved_rps = round(len(ok) / raw["elapsed_s"], 1)
    for kind in sorted({o.kind for o in outcomes}):
        mine = [o.latency_s for o in outcomes if o.kind == kind and o.status is not None]
        result.by_kind[kind] = {
            "count": sum(o.kind == kind for o in outcomes),
            "p50_ms": round(percentile(mine, 0.5), 2),
            "p99_ms": round(percentile(mine, 0.99), 2),
        }
    samples = raw["memory"]["rss_samples"]
    result.rss_mb = {f"{int(f * 100)}%": round(rss_at(samples, f), 1) for f in (0.1, 0.5, 1.0)}
    result.peak_rss_mb = round(raw["memory"]["hwm"] / 1024, 1)
    result.max_sampled_rss_mb = round(max((s[1] for s in samples), default=0) / 1024, 1)
    late = [(f * duration_s / 60, kb / 1024) for f, kb in samples if f >= 0.5]
    result.late_slope_mb_per_min = round(slope(late), 2)
    return result


def print_table(results: list[RunResult], stand_in: Counter) -> None:
    print(
        f"\n{'app':6}{'rate':>6}{'sent':>7}{'achieved':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'errors':>8}{'RSS MB 10%/50%/100%':>24}{'peak MB':>9}{'MB/min late':>13}"
    )
    for r in results:
        rss = "/".join(f"{v:.1f}" for v in r.rss_mb.values())
        print(
            f"{r.app:6}{r.rate:>6}{r.sent:>7}{r.achieved_rps:>10}{r.p50_ms:>9}{r.p99_ms:>9}"
            f"{r.max_ms:>9}{r.errors:>8}{rss:>24}{r.peak_rss_mb:>9}"
            f"{r.late_slope_mb_per_min:>13}"
        )
        for sample in r.error_samples:
            print(f"{'':14}error: {sample}")
    print("\nper request kind, ours (p50 / p99 ms):")
    for r in results:
        if r.app == "ours":
            kinds = ", ".join(
                f"{k} {v['count']}× {v['p50_ms']}/{v['p99_ms']}" for k, v in r.by_kind.items()
            )
            print(f"  {r.rate:>3} req/s: {kinds}")
    print("\nratios ours / bare:")
    for rate in sorted({r.rate for r in results}):
        pair = {r.app: r for r in results if r.rate == rate}
        if {"ours", "bare"} <= pair.keys():
            ours, bare = pair["ours"], pair["bare"]
            print(
                f"  {rate:>3} req/s: p50 {ours.p50_ms / bare.p50_ms:.2f}×, "
                f"p99 {ours.p99_ms / bare.p99_ms:.2f}×, "
                f"peak RSS {ours.peak_rss_mb / bare.peak_rss_mb:.2f}×"
            )
    print(
        "\nSlack stand-in received: " + ", ".join(f"{k} {v}" for k, v in sorted(stand_in.items()))
    )


def count_questions(outcomes: list[Outcome]) -> int:
    """Slash commands and mentions the server accepted: the requests that log a question."""
    return sum(o.kind in ("command", "mention") and o.status == 200 for o in outcomes)


def query_log_rows(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute("SELECT count(*) FROM query_log").fetchone()[0]


def check_targets(results: list[RunResult]) -> dict[str, bool]:
    ours = [r for r in results if r.app == "ours"]
    at_target = [r for r in ours if r.rate == TARGET_RATE]
    met: dict[str, bool] = {}
    if at_target:
        r = at_target[0]
        met[f"{TARGET_RATE} req/s sustained (≥ 95 %)"] = r.achieved_rps >= 0.95 * TARGET_RATE
        met[f"p99 < {TARGET_P99_MS:.0f} ms at {TARGET_RATE} req/s"] = r.p99_ms < TARGET_P99_MS
        met[f"zero errors at {TARGET_RATE} req/s"] = r.errors == 0
    # Flat memory: from 10 % of the run (after warm-up) to its end the tree grows < 2 MB,
    # about what the allocator alone moves; a bounded cache still filling counts as growth.
    for r in ours:
        start, end = r.rss_mb["10%"], r.rss_mb["100%"]
        met[f"memory flat at {r.rate} req/s"] = end - start < FLAT_MB
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per rate and app")
    parser.add_argument("--rates", type=int, nargs="+", default=list(RATES))
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers per app")
    parser.add_argument(
        "--warmup", type=float, default=15.0, help="seconds at the highest rate first, per app"
    )
    parser.add_argument(
        "--answer-cache-size",
        type=int,
        help="ANSWER_CACHE_SIZE for our app (default: the app's); 0 shows memory without the cache",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        workers = int(os.environ.get("WEB_CONCURRENCY", str(WORKERS)))
        serve_bare(args.serve_bare, args.api_url, secret=SECRET, token=TOKEN, workers=workers)
        return 0
    if args.duration <= 0 or args.duration > 600 or any(not 0 < r <= 1000 for r in args.rates):
        parser.error("--duration must be in (0, 600] s and each rate in (0, 1000] req/s")

    stand_in = FakeSlack()
    ports = {"ours": free_port(), "bare": free_port()}
    data_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    servers = {
        kind: start(kind, port, stand_in.api_url, args.workers, data_dir, args.answer_cache_size)
        for kind, port in ports.items()
    }
    results: list[RunResult] = []
    questions_asked = 0  # slash commands and mentions sent to ours: each must reach its query log
    try:
        for port in ports.values():
            wait_healthy(port)
        traffic = Traffic(stand_in.api_url)
        # Warm up every worker thread, the answer paths and the allocator at the highest rate,
        # so that growth measured from 10 % of a run on is growth, not start-up.
        for kind, port in ports.items():
            burst = fill_thread_pools(port, traffic)
            raw = run_load(port, servers[kind].pid, traffic, max(args.rates), args.warmup)
            if kind == "ours":
                questions_asked += count_questions(burst + raw["outcomes"])
        cpu = os.cpu_count()
        print(
            f"Open-loop load over loopback, gunicorn + uvicorn × {args.workers} workers × 8 threads"
            f" per app, {cpu} CPU(s), {args.duration:.0f} s per rate and app",
            flush=True,
        )
        for rate in args.rates:
            for kind, port in ports.items():
                raw = run_load(port, servers[kind].pid, traffic, rate, args.duration)
                result = summarise(kind, rate, args.duration, raw)
                results.append(result)
                if kind == "ours":
                    questions_asked += count_questions(raw["outcomes"])
                print(
                    f"  {kind} at {rate} req/s: p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, "
                    f"{result.errors} errors, {result.achieved_rps} req/s achieved",
                    flush=True,
                )
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
        stand_in.close()

    print_table(results, Counter(call.method for call in stand_in.calls))
    # Read after the servers stopped: the workers write what is still queued as they exit.
    logged = query_log_rows(data_dir / "ours.sqlite3")
    print(f"query log of ours: {logged} rows for {questions_asked} questions answered with 2xx")
    met = check_targets(results)
    met["every question in the query log"] = logged == questions_asked
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    if args.json:
        print(json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=1))
    return 1 if args.check and not all(met.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
