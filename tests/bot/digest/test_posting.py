"""run_due against a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL) and the local
Slack stand-in: one digest per channel per local date, whatever happens."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from slack_sdk import WebClient

from bot import blocks as b
from bot.digest import all_pool_ids, compose_digest, run_due, trend_pool
from bot.store import QueryRecord, Store, make_engine
from tests.bot.limits import check_limits
from tests.e2e.fake_slack import Scripted

TEAM, USER = "T1", "U0SUBSCR01"
MONDAY = date(2026, 3, 2)


def at(day: date, hhmm: str, offset_hours: int = 8) -> datetime:
    """`hhmm` local time on `day` in a zone `offset_hours` east of UTC (Shanghai: 8)."""
    hour, minute = map(int, hhmm.split(":"))
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    return local - timedelta(hours=offset_hours)


def posts(slack, channel: str) -> list[dict]:
    return [c.params for c in slack.of("chat.postMessage") if c.params.get("channel") == channel]


def subscribe(store: Store, knowledge, channel: str = "C1", *args) -> None:
    store.subscribe(TEAM, channel, USER, *args, known_ids=all_pool_ids(knowledge))


def test_posts_once_per_channel_per_local_date_even_when_run_twice(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge, "C1")
    subscribe(store, knowledge, "C2", "10:00", "Europe/Berlin")
    clock.set(at(MONDAY, "09:29"))
    assert run_due(store, knowledge, clients, clock()).posted == []
    clock.set(at(MONDAY, "09:30"))
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert run_due(store, knowledge, clients, clock()).posted == []
    [message] = posts(slack, "C1")
    check_limits(message["blocks"])
    assert message["text"].startswith("AIGC 日报 · 2026年3月2日 星期一")
    row = store.digest_post(TEAM, "C1", MONDAY)
    assert row.status == "posted" and row.message_ts.startswith("1700000099.")
    assert row.trend_entry_id in trend_pool(knowledge) and row.term_entry_id.startswith("term:")
    assert store.subscription(TEAM, "C1").known_id_set() == all_pool_ids(knowledge)
    # Berlin's 10:00 is 09:00 UTC in March.
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C2", MONDAY)]
    assert len(posts(slack, "C1")) == 1 and len(posts(slack, "C2")) == 1


def test_two_schedulers_on_one_database_post_exactly_once(
    database_url, engine, clock, slack, clients, knowledge
):
    first = Store(engine, clock)
    channels = [f"C{i}" for i in range(6)]
    for channel in channels:
        subscribe(first, knowledge, channel)
    schedulers = [Store(make_engine(database_url), clock) for _ in range(3)]
    days = [MONDAY + timedelta(days=n) for n in range(3)]
    barrier = threading.Barrier(len(schedulers))
    errors: list[BaseException] = []

    def race(store: Store) -> None:
        try:
            for day in days:
                barrier.wait(timeout=30)
                if store is schedulers[0]:
                    clock.set(at(day, "10:00"))
                barrier.wait(timeout=30)
                run_due(store, knowledge, clients, clock())
        except BaseException as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=race, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    counts = Counter(c.params["channel"] for c in slack.of("chat.postMessage"))
    assert counts == Counter({channel: len(days) for channel in channels})
    for channel in channels:
        assert [h.local_date for h in first.history(TEAM, channel)] == days


def test_a_restart_mid_post_is_taken_over_once_the_claim_is_stale(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge)
    clock.set(at(MONDAY, "09:30"))
    assert store.claim(TEAM, "C1", MONDAY, "host:123:died-before-marking")
    assert run_due(store, knowledge, clients, clock()).posted == []  # the claim is fresh
    clock.advance(minutes=11)
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert run_due(store, knowledge, clients, clock()).posted == []
    assert len(posts(slack, "C1")) == 1


def test_down_at_post_time_posts_the_same_day_and_never_back_fills(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge)
    clock.set(at(MONDAY, "17:45"))  # came back long after 09:30
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    wednesday = MONDAY + timedelta(days=2)  # down all Tuesday
    clock.set(at(wednesday, "08:00"))
    assert run_due(store, knowledge, clients, clock()).posted == []
    clock.set(at(wednesday, "09:31"))
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", wednesday)]
    assert [h.local_date for h in store.history(TEAM, "C1")] == [MONDAY, wednesday]
    assert len(posts(slack, "C1")) == 2


def test_not_in_channel_pauses_and_tells_the_subscriber(store, clock, slack, clients, knowledge):
    subscribe(store, knowledge)
    slack.fail("chat.postMessage", "not_in_channel", channel="C1")
    clock.set(at(MONDAY, "09:30"))
    report = run_due(store, knowledge, clients, clock())
    assert report.paused == [(TEAM, "C1", "not_in_channel")]
    sub = store.subscription(TEAM, "C1")
    assert not sub.active and sub.paused_reason == "not_in_channel"
    assert store.digest_post(TEAM, "C1", MONDAY).status == "failed"
    [dm] = posts(slack, USER)
    assert "<#C1>" in dm["text"] and "/invite @AIGC知识助手" in dm["text"]
    assert "/aigc subscribe" in dm["text"]
    # Not retried while paused.
    clock.advance(minutes=30)
    assert run_due(store, knowledge, clients, clock()).paused == []
    assert len(posts(slack, "C1")) == 1
    # Invited back and subscribed again: today's digest comes, once.
    slack.reset()
    subscribe(store, knowledge)
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert run_due(store, knowledge, clients, clock()).posted == []
    assert len(posts(slack, "C1")) == 1


def test_a_server_error_releases_the_claim_and_the_next_tick_posts_once(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge)
    # A 500 may come after Slack stored the message, so the client does not repeat it.
    slack.script("chat.postMessage", Scripted(500, {"ok": False, "error": "internal_error"}))
    clock.set(at(MONDAY, "09:30"))
    report = run_due(store, knowledge, clients, clock())
    assert report.released == [(TEAM, "C1", "http_500")] and report.posted == []
    row = store.digest_post(TEAM, "C1", MONDAY)
    assert row.status == "retry" and row.attempts == 1 and row.last_error == "http_500"
    clock.advance(minutes=1)
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert run_due(store, knowledge, clients, clock()).posted == []
    assert len(posts(slack, "C1")) == 2  # the failed attempt and the post


def test_a_network_error_releases_the_claim(store, clock, slack, clients, knowledge):
    subscribe(store, knowledge)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unreachable = WebClient(
        token="xoxb-x", base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[]
    )
    clock.set(at(MONDAY, "09:30"))
    report = run_due(store, knowledge, lambda team: unreachable, clock())
    assert report.posted == [] and len(report.released) == 1
    assert store.digest_post(TEAM, "C1", MONDAY).status == "retry"
    clock.advance(minutes=1)
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert len(posts(slack, "C1")) == 1


def test_rate_limited_posts_are_retried_after_retry_after(store, clock, slack, clients, knowledge):
    subscribe(store, knowledge)
    slack.script(
        "chat.postMessage",
        Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}),
    )
    clock.set(at(MONDAY, "09:30"))
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert len(posts(slack, "C1")) == 2  # the 429, then the post
    assert store.digest_post(TEAM, "C1", MONDAY).status == "posted"


def test_a_workspace_without_installation_is_paused(store, clock, knowledge):
    subscribe(store, knowledge)
    clock.set(at(MONDAY, "09:30"))
    report = run_due(store, knowledge, lambda team: None, clock())
    assert report.paused == [(TEAM, "C1", "app_uninstalled")]
    assert not store.subscription(TEAM, "C1").active


def test_weekly_day_adds_what_the_team_asked(store, clock, slack, clients, knowledge):
    subscribe(store, knowledge)
    clock.set(at(MONDAY - timedelta(days=1), "15:00"))  # Sunday

    def asked(user, query, normalized, entry, conversation="channel"):
        record = QueryRecord(TEAM, user, query, normalized, entry, 3, "command", conversation)
        store.log_queries([record])

    for user in ("U0ALICE001", "U0BOB00001"):
        asked(user, "<!channel> 什么是MaaS", "什么是maas", "term:maas")
    for user in ("U0ALICE001", "U0BOB00001", "U0CAROL001"):
        asked(user, "明天天气怎么样？", "明天天气怎么样", None)
    asked("U0DAVE0001", "秘密项目的 AIGC 预算", "秘密项目的aigc预算", "term:aigc", "im")
    clock.set(at(MONDAY, "09:30"))
    preview = compose_digest(store, knowledge, TEAM, "C1", MONDAY).blocks()
    run_due(store, knowledge, clients, clock())
    [monday] = posts(slack, "C1")
    assert monday["blocks"] == preview  # preview and post agree
    text = json.dumps(monday["blocks"], ensure_ascii=False)
    assert "本周团队在问" in text and "模型即服务(MaaS)" in text and "2 次 · 2 人" in text
    assert "明天天气怎么样" in text and "3 次 · 3 人" in text  # a topic three people asked
    assert "什么是MaaS" not in text and "明天天气怎么样？" not in text  # no one's own words
    assert "秘密" not in text and "AIGC 的" not in text  # nothing from the DM
    assert "U0ALICE001" not in text and "U0BOB00001" not in text
    clock.advance(days=1)
    run_due(store, knowledge, clients, clock())
    tuesday = posts(slack, "C1")[1]
    assert "本周团队在问" not in json.dumps(tuesday["blocks"], ensure_ascii=False)


def test_a_month_of_digests_rotates_and_stays_within_block_kit_limits(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge)
    days = 30
    for n in range(days):
        clock.set(at(MONDAY + timedelta(days=n), "09:30"))
        assert len(run_due(store, knowledge, clients, clock()).posted) == 1
    messages = posts(slack, "C1")
    assert len(messages) == days
    for message in messages:
        check_limits(message["blocks"])
        assert len(message["blocks"]) <= 20  # readable in half a minute
    trends = [h.trend_entry_id for h in store.history(TEAM, "C1")]
    pool = len(trend_pool(knowledge))
    assert len(set(trends[:pool])) == pool  # no repeat before all were shown


def test_stopping_mid_run_leaves_the_rest_due(store, clock, slack, clients, knowledge):
    for channel in ("C1", "C2", "C3"):
        subscribe(store, knowledge, channel)
    clock.set(at(MONDAY, "09:30"))
    calls = iter([False, True])
    report = run_due(store, knowledge, clients, clock(), should_stop=lambda: next(calls, True))
    assert len(report.posted) == 1
    assert len(store.due_subscriptions(clock())) == 2


def test_digest_buttons_carry_the_entries(store, knowledge):
    digest = compose_digest(store, knowledge, TEAM, "C1", MONDAY)
    actions = next(blk for blk in digest.blocks() if blk["type"] == "actions")
    ids = {e["action_id"]: b.decode_value(e["value"])["id"] for e in actions["elements"]}
    assert ids == {
        b.DIGEST_READ_ACTION: digest.items.trend.id,
        b.DIGEST_TERM_ACTION: digest.items.term.id,
    }
