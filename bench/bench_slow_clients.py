"""Slow clients held vs the latency of signed /aigc and /healthz, over loopback HTTP, against
`python -m bot serve` as the Procfile runs it (issue 11: 500 half-sent requests must not stop a
signed /aigc from being answered within 1 s).

    .venv/bin/python bench/bench_slow_clients.py [--held 0,20,40,100,250,500] [--requests 40]

For each number of held connections (half of them half a request line, half the headers and
part of a body, none ever finished), sends `--requests` signed /aigc commands and as many
/healthz one after another, each on a new connection with a `--timeout`, and prints the
latencies and how many were answered. `--root DIR` serves another checkout of the project (the
code before a change, for comparison). Traffic goes to 127.0.0.1 only; the Web API calls the
app makes go to the local Slack stand-in from tests/e2e.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.fake_slack import FakeSlack, signed_headers  # noqa: E402
from tests.payloads import slash_command  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import loopback  # noqa: E402
from loopback import QUESTIONS, free_port, percentile, start_server, wait_healthy  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TARGET_HELD, TARGET_S = 500, 1.0  # the target
HALF_A_REQUEST_LINE = b"POST /slack/ev"
HEADERS_AND_PART_OF_A_BODY = (
    b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\ntoken="
)


def hold(port: int, count: int) -> list[socket.socket]:
    held = []
    for n in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        connection.sendall(HEADERS_AND_PART_OF_A_BODY if n % 2 else HALF_A_REQUEST_LINE)
        held.append(connection)
    return held


def timed_request(port: int, method: str, path: str, body: bytes, headers: dict, timeout: float):
    """Seconds to a complete 200 answer, or None (timed out, refused, or not 200)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return time.perf_counter() - started if response.status == 200 else None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def measure(port: int, held: int, requests: int, timeout: float) -> dict:
    connections = hold(port, held)
    try:
        commands, health = [], []
        for n in range(requests):
            text = urlencode(
                slash_command(QUESTIONS[n % len(QUESTIONS)], response_url="http://127.0.0.1:9/x")
            )
            headers = signed_headers(SECRET, text, "application/x-www-form-urlencoded")
            commands.append(
                timed_request(port, "POST", "/slack/events", text.encode(), headers, timeout)
            )
            health.append(timed_request(port, "GET", "/healthz", b"", {}, timeout))
        still_held = sum(_still_open(c) for c in connections)
    finally:
        for connection in connections:
            connection.close()
    return {"held": held, "still_held": still_held, "aigc": commands, "healthz": health}


def _still_open(connection: socket.socket) -> bool:
    connection.setblocking(False)
    try:
        return connection.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def summary(latencies: list[float | None]) -> tuple[str, str, str]:
    answered = [s for s in latencies if s is not None]
    if not answered:
        return "—", "—", f"0/{len(latencies)}"
    p50, p99 = percentile(answered, 0.50), percentile(answered, 0.99)
    return f"{p50:.1f}", f"{p99:.1f}", f"{len(answered)}/{len(latencies)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held", default="0,20,40,100,250,500", help="held connections, each run")
    parser.add_argument("--requests", type=int, default=40, help="signed /aigc (and /healthz) each")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds one request may take")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve")
    args = parser.parse_args()
    levels = [int(n) for n in args.held.split(",")]

    loopback.ROOT = args.root.resolve()  # where `python -m bot serve` runs from
    slack = FakeSlack()
    port = free_port()
    database = tempfile.TemporaryDirectory(prefix="bench-slow-")
    env = {"DATABASE_URL": f"sqlite:///{database.name}/bench.db"}  # whatever the checkout's schema
    server = start_server(
        port, slack.api_url, secret=SECRET, token=TOKEN, workers=args.workers, env=env
    )
    try:
        wait_healthy(port)
        measure(port, 0, 10, args.timeout)  # warm up
        rows = [measure(port, held, args.requests, args.timeout) for held in levels]
    finally:
        server.terminate()
        server.wait(timeout=30)
        slack.close()
        database.cleanup()

    print(f"`python -m bot serve` ({args.root.resolve()}), {args.workers} workers, 127.0.0.1")
    print(
        f"{'held':>6}{'still held':>12}{'/aigc p50 ms':>14}{'p99 ms':>9}{'answered':>10}"
        f"{'/healthz p50':>14}{'answered':>10}"
    )
    for row in rows:
        aigc, health = summary(row["aigc"]), summary(row["healthz"])
        print(
            f"{row['held']:>6}{row['still_held']:>12}{aigc[0]:>14}{aigc[1]:>9}{aigc[2]:>10}"
            f"{health[0]:>14}{health[2]:>10}"
        )
    target = next((r for r in rows if r["held"] == TARGET_HELD), None)
    if target is not None:
        met = all(s is not None and s < TARGET_S for s in target["aigc"])
        print(
            f"target: every signed /aigc answered within {TARGET_S:.0f} s "
            f"with {TARGET_HELD} held: {'met' if met else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
