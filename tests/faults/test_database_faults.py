"""The database going away for a moment: a SQLite file locked by another connection, a
PostgreSQL backend terminated under the running app. No crash, no lost subscription."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
import sqlalchemy

from bot import messages as m
from bot.store import Store, make_engine
from tests import payloads as p
from tests.databases import FakeClock
from tests.faults.conftest import Process
from tests.faults.test_redelivery import mention


def subscribe_command(process: Process, slack, text: str = "subscribe 9:00") -> dict:
    return process.send(
        p.form_body(p.slash_command(text, response_url=slack.response_url("c")))
    ).json()


def hold_write_lock(url: str) -> sqlite3.Connection:
    other = sqlite3.connect(
        url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.fixture
def sqlite_app(settings, knowledge, slack, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    made: list[Process] = []

    def start(**store_options) -> Process:
        store = Store(make_engine(database_url, busy_timeout_ms=1), FakeClock(), **store_options)
        made.append(Process(settings, knowledge, store))
        return made[-1]

    yield start
    for process in made:
        process.close()
        process.store.engine.dispose()


def test_subscribe_during_a_brief_sqlite_lock_succeeds(sqlite_app, slack, database_url, engine):
    other = hold_write_lock(database_url)

    def pause(seconds: float) -> None:  # the other writer commits while the app waits
        other.execute("COMMIT")

    process = sqlite_app(sleep=pause)
    reply = subscribe_command(process, slack)
    assert reply["text"].startswith("已订阅")
    assert process.store.subscription(p.TEAM, p.CHANNEL).post_time == "09:00"
    other.close()


def test_a_lock_that_outlasts_the_retries_says_try_again_and_loses_nothing(
    sqlite_app, slack, database_url, engine
):
    process = sqlite_app(sleep=lambda s: None, retry_backoff=(0.0, 0.0))
    assert subscribe_command(process, slack)["text"].startswith("已订阅")
    other = hold_write_lock(database_url)
    reply = subscribe_command(process, slack, "subscribe 10:00")
    assert reply["text"] == m.APOLOGY["en"]  # "please try again", no stack trace
    # A mention still gets its answer: the duplicate check is skipped, not the answer.
    process.event(mention("EvLocked0001"))
    slack.wait_delivered("chat.postMessage")
    other.execute("ROLLBACK")
    other.close()
    assert process.store.subscription(p.TEAM, p.CHANNEL).post_time == "09:00"  # kept
    assert subscribe_command(process, slack, "subscribe 10:00")["text"].startswith("已更新")


def test_postgres_backends_terminated_under_the_running_app(
    settings, knowledge, slack, database_url, engine
):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    name = f"faults-{uuid.uuid4().hex[:8]}"
    app_engine = make_engine(f"{database_url}&application_name={name}")
    process = Process(settings, knowledge, Store(app_engine, FakeClock()))
    try:
        assert subscribe_command(process, slack)["text"].startswith("已订阅")
        with engine.connect() as admin:  # "the server restarted": every app connection dies
            killed = admin.execute(
                sqlalchemy.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar()
        assert killed >= 1
        assert "<#C0CHANNEL1> 每天 09:00" in str(
            process.send(p.form_body(p.slash_command("subscriptions"))).json()
        )
        reply = subscribe_command(process, slack, "subscribe 10:00")
        assert reply["text"].startswith("已更新")
        process.event(mention("EvPgKilled01"))
        slack.wait_delivered("chat.postMessage")
        assert process.store.subscription(p.TEAM, p.CHANNEL).post_time == "10:00"
    finally:
        process.close()
        app_engine.dispose()
