"""Every Slack request is acknowledged within Slack's 3 seconds while another program holds the
database's write lock for 6 seconds (SQLite: BEGIN IMMEDIATE on a second connection;
PostgreSQL with TEST_DATABASE_URL: LOCK TABLE … IN ACCESS EXCLUSIVE MODE). The storage
subcommands answer through response_url once the lock is gone; nothing is lost."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy

from bot.store import Store, make_engine
from tests import payloads as p
from tests.databases import FakeClock
from tests.e2e.fake_slack import Reply
from tests.faults.conftest import JSON, Process

LOCK_SECONDS = 6.0
SLACK_ACK_LIMIT = 3.0  # Slack shows operation_timeout to the user after this
MONDAY_10_SHANGHAI = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
APP_TABLES = ("subscriptions", "digest_posts", "query_log", "processed_events")
OTHER_CHANNEL = "C0OTHER001"


class HeldLock:
    """Another program's write lock on the app's tables, let go by a timer after `seconds`
    (or by `release()`): the app sees a database that hangs, then recovers."""

    def __init__(self, database_url: str, seconds: float) -> None:
        if database_url.startswith("sqlite"):
            connection = sqlite3.connect(
                database_url.removeprefix("sqlite:///"),
                isolation_level=None,
                check_same_thread=False,
            )
            connection.execute("BEGIN IMMEDIATE")
            self._end: Callable[[], None] = lambda: (
                connection.execute("ROLLBACK"),
                connection.close(),
            )
        else:
            engine = sqlalchemy.create_engine(database_url)
            pg = engine.connect()
            pg.begin()
            pg.exec_driver_sql(f"LOCK TABLE {', '.join(APP_TABLES)} IN ACCESS EXCLUSIVE MODE")
            self._end = lambda: (pg.rollback(), pg.close(), engine.dispose())
        self.taken = time.monotonic()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.release)
        self._timer.start()

    @property
    def held(self) -> bool:
        return not self._released.is_set()

    def release(self) -> None:
        with self._lock:
            if self._released.is_set():
                return
            self._end()
            self._released.set()
        self._timer.cancel()


@dataclass
class Timed:
    name: str
    reply: Reply
    seconds: float


def timed(name: str, send: Callable[[], Reply]) -> Timed:
    started = time.monotonic()
    reply = send()
    return Timed(name, reply, time.monotonic() - started)


def command(process: Process, slack, text: str, name: str, **fields: str) -> Callable[[], Reply]:
    payload = {**p.slash_command(text, response_url=slack.response_url(name)), **fields}
    return lambda: process.send(p.form_body(payload))


def event(process: Process, payload: dict) -> Callable[[], Reply]:
    return lambda: process.send(json.dumps(payload), JSON)


@pytest.fixture
def process(settings, knowledge, slack, engine, database_url):
    """One web process on the migrated test database, as `serve` configures it (SQLite's
    5-second busy timeout, the store's retries and their real pauses)."""
    store = Store(make_engine(database_url), FakeClock(MONDAY_10_SHANGHAI), user_key="lock-salt")
    started = Process(settings, knowledge, store)
    slack.reset()  # forget the start-up auth.test
    yield started
    started.close()
    store.engine.dispose()


def test_every_request_is_acked_in_time_while_the_database_is_locked_and_answered_after(
    process, slack, database_url
):
    store = process.store
    store.subscribe(p.TEAM, p.CHANNEL, p.USER, "09:30", "Asia/Shanghai")
    store.subscribe(p.TEAM, OTHER_CHANNEL, p.USER, "08:00", "UTC")
    storage = {
        "subscribe": command(process, slack, "subscribe 09:45 Asia/Shanghai", "subscribe"),
        "unsubscribe": command(
            process, slack, "unsubscribe", "unsubscribe", channel_id=OTHER_CHANNEL
        ),
        "subscriptions": command(process, slack, "subscriptions", "subscriptions"),
        "digest": command(process, slack, "digest", "digest"),
        "digest post": command(process, slack, "digest post", "post"),
        "stats": command(process, slack, "stats", "stats"),
    }
    others = {
        "question": command(process, slack, "什么是MaaS", "question"),
        "help": command(process, slack, "help", "help"),
        "mention": event(
            process, p.event_callback(p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS"), "EvLock01")
        ),
        "dm": event(process, p.event_callback(p.direct_message("合成数据有什么用"), "EvLock02")),
        "home": event(process, p.event_callback(p.app_home_opened(), "EvLock03")),
    }

    lock = HeldLock(database_url, LOCK_SECONDS)
    try:
        requests = {**storage, **others}
        with ThreadPoolExecutor(len(requests)) as pool:
            replies = list(pool.map(lambda item: timed(*item), requests.items()))
        assert lock.held, "the acks came only after the lock was released"
    finally:
        lock.release() if not lock.held else None
    for done in replies:
        assert done.reply.status == 200, (done.name, done.reply)
        assert done.seconds < SLACK_ACK_LIMIT, f"{done.name} acked after {done.seconds:.1f}s"
    acked = {done.name: done.reply.body for done in replies}
    assert json.loads(acked["question"])["text"] == "模型即服务(MaaS)"  # answered in the ack
    assert json.loads(acked["help"])["blocks"]
    for name in storage:  # nothing said yet, so the result is the one message
        assert acked[name] == "", (name, acked[name])

    # The lock goes; each storage command's result arrives through its response_url, once.
    lock.release()
    paths = {f"/response/{name}" for name in ("subscribe", "unsubscribe", "subscriptions")}
    paths |= {"/response/digest", "/response/post", "/response/stats"}
    slack.wait_until(
        lambda: paths <= {c.path for c in slack.of("response_url") if c.ok},
        timeout=30,
        what="every storage result via response_url",
    )
    late = {c.path.removeprefix("/response/"): c.params for c in slack.of("response_url")}
    assert len(slack.of("response_url")) == len(paths)
    assert late["subscribe"]["text"].startswith("已更新")
    assert late["unsubscribe"]["text"].startswith("已取消")
    assert late["subscriptions"]["text"] == "本工作区的 AIGC 日报订阅"
    assert late["digest"]["blocks"][1]["text"]["text"] == "AIGC 日报 · 2026年3月2日 星期一"
    assert late["post"]["text"] == "已把今天的日报发到本频道。"
    assert late["stats"]["text"] == "最近 7 天大家问了什么"
    for params in late.values():
        assert params["response_type"] == "ephemeral" and "replace_original" not in params
    assert store.subscription(p.TEAM, p.CHANNEL).post_time == "09:45"
    assert store.subscription(p.TEAM, OTHER_CHANNEL) is None
    slack.wait_delivered("chat.postMessage", 3)  # the digest, the mention's and the DM's answers
    slack.wait_delivered("views.publish")
