"""SIGTERM: `python -m bot serve` (gunicorn, a scheduler in each worker) and `python -m bot clock`
as real processes against the Slack stand-in finish the work in flight (an answer being
posted, a digest being posted), record it, hold no digest claim, and exit 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store import DigestPost, QueryLog, Store, make_engine
from tests import payloads as p
from tests.databases import event_status
from tests.e2e.fake_slack import Scripted, get, post, signed_headers
from tests.faults.conftest import FORM, JSON, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
DIGEST_CHANNEL = "C0DIGEST01"
DEADLINE = 60.0


class Output:
    """A subprocess's stderr, read in a thread; tests wait for a line with a deadline."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait(self, text: str, timeout: float = DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {text!r} in {''.join(self.lines)[-3000:]}")
                self._changed.wait(left)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    mode: str, database_url: str, fake_slack, port: int, scheduler: str = "on", workers: int = 1
) -> tuple[subprocess.Popen, Output]:
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-faults",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "INFO",
        "NO_PROXY": "127.0.0.1",
        "DIGEST_SCHEDULER": scheduler,
        "QUERY_LOG_SALT": "faults-key",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, Output(process.stderr)


def subscribe_due_digest(database_url: str) -> Store:
    """A channel whose digest is due whenever the process starts (00:00 local)."""
    store = Store(make_engine(database_url), lambda: datetime.now(UTC))
    store.subscribe(p.TEAM, DIGEST_CHANNEL, p.USER, "00:00", "UTC")
    return store


def digest_rows(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(DigestPost.channel_id, DigestPost.status))]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


@pytest.fixture
def migrated(engine, database_url) -> str:
    return database_url


def test_serve_finishes_the_answer_and_the_digest_in_flight_on_sigterm(migrated, slack):
    """The worker (with its digest scheduler running) is answering a mention and posting
    `/aigc digest post` when SIGTERM comes."""
    store = Store(make_engine(migrated), lambda: datetime.now(UTC))
    hang = Scripted(hang=DEADLINE)  # each ended by slack.release() below
    slack.script("chat.postMessage", hang, hang)
    port = free_port()
    process, output = start("serve", migrated, slack, port, scheduler="on")
    try:
        url = wait_until_serving(port, output)
        event = p.event_callback(
            p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="1700000000.000900"), "EvSigterm01"
        )
        body = json.dumps(event)
        assert post(f"{url}/slack/events", body, signed_headers(SIGNING_SECRET, body, JSON)).ok
        body = p.form_body(p.slash_command("digest post", response_url=slack.response_url("d")))
        assert post(f"{url}/slack/events", body, signed_headers(SIGNING_SECRET, body, FORM)).ok
        slack.wait_for("chat.postMessage", 2, timeout=DEADLINE)  # both in flight
        assert digest_rows(store) == [(p.CHANNEL, "claimed")]
        process.send_signal(signal.SIGTERM)
        output.wait("Handling signal: term")
        slack.release()
        assert process.wait(DEADLINE) == 0, "".join(output.lines)[-3000:]
    finally:
        stop(process)
    posted = slack.delivered("chat.postMessage")
    assert len(posted) == len(slack.of("chat.postMessage")) == 2
    assert sorted("thread_ts" in c.params for c in posted) == [False, True]  # digest, answer
    assert digest_rows(store) == [(p.CHANNEL, "posted")]  # marked, no claim left behind
    assert event_status(store.engine, "event:EvSigterm01") == "done"
    store.engine.dispose()


def test_serve_workers_write_the_questions_they_are_asked_to_the_query_log(migrated, slack):
    """`serve` builds the app in the gunicorn master and forks the workers: each worker must
    write its own questions (`/aigc stats` and the weekly digest read them), not queue them
    for a writer thread that only the master has."""
    store = Store(make_engine(migrated), lambda: datetime.now(UTC))
    port = free_port()
    process, output = start("serve", migrated, slack, port, scheduler="off", workers=2)
    asked = [f"什么是MaaS 第{n}问" for n in range(12)]
    try:
        url = wait_until_serving(port, output)
        for n, question in enumerate(asked):  # a new connection each, so both workers serve
            body = p.form_body(p.slash_command(question, response_url=slack.response_url(f"q{n}")))
            assert post(f"{url}/slack/events", body, signed_headers(SIGNING_SECRET, body, FORM)).ok
        deadline = time.monotonic() + DEADLINE
        while len(logged := query_log(store)) < len(asked):  # written in the background
            assert time.monotonic() < deadline, f"{len(logged)} of {len(asked)} questions logged"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(DEADLINE) == 0, "".join(output.lines)[-3000:]
    finally:
        stop(process)
    assert sorted(logged) == sorted((q, "command") for q in asked)
    store.engine.dispose()


def query_log(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(QueryLog.query, QueryLog.source))]


def wait_until_serving(port: int, output: Output) -> str:
    """Poll /healthz with a deadline until a worker answers; the server's base URL. A refused
    connection returns at once, so each poll waits a moment: without it the test spun a core
    (some 15,000 polls) that the starting server needed."""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + DEADLINE
    pause = threading.Event()
    while not get_ok(f"{url}/healthz"):
        assert time.monotonic() < deadline, "".join(output.lines)
        pause.wait(0.02)
    return url


def get_ok(url: str) -> bool:
    try:
        return get(url, timeout=2).status == 200
    except OSError:
        return False


def test_clock_finishes_the_digest_in_flight_on_sigterm(migrated, slack):
    store = subscribe_due_digest(migrated)
    slack.script("chat.postMessage", Scripted(hang=DEADLINE))
    process, output = start("clock", migrated, slack, free_port())
    try:
        slack.wait_for("chat.postMessage", timeout=DEADLINE)
        assert digest_rows(store) == [(DIGEST_CHANNEL, "claimed")]
        process.send_signal(signal.SIGTERM)
        output.wait("SIGTERM: finishing the work in flight")
        slack.release()
        assert process.wait(DEADLINE) == 0, "".join(output.lines)[-3000:]
    finally:
        stop(process)
    assert len(slack.delivered("chat.postMessage")) == 1
    assert digest_rows(store) == [(DIGEST_CHANNEL, "posted")]
    store.engine.dispose()
