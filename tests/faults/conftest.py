"""Fault injection: the real app over signed HTTP on loopback (several "processes" on one
database where it matters), against the local Slack stand-in told to misbehave."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.app import create_app, make_web_client
from bot.server import wsgi_app
from bot.settings import Settings
from bot.store import Store, make_engine
from tests.databases import FakeClock
from tests.e2e.fake_slack import FakeSlack, LoopbackServer, Reply, post, signed_headers

SIGNING_SECRET = "faults-signing-secret-0123456789abcdef"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Retries of dropped connections and 503s wait 10 ms here instead of slack_sdk's backoff.
FAST_RETRIES = FixedValueRetryIntervalCalculator(0.01)
CLIENT_TIMEOUT = 1  # seconds; a hang of the stand-in lasts longer


@pytest.fixture(scope="module")
def settings(fake_slack: FakeSlack) -> Settings:
    return Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-faults",
            "SLACK_API_URL": fake_slack.api_url,
        },
    )


def fast_client(settings: Settings, timeout: int = CLIENT_TIMEOUT):
    return make_web_client(
        settings, settings.bot_token, timeout=timeout, retry_interval=FAST_RETRIES
    )


class Process:
    """One app instance (as one web process builds it) served on loopback."""

    def __init__(self, settings: Settings, knowledge, app_store: Store | None) -> None:
        self.store = app_store
        self.app = create_app(settings, knowledge, client=fast_client(settings), store=app_store)
        self.server = LoopbackServer(wsgi_app(self.app, settings.signing_secret))
        self.url = self.server.url

    def send(
        self, body: str, content_type: str = FORM, *, retry: tuple[int, str] | None = None
    ) -> Reply:
        headers = signed_headers(SIGNING_SECRET, body, content_type)
        if retry is not None:  # how Slack marks a re-delivery
            headers["X-Slack-Retry-Num"] = str(retry[0])
            headers["X-Slack-Retry-Reason"] = retry[1]
        return post(f"{self.url}/slack/events", body, headers)

    def event(self, payload: dict, *, retry: tuple[int, str] | None = None) -> Reply:
        return self.send(json.dumps(payload), JSON, retry=retry)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def processes(settings, knowledge, slack, engine, database_url) -> Iterator:
    """`processes(n)`: n app instances, each with its own engine on the one test database
    (SQLite file, or a PostgreSQL schema with TEST_DATABASE_URL)."""
    started: list[Process] = []

    def start(n: int = 1, now: FakeClock | None = None) -> list[Process]:
        now = now or FakeClock()
        for _ in range(n):
            started.append(Process(settings, knowledge, Store(make_engine(database_url), now)))
        slack.reset()  # forget the start-up auth.test calls
        return started[-n:]

    yield start
    for process in started:
        process.close()
        assert process.store is not None
        process.store.engine.dispose()


class LogWatch(logging.Handler):
    """Log records of the app as they happen; tests wait for one with a deadline."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self._changed:
            self.messages.append(record.getMessage())
            self._changed.notify_all()

    def count(self, text: str) -> int:
        with self._changed:
            return sum(text in message for message in self.messages)

    def wait(self, text: str, count: int = 1, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(text in message for message in self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no log {text!r} ×{count} within {timeout}s")
                self._changed.wait(left)


@pytest.fixture
def logs() -> Iterator[LogWatch]:
    watch = LogWatch()
    logger = logging.getLogger("bot")
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(watch)
    yield watch
    logger.removeHandler(watch)
    logger.setLevel(previous)
