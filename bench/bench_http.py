"""Signed /aigc slash commands over loopback HTTP, against the app as `python -m bot serve` runs
it (gunicorn), beside a bare Bolt app that only acks, served the same way, in the same run.

    .venv/bin/python bench/bench_http.py [--requests 400] [--seconds 4] [--clients 8]

Prints p50/p99 latency (one client, then 8 concurrent clients) and requests per second at 8
concurrent clients for both, and the ratio. Traffic goes to 127.0.0.1 only; the Web API calls
the apps make at start-up (auth.test) go to the local stand-in from tests/e2e.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.fake_slack import FakeSlack, signed_headers  # noqa: E402
from tests.payloads import slash_command  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from loopback import (  # noqa: E402
    QUESTIONS,
    free_port,
    percentile,
    serve_bare,
    start_server,
    wait_healthy,
)

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TARGET_P50_MS, TARGET_P99_MS, TARGET_RATIO = 15.0, 50.0, 0.7


def start(kind: str, port: int, api_url: str, workers: int) -> subprocess.Popen:
    """`ours` as `python -m bot serve` runs it; `uncached` the same with ANSWER_CACHE_SIZE=0."""
    return start_server(
        port,
        api_url,
        secret=SECRET,
        token=TOKEN,
        workers=workers,
        bare_script=__file__ if kind == "bare" else None,
        env={"ANSWER_CACHE_SIZE": "0" if kind == "uncached" else "2048"},
        output=subprocess.DEVNULL,
    )


def signed_request(query: str) -> tuple[bytes, dict]:
    body = urlencode(slash_command(query, response_url="http://127.0.0.1:9/unused"))
    return body.encode(), signed_headers(SECRET, body, "application/x-www-form-urlencoded")


def client_loop(port: int, stop, latencies: list[float], errors: list[str], offset: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    i = offset
    while not stop(i - offset):
        body, headers = signed_request(QUESTIONS[i % len(QUESTIONS)])
        started = time.perf_counter()
        try:
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            errors.append(repr(error))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(f"HTTP {response.status}")
        i += 1
    conn.close()


def measure(port: int, clients: int, *, requests: int = 0, seconds: float = 0.0) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    if requests:
        per_client = requests // clients

        def stop(done: int) -> bool:
            return done >= per_client
    else:
        until = time.monotonic() + seconds

        def stop(done: int) -> bool:
            return time.monotonic() >= until

    threads = [
        threading.Thread(target=client_loop, args=(port, stop, latencies, errors, n * 3))
        for n in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        "rps": round(len(latencies) / elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="sequential latency requests")
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each 8-client run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
        serve_bare(args.serve_bare, args.api_url, secret=SECRET, token=TOKEN, workers=workers)
        return 0

    slack = FakeSlack()
    ports = {"bare": free_port(), "ours": free_port(), "uncached": free_port()}
    servers = [start(kind, port, slack.api_url, args.workers) for kind, port in ports.items()]
    try:
        for port in ports.values():
            wait_healthy(port)
        for port in ports.values():  # warm up every worker
            measure(port, args.clients, requests=args.clients * 20)
        figures: dict[str, dict] = {kind: {} for kind in ports}
        for kind, port in ports.items():
            figures[kind]["sequential"] = measure(port, 1, requests=args.requests)
        for kind, port in ports.items():
            figures[kind]["concurrent"] = measure(port, args.clients, seconds=args.seconds)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=15)
        slack.close()

    print(f"Signed /aigc over loopback HTTP, gunicorn + uvicorn × {args.workers} workers per app")
    print(f"{'':28}{'ours':>12}{'no cache':>12}{'bare ack':>12}")
    rows = [
        ("p50, 1 client (ms)", "sequential", "p50_ms"),
        ("p99, 1 client (ms)", "sequential", "p99_ms"),
        (f"p50, {args.clients} clients (ms)", "concurrent", "p50_ms"),
        (f"p99, {args.clients} clients (ms)", "concurrent", "p99_ms"),
        (f"req/s, {args.clients} clients", "concurrent", "rps"),
        ("errors", "concurrent", "errors"),
    ]
    for label, phase, key in rows:
        values = "".join(f"{figures[k][phase][key]:>12}" for k in ("ours", "uncached", "bare"))
        print(f"{label:28}{values}")
    bare_rps = figures["bare"]["concurrent"]["rps"]
    ratio = figures["ours"]["concurrent"]["rps"] / bare_rps
    uncached_ratio = figures["uncached"]["concurrent"]["rps"] / bare_rps
    print(f"throughput ratio ours / bare: {ratio:.2f} (answer cache off: {uncached_ratio:.2f})")
    ours = figures["ours"]["sequential"]
    met = {
        f"p50 ≤ {TARGET_P50_MS} ms": ours["p50_ms"] <= TARGET_P50_MS,
        f"p99 ≤ {TARGET_P99_MS} ms": ours["p99_ms"] <= TARGET_P99_MS,
        f"ratio ≥ {TARGET_RATIO}": ratio >= TARGET_RATIO,
        "no errors": not any(f[p]["errors"] for f in figures.values() for p in f),
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    if args.json:
        ratios = {"ratio": round(ratio, 3), "uncached_ratio": round(uncached_ratio, 3)}
        print(json.dumps({"figures": figures, **ratios}, indent=2))
    return 1 if args.check and not all(met.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
