"""/aigc subscribe, unsubscribe, subscriptions, digest, digest post and stats, the query log and
the digest's buttons: the real app with a real store (SQLite, and PostgreSQL with
TEST_DATABASE_URL) over HTTP on 127.0.0.1, against the local Slack stand-in."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import blocks as b
from bot.app import create_app
from bot.digest import compose_digest, run_due
from bot.query_log import StoreQueryLog
from bot.server import wsgi_app
from bot.store import QueryLog, Store
from tests import payloads as p
from tests.databases import FakeClock
from tests.e2e.fake_slack import LoopbackServer
from tests.e2e.test_http import command, send

MONDAY_10_SHANGHAI = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class Running:
    def __init__(self, store: Store, log: StoreQueryLog, server: LoopbackServer, clock) -> None:
        self.store, self.log, self.server, self.clock = store, log, server, clock
        self.url = server.url


@pytest.fixture
def app(engine, settings, knowledge, fake_slack):
    clock = FakeClock(MONDAY_10_SHANGHAI)
    store = Store(engine, clock, user_key="e2e-salt")
    log = StoreQueryLog(store)
    server = LoopbackServer(
        wsgi_app(
            create_app(settings, knowledge, store=store, query_log=log), settings.signing_secret
        )
    )
    fake_slack.reset()
    yield Running(store, log, server, clock)
    server.close()
    log.close()


def text_of(reply) -> str:
    body = reply.json()
    return body.get("text", "") + json.dumps(body.get("blocks", []), ensure_ascii=False)


def test_subscribe_change_list_and_unsubscribe(app, fake_slack, knowledge):
    reply = command(app, fake_slack, "subscribe")
    assert reply.json()["response_type"] == "ephemeral"
    assert reply.json()["text"] == (
        f"已订阅：<#{p.CHANNEL}> 每天 09:30（Asia/Shanghai）收到 AIGC 日报，每星期一附“本周团队在问”。"
    )
    sub = app.store.subscription(p.TEAM, p.CHANNEL)
    assert sub.subscribed_by == p.USER and sub.known_ids is not None
    reply = command(app, fake_slack, "subscribe 8:05 europe/berlin")
    assert reply.json()["text"] == f"已更新：<#{p.CHANNEL}> 的日报改为每天 08:05（Europe/Berlin）。"
    assert "“25:00”不是有效的时间" in command(app, fake_slack, "订阅 25:00").json()["text"]
    bad_zone = command(app, fake_slack, "订阅 09:00 Mars/<!here>").json()["text"]
    assert "未知时区" in bad_zone and "<!here>" not in bad_zone
    assert "用法" in command(app, fake_slack, "订阅 1 2 3").json()["text"]
    english = command(app, fake_slack, "subscribe 08:00 America").json()["text"]
    assert english.startswith("Unknown time zone “America”")

    app.store.pause(p.TEAM, p.CHANNEL, "not_in_channel")
    listing = text_of(command(app, fake_slack, "subscriptions"))
    assert f"<#{p.CHANNEL}> 每天 08:05（Europe/Berlin）" in listing
    assert "已暂停：我已不在这个频道里" in listing

    reply = command(app, fake_slack, "unsubscribe")
    assert reply.json()["text"] == f"已取消：<#{p.CHANNEL}> 不再收到 AIGC 日报。"
    assert "没有订阅" in command(app, fake_slack, "unsubscribe").json()["text"]
    assert "还没有频道订阅" in text_of(command(app, fake_slack, "subscriptions"))
    assert fake_slack.of("chat.postMessage") == []
    assert fake_slack.of("response_url") == []  # every answer was in the ack


def test_digest_preview_then_post_counts_as_todays_digest(app, fake_slack, knowledge):
    command(app, fake_slack, "subscribe")
    preview = command(app, fake_slack, "digest").json()
    assert preview["response_type"] == "ephemeral"
    assert "预览" in preview["blocks"][0]["elements"][0]["text"]
    assert preview["blocks"][1]["text"]["text"] == "AIGC 日报 · 2026年3月2日 星期一"
    assert fake_slack.of("chat.postMessage") == []

    reply = command(app, fake_slack, "digest post")  # posted within the ack's budget
    assert reply.json()["text"] == "已把今天的日报发到本频道。"
    posted = fake_slack.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == p.CHANNEL
    assert posted["blocks"] == preview["blocks"][1:]  # what was previewed is what was posted
    row = app.store.digest_post(p.TEAM, p.CHANNEL, MONDAY_10_SHANGHAI.date())
    assert row.status == "posted" and row.message_ts.startswith("1700000099.")

    # The scheduler will not post it again today, nor will a second `digest post`.
    assert run_due(app.store, knowledge, lambda team: None, app.clock()).posted == []
    again = command(app, fake_slack, "digest post").json()
    assert "已经发过了" in again["text"]
    assert len(fake_slack.of("chat.postMessage")) == 1
    # A preview after the post shows what was posted.
    assert command(app, fake_slack, "digest").json()["blocks"][1:] == posted["blocks"]


def test_digest_post_where_the_bot_is_not_invited_says_how_to_invite_it(app, fake_slack):
    fake_slack.fail("chat.postMessage", "not_in_channel", channel=p.CHANNEL)
    advice = command(app, fake_slack, "digest post").json()
    assert "/invite" in advice["text"]
    # Released, not used up: after the invite it can be posted today.
    assert app.store.digest_post(p.TEAM, p.CHANNEL, MONDAY_10_SHANGHAI.date()) is None


IN_A_DM = {"channel_id": "D0DIRECT01", "channel_name": "directmessage"}
IN_A_PRIVATE_CHANNEL = {"channel_id": "C0PRIVATE1", "channel_name": "privategroup"}
IN_A_GROUP_DM = {"channel_id": "G0GROUPDM1", "channel_name": "mpdm-a--b--c-1"}


def test_questions_are_logged_and_stats_show_the_gaps_without_names(app, fake_slack):
    for query in ("什么是MaaS", "什么是MaaS", "明天天气怎么样", "<!channel> 火星移民"):
        command(app, fake_slack, query)
    event = p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="1700000000.000222")
    send(app, json.dumps(p.event_callback(event, "Ev0MENTION01")), "application/json")
    fake_slack.wait_for("chat.postMessage")
    send(
        app,
        json.dumps(p.event_callback(p.direct_message("合成数据有什么用"), "Ev0DM000001")),
        "application/json",
    )
    fake_slack.wait_for("chat.postMessage", 2)

    def logged():
        app.log.flush()
        with app.store.engine.connect() as conn:
            query = select(QueryLog.source, QueryLog.user_hash, QueryLog.answered_entry_id)
            return conn.execute(query).all()

    # The DM's question is logged just after its answer is posted: poll with a deadline.
    deadline = time.monotonic() + 5
    while len(rows := logged()) < 6 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert Counter(r.source for r in rows) == {"command": 4, "mention": 1, "dm": 1}
    assert all(r.user_hash != p.USER and len(r.user_hash) == 64 for r in rows)
    assert sum(r.answered_entry_id is None for r in rows) == 2

    stats = command(app, fake_slack, "stats").json()
    text = json.dumps(stats["blocks"], ensure_ascii=False)
    assert stats["response_type"] == "ephemeral"
    assert "模型即服务(MaaS)" in text and "2 次 · 1 人" in text  # the mention's C… is unknown
    assert "什么是MaaS" not in text and "火星移民" not in text  # no one's own words
    assert "明天天气怎么样" not in text  # an unanswered topic only one person asked
    assert "合成数据" not in text  # the DM's answer is no one else's business
    assert "<!channel>" not in text and p.USER not in text


def test_private_questions_never_reach_stats_run_in_a_public_channel(app, fake_slack):
    for where in (IN_A_DM, IN_A_PRIVATE_CHANNEL, IN_A_GROUP_DM):
        for user in ("U0PRIV0001", "U0PRIV0002", "U0PRIV0003"):
            command(app, fake_slack, "什么是GAN", user_id=user, **where)
            command(app, fake_slack, "秘密的火星移民计划", user_id=user, **where)
    send(
        app,
        json.dumps(p.event_callback(p.direct_message("什么是PGC"), "Ev0DM000002")),
        "application/json",
    )
    fake_slack.wait_for("chat.postMessage")
    app.log.flush()
    deadline = time.monotonic() + 5
    while len(logged_conversations(app)) < 19 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert Counter(logged_conversations(app)) == {"im": 7, "group": 6, "mpim": 6}

    stats = command(app, fake_slack, "stats").json()  # run in the public #general
    text = json.dumps(stats["blocks"], ensure_ascii=False)
    assert "GAN" not in text and "PGC" not in text and "火星" not in text
    assert "公开频道里还没有人提问" in text


def test_an_unanswered_topic_shows_in_stats_once_three_people_asked(app, fake_slack):
    def stats_text() -> str:
        app.log.flush()
        return json.dumps(command(app, fake_slack, "stats").json()["blocks"], ensure_ascii=False)

    for user in ("U0FIRST001", "U0SECOND01"):
        command(app, fake_slack, "明天天气怎么样？", user_id=user)
        command(app, fake_slack, "明天天气怎么样", user_id=user)
    assert "明天天气怎么样" not in stats_text()  # two people, four times
    command(app, fake_slack, "明天 天气 怎么样", user_id="U0THIRD001")
    text = stats_text()
    assert "明天天气怎么样" in text and "5 次 · 3 人" in text
    assert "明天天气怎么样？" not in text and "明天 天气" not in text  # the topic, not a wording


def logged_conversations(app) -> list[str]:
    with app.store.engine.connect() as conn:
        return list(conn.scalars(select(QueryLog.conversation)))


def test_digest_buttons_open_the_section_and_the_term_for_the_clicker_only(
    app, fake_slack, knowledge
):
    digest = compose_digest(app.store, knowledge, p.TEAM, p.CHANNEL, MONDAY_10_SHANGHAI.date())
    for action, entry in (
        (b.DIGEST_READ_ACTION, digest.items.trend),
        (b.DIGEST_TERM_ACTION, digest.items.term),
    ):
        payload = p.block_action(
            action,
            b.encode_value(id=entry.id),
            response_url=fake_slack.response_url(action),
            ephemeral=False,
        )
        send(app, p.interactive_body(payload))
        shown = fake_slack.wait_for("response_url")[-1].params
        fake_slack.reset()
        assert shown["response_type"] == "ephemeral" and shown["replace_original"] is False
        assert shown["blocks"][0]["text"]["text"] == b.clip(entry.title, 150)


def test_app_home_lists_the_entries_asked_about_and_only_the_viewers_own_questions(app, fake_slack):
    for query in ("什么是MaaS", "什么是MaaS", "明天天气怎么样"):
        command(app, fake_slack, query, user_id="U0SOMEONE1")
    command(app, fake_slack, "我私下问的 LoRA", **IN_A_DM)  # the viewer's own, in a DM
    app.log.flush()
    event = p.event_callback(p.app_home_opened(), "Ev0HOME0001")
    send(app, json.dumps(event), "application/json")
    view = fake_slack.wait_for("views.publish")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "大家最常问" in text and "模型即服务(MaaS)" in text
    assert "什么是MaaS" not in text and "明天天气怎么样" not in text  # someone else's words
    assert "你最近的提问" in text and "我私下问的 LoRA" in text  # the viewer's own
