"""Pieces the HTTP benchmarks share: ports, starting a server, health polling, the bare Bolt
app, percentiles. The Slack stand-in is the tests' own (tests/e2e/fake_slack.py)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from bot.blocks import ALTERNATIVE_ACTION, SHARE_ACTION

# Realistic questions both HTTP benchmarks ask (one unanswerable).
QUESTIONS = [
    "什么是MaaS",
    "合成数据有什么用",
    "AIGC 面临哪些挑战",
    "what is diffusion model",
    "生成对抗网络",
    "AIGC 产业生态",
    "明天天气怎么样",  # a miss
    "预训练模型",
]


ROOT = Path(__file__).resolve().parents[1]


def start_server(
    port: int,
    api_url: str,
    *,
    secret: str,
    token: str,
    workers: int,
    bare_script: str | None = None,
    env: Mapping[str, str] | None = None,
    output: IO[bytes] | int | None = subprocess.DEVNULL,
) -> subprocess.Popen:
    """`python -m bot serve` on 127.0.0.1:`port`, as the Procfile runs it, its Web API calls
    going to the stand-in at `api_url`; with `bare_script`, that script's `--serve-bare` (the
    bare Bolt app of `serve_bare`) instead. `env` adds to the environment; stdout and stderr go
    to `output`."""
    environment = {
        **os.environ,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_BOT_TOKEN": token,
        "SLACK_API_URL": api_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        environment.pop(name, None)
    if bare_script is None:
        cmd = [sys.executable, "-m", "bot", "serve"]
    else:
        cmd = [sys.executable, bare_script, "--serve-bare", str(port), "--api-url", api_url]
    stderr = subprocess.STDOUT if output not in (None, subprocess.DEVNULL) else output
    return subprocess.Popen(cmd, cwd=ROOT, env=environment, stdout=output, stderr=stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, deadline_s: float = 60.0) -> None:
    """Poll /healthz until the server answers 200, or give up at the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not become healthy within {deadline_s:.0f} s")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of latencies in seconds, in milliseconds (NaN when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def serve_bare(port: int, api_url: str, *, secret: str, token: str, workers: int) -> None:
    """A Bolt app whose listeners only ack what the benchmarks send (command, mention, share and
    alternative buttons), served by our own gunicorn settings: the baseline to compare with."""
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.server import gunicorn_options, run_gunicorn, wsgi_app
    from bot.settings import Settings

    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=secret,
        process_before_response=True,
    )

    def ack_only(ack) -> None:
        ack()

    app.command("/aigc")(ack_only)
    app.event("app_mention")(ack_only)
    app.action(SHARE_ACTION)(ack_only)
    app.action(re.compile(rf"^{ALTERNATIVE_ACTION}_\d$"))(ack_only)
    settings = Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_BOT_TOKEN": token,
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
        },
    )
    options = {**gunicorn_options(settings), "bind": f"127.0.0.1:{port}"}
    run_gunicorn(wsgi_app(app, secret), options)
