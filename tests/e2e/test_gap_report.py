"""The editors' weekly knowledge-gap report, end to end: the scheduler tick of a real runtime
(as `serve`, `socket` and `clock` run it) DMs every editor (listed, and by user group) through
the Slack stand-in, which checks the blocks against Block Kit; an editor presses a button in
the DM and the real app over HTTP opens the suggest modal, filled in, checked by the stand-in
too; what they submit waits in the queue. Without editors nothing is sent. SQLite and, with
TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import count

import pytest

from bot import blocks as b
from bot import messages as m
from bot import teach_blocks as tb
from bot.app import create_app
from bot.live_knowledge import LiveKnowledge
from bot.runtime import Runtime, digest_tick
from bot.server import wsgi_app
from bot.settings import Settings
from bot.store import QueryRecord, Store
from knowledge import Knowledge
from tests import payloads as p
from tests.databases import FakeClock
from tests.e2e.conftest import SIGNING_SECRET
from tests.e2e.deployment import eventually
from tests.e2e.fake_slack import FakeSlack, LoopbackServer, Shown, post, signed_headers

EDITOR = "U0EDITOR01"  # named in KNOWLEDGE_EDITORS
GROUP_EDITOR = "U0GROUPED1"  # a member of @ai-editors
TOPIC = "向量数据库"  # the knowledge has no answer for it
ENGLISH_TOPIC = "rag pipeline"
_ids = count(1)


def _settings(fake_slack: FakeSlack, **env: str) -> Settings:
    base = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-e2e-token",
        "SLACK_API_URL": fake_slack.api_url,
        "KNOWLEDGE_REPORT_AT": "mon 09:00",  # the fake clock starts Monday 09:00 in Shanghai
    }
    return Settings.from_env("http", {**base, **env})


class Running:
    """The app over HTTP and its runtime (whose tick sends the report), on one store."""

    def __init__(self, settings: Settings, engine, knowledge: Knowledge, slack: FakeSlack):
        self.clock = FakeClock()
        self.store = Store(engine, self.clock, user_key="e2e-salt")
        self.live = LiveKnowledge(None, self.store, base=knowledge)
        app = create_app(settings, knowledge, store=self.store, live=self.live)
        self.runtime = Runtime(settings, knowledge, self.store, app, self.live)
        self.server = LoopbackServer(wsgi_app(app, settings.signing_secret))
        slack.reset()  # forget the start-up auth.test

    def close(self) -> None:
        self.server.close()
        self.live.stop()


@pytest.fixture
def running(engine, knowledge, fake_slack) -> Iterator[Running]:
    holder = Running(_settings(fake_slack, KNOWLEDGE_EDITORS=f"{EDITOR},@ai-editors"), engine,
                     knowledge, fake_slack)  # fmt: skip
    fake_slack.add_usergroup("S0EDITORS1", "ai-editors", [GROUP_EDITOR])
    yield holder
    holder.close()


def the_week(store: Store) -> None:
    """Questions asked in public channels by enough people, a 👎, a suggestion waiting."""
    records = [
        QueryRecord(p.TEAM, f"U0ASKER{n:03d}", topic, topic, None, 5, "command", "channel")
        for topic in (TOPIC, ENGLISH_TOPIC)
        for n in range(3)
    ]
    store.log_queries(records)
    store.record_vote(p.TEAM, "term:maas", "U0VOTER001", -1)
    store.add_suggestion(p.TEAM, "U0ASKER001", tb.prefill_for_question("什么是扩散模型X"), "teach")


def report_dm(slack: FakeSlack, user: str) -> Shown:
    (dm,) = [s for s in slack.seen_by(user, user) if s.text.startswith("知识缺口周报")]
    return dm


def press_in_dm(running: Running, slack: FakeSlack, user: str, dm: Shown, action_id: str, value):
    """`user` presses the button of their report DM whose action and value match."""
    (button,) = [
        x["accessory"]
        for x in dm.blocks
        if x.get("accessory", {}).get("action_id") == action_id
        and value(b.decode_value(x["accessory"]["value"]))
    ]
    url = slack.response_url(f"report{next(_ids)}", channel=user, user=user, source=dm)
    payload = p.block_action(action_id, button["value"], response_url=url, channel=user)
    payload["user"] = {**payload["user"], "id": user}
    payload["container"]["is_ephemeral"] = False
    payload["trigger_id"] = slack.trigger(user)
    body = p.interactive_body(payload)
    url = f"{running.server.url}/slack/events"
    reply = post(
        url, body, signed_headers(SIGNING_SECRET, body, "application/x-www-form-urlencoded")
    )
    assert reply.status == 200, reply.body


def initial(modal: dict, block_id: str) -> str | None:
    (block,) = [x for x in modal["blocks"] if x.get("block_id") == block_id]
    return block["element"].get("initial_value")


def submit(running: Running, slack: FakeSlack, user: str, values: dict) -> dict:
    body = p.interactive_body(slack.view_submission(user, values))
    url = f"{running.server.url}/slack/events"
    reply = post(
        url, body, signed_headers(SIGNING_SECRET, body, "application/x-www-form-urlencoded")
    )
    assert reply.status == 200, reply.body
    return slack.apply_view_ack(user, reply.body)


def test_editors_get_the_report_and_its_buttons_open_the_filled_in_modal(
    running: Running, fake_slack: FakeSlack, knowledge: Knowledge
) -> None:
    slack = fake_slack
    the_week(running.store)
    tick = digest_tick(running.runtime)
    tick(lambda: False)
    tick(lambda: False)  # the next minute: sent already
    for editor in (EDITOR, GROUP_EDITOR):
        dm = report_dm(slack, editor)  # exactly one each
        assert TOPIC in dm.content and ENGLISH_TOPIC in dm.content
        assert knowledge.get("term:maas").title in dm.content
        assert m.GAP_REPORT_PENDING.format(count=1) in [
            x["text"]["text"] for x in dm.blocks if x["type"] == "section"
        ]
    assert len(slack.delivered("chat.postMessage")) == 2
    assert slack.of("usergroups.users.list")  # the group's members came from Slack

    dm = report_dm(slack, EDITOR)
    press_in_dm(running, slack, EDITOR, dm, b.TEACH_ACTION, lambda v: v.get("q") == TOPIC)
    modal = slack.wait_modal(EDITOR, tb.SUGGEST_VIEW)
    assert modal["title"]["text"] == m.SUGGEST_TITLE["zh"]
    assert initial(modal, "zh") == TOPIC
    definition = "向量数据库按向量相似度存储和检索数据，常用于检索增强生成（RAG）。"
    assert submit(running, slack, EDITOR, {"definition": definition, "theme": "技术与模型"}) == {}
    eventually(  # the store changes without a Slack call: poll it
        lambda: any(s.term.zh == TOPIC for s in running.store.pending_suggestions(p.TEAM)),
        what="the suggestion queued",
    )
    (taught,) = [s for s in running.store.pending_suggestions(p.TEAM) if s.term.zh == TOPIC]
    assert (taught.origin, taught.submitter) == ("report", EDITOR)

    english = report_dm(slack, GROUP_EDITOR)
    press_in_dm(running, slack, GROUP_EDITOR, english, b.TEACH_ACTION,
                lambda v: v.get("q") == ENGLISH_TOPIC)  # fmt: skip
    modal = slack.wait_modal(GROUP_EDITOR, tb.SUGGEST_VIEW)
    assert modal["title"]["text"] == m.SUGGEST_TITLE["en"]
    assert initial(modal, "en") == ENGLISH_TOPIC

    press_in_dm(running, slack, EDITOR, dm, b.CORRECT_ACTION, lambda v: v["id"] == "term:maas")
    slack.wait_until(
        lambda: (
            (slack.open_view(EDITOR) or {}).get("title", {}).get("text") == m.CORRECT_TITLE["zh"]
        ),
        what="the correction modal",
    )
    correction = slack.open_view(EDITOR) or {}
    assert initial(correction, "definition") == knowledge.get("term:maas").text


def test_without_editors_nothing_is_sent_and_the_log_says_so_once(
    engine, knowledge, fake_slack: FakeSlack, caplog
) -> None:
    running = Running(_settings(fake_slack), engine, knowledge, fake_slack)
    try:
        the_week(running.store)
        tick = digest_tick(running.runtime)
        with caplog.at_level(logging.INFO, logger="bot.gap_report"):
            for _ in range(3):
                tick(lambda: False)
                running.clock.advance(minutes=1)
        said = [r.getMessage() for r in caplog.records if r.name == "bot.gap_report"]
        assert len(said) == 1 and "KNOWLEDGE_EDITORS names nobody" in said[0]
        assert fake_slack.of("chat.postMessage") == []
    finally:
        running.close()
