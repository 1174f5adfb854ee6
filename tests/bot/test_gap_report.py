"""The editors' weekly knowledge-gap report: when it is due, what it shows (public topics
enough people asked, the most 👎 answers, suggestions waiting), its blocks, and that several
processes on one database send it once a week. The store tests run on SQLite and, with
TEST_DATABASE_URL, PostgreSQL; the DMs go to the Slack stand-in."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

import pytest
from slack_sdk import WebClient

from bot import blocks as b
from bot import messages as m
from bot.editors import Editors
from bot.gap_report import (
    MAX_ATTEMPTS,
    Disliked,
    GapReport,
    GapReports,
    compose_gap_report,
    gap_report_blocks,
    gap_report_text,
    report_date,
)
from bot.store import QueryRecord, Store, TopicStat
from knowledge import Knowledge
from knowledge.overlay import TeamTerm
from tests.databases import FakeClock
from tests.e2e.fake_slack import FakeSlack, block_kit_errors

TEAM = "T0TEAM0001"
EDITORS = ("U0EDITOR01", "U0EDITOR02")
MONDAY = date(2026, 3, 2)
MONDAY_9AM_SHANGHAI = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


def ask(store: Store, topic: str, askers: int, where: str = "channel", team: str = TEAM) -> None:
    """`askers` different people asked `topic` (no answer) in a `where` conversation."""
    store.log_queries(
        [
            QueryRecord(team, f"U0ASKER{n:03d}", topic, topic, None, 5, "command", where)
            for n in range(askers)
        ]
    )


def vote_down(store: Store, entry_id: str, people: int, team: str = TEAM) -> None:
    for n in range(people):
        store.record_vote(team, entry_id, f"U0VOTER{n:03d}", -1)


def suggest(store: Store, team: str = TEAM) -> int:
    term = TeamTerm(zh="提示词工程", definition="设计给大模型的输入。", theme="应用与场景")
    return store.add_suggestion(team, "U0ASKER001", term, "teach")


# --- when -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 3, 2, 0, 59, tzinfo=UTC), None),  # Monday 08:59 in Shanghai
        (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), MONDAY),  # 09:00
        (datetime(2026, 3, 2, 15, 59, tzinfo=UTC), MONDAY),  # 23:59: still its day
        (datetime(2026, 3, 2, 16, 0, tzinfo=UTC), None),  # Tuesday 00:00
        (datetime(2026, 3, 1, 20, 0, tzinfo=UTC), None),  # Monday 04:00: too early
    ],
)
def test_the_report_is_due_on_its_weekday_from_its_time_in_its_zone(now, due) -> None:
    assert report_date(now, 0, "09:00", TZ) == due


def test_the_zone_decides_which_day_it_is() -> None:
    sunday_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # Monday 07:30 in Shanghai
    assert report_date(sunday_evening_utc, 0, "07:00", TZ) == MONDAY
    assert report_date(sunday_evening_utc, 6, "23:00", "Etc/UTC") == date(2026, 3, 1)
    assert report_date(sunday_evening_utc, 0, "07:00", "Etc/UTC") is None


# --- what ------------------------------------------------------------------------------------------


def test_only_public_topics_enough_people_asked_are_shown(
    store: Store, knowledge: Knowledge
) -> None:
    ask(store, "rag pipeline", 3)
    ask(store, "向量数据库", 4)
    ask(store, "two people only", 2)  # could point at someone
    ask(store, "private matter", 5, where="im")  # DMs never reach a shared surface
    ask(store, "secret project", 5, where="group")
    ask(store, "other workspace", 5, team="T0OTHER002")
    report = compose_gap_report(store, knowledge, TEAM, MONDAY, TZ)
    assert [(t.topic, t.askers) for t in report.topics] == [("向量数据库", 4), ("rag pipeline", 3)]


def test_the_most_thumbs_down_answers_of_the_week_lead(store: Store, clock, knowledge) -> None:
    clock.set(datetime(2026, 2, 20, tzinfo=UTC))  # before the week: not this report's
    vote_down(store, "term:sora", 9)
    clock.set(MONDAY_9AM_SHANGHAI)
    vote_down(store, "term:maas", 1)
    vote_down(store, "term:aigc", 3)
    store.record_vote(TEAM, "term:rag", "U0VOTER001", 1)  # 👍 only: not a gap
    vote_down(store, "term:gone-after-a-rebuild", 5)
    report = compose_gap_report(store, knowledge, TEAM, MONDAY, TZ)
    assert [(d.entry.id, d.down) for d in report.disliked] == [("term:aigc", 3), ("term:maas", 1)]


def test_pending_suggestions_are_counted_and_nothing_is_empty(store: Store, knowledge) -> None:
    assert compose_gap_report(store, knowledge, TEAM, MONDAY, TZ).empty
    suggest(store)
    suggest(store)
    store.reject_suggestion(suggest(store), "U0EDITOR01", "no")
    report = compose_gap_report(store, knowledge, TEAM, MONDAY, TZ)
    assert report.pending == 2 and not report.empty


def report_of(knowledge: Knowledge) -> GapReport:
    return GapReport(
        TEAM,
        MONDAY,
        topics=(
            TopicStat("<!channel> 什么是 <@U0SOMEONE1>", 7, 4),
            TopicStat("rag pipeline", 3, 3),
        ),
        disliked=(
            Disliked(knowledge.get("term:maas"), 1, 4),
            Disliked(next(e for e in knowledge.entries if e.kind == "section"), 0, 2),
        ),
        pending=3,
    )


def buttons(blocks: list[dict]) -> list[tuple[str, dict]]:
    return [
        (x["accessory"]["action_id"], b.decode_value(x["accessory"]["value"]))
        for x in blocks
        if x.get("accessory", {}).get("type") == "button"
    ]


def test_each_item_has_a_button_into_the_suggest_modal(knowledge: Knowledge) -> None:
    report = report_of(knowledge)
    blocks = gap_report_blocks(report)
    assert block_kit_errors(blocks) == []
    section = report.disliked[1].entry
    assert buttons(blocks) == [
        (
            b.TEACH_ACTION,
            {"q": "&lt;!channel&gt; 什么是 &lt;@U0SOMEONE1&gt;", "l": "zh", "o": "report"},
        ),
        (b.TEACH_ACTION, {"q": "rag pipeline", "l": "en", "o": "report"}),
        (b.CORRECT_ACTION, {"id": "term:maas", "l": "zh"}),
        (b.TEACH_ACTION, {"q": "", "l": "zh", "o": "report", "s": section.id}),
    ]
    text = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in text and "<@U0SOMEONE1>" not in text  # user words never notify
    assert "4 人" in text and "👎 4" in text
    shown = [x["text"]["text"] for x in blocks if x["type"] == "section"]
    assert m.GAP_REPORT_PENDING.format(count=3) in shown
    assert "2026-02-23" in text and "2026-03-01" in text  # the week it covers
    assert gap_report_text(report) == m.GAP_REPORT_TEXT.format(topics=2, disliked=2, pending=3)


def test_a_long_report_stays_within_slacks_limits(knowledge: Knowledge) -> None:
    terms = list(knowledge.terms())
    report = GapReport(
        TEAM,
        MONDAY,
        topics=tuple(TopicStat("问" * 600, 10**6, 10**5) for _ in range(40)),
        disliked=tuple(Disliked(e, 0, 9) for e in terms[:40]),
        pending=500,
    )
    blocks = gap_report_blocks(report)
    assert block_kit_errors(blocks) == []
    assert "100+" in json.dumps(blocks, ensure_ascii=False)


# --- sending, once a week ----------------------------------------------------------------------


def reports(
    store: Store, slack: FakeSlack, knowledge: Knowledge, editors=EDITORS, **when
) -> GapReports:
    """One process's report sender, DMing through the stand-in."""
    client = WebClient(token="xoxb-report", base_url=slack.api_url)
    return GapReports(
        store,
        Editors(editors),
        lambda workspace: client,
        lambda team: knowledge,
        weekday=when.get("weekday", 0),
        post_time=when.get("post_time", "09:00"),
        tz=when.get("tz", TZ),
    )


def dms(slack: FakeSlack, user: str) -> list:
    return [s for s in slack.seen_by(user, user) if m.GAP_REPORT_TEXT[:6] in s.text]


def test_two_processes_send_the_week_once_to_every_editor(
    engine, clock: FakeClock, slack: FakeSlack, knowledge
) -> None:
    # Two processes: their own Store objects over one database.
    first = Store(engine, clock, user_key="test-salt")
    second = Store(engine, clock, user_key="test-salt")
    ask(first, "rag pipeline", 3)
    run = reports(first, slack, knowledge).run_due(clock())
    assert run.sent == [(TEAM, 2)]
    assert reports(second, slack, knowledge).run_due(clock()).sent == []
    clock.advance(hours=3)  # later that day, both again
    assert reports(first, slack, knowledge).run_due(clock()).sent == []
    assert reports(second, slack, knowledge).run_due(clock()).sent == []
    for editor in EDITORS:
        (dm,) = dms(slack, editor)
        assert "rag pipeline" in dm.content
    assert first.report_status(TEAM, MONDAY).sent_to == 2
    # The next week is a new report.
    clock.advance(days=7)
    ask(first, "rag pipeline", 3)
    assert reports(second, slack, knowledge).run_due(clock()).sent == [(TEAM, 2)]
    assert all(len(dms(slack, editor)) == 2 for editor in EDITORS)


def test_without_editors_nothing_is_sent_and_one_line_is_logged(
    store: Store, clock: FakeClock, slack: FakeSlack, knowledge, caplog
) -> None:
    ask(store, "rag pipeline", 3)
    sender = reports(store, slack, knowledge, editors=())
    with caplog.at_level(logging.WARNING, logger="bot.gap_report"):
        for _ in range(3):  # three minute ticks
            assert sender.run_due(clock()).sent == []
            clock.advance(minutes=1)
    assert [r.getMessage() for r in caplog.records] == [
        "the weekly knowledge-gap report is not sent: KNOWLEDGE_EDITORS names nobody (set it "
        "to Slack user ids and/or user groups)"
    ]
    assert slack.of("chat.postMessage") == []
    assert store.report_status(TEAM, MONDAY) is None  # nothing claimed: editors may come


def test_a_week_with_nothing_to_report_sends_nothing(
    store: Store, clock: FakeClock, slack: FakeSlack, knowledge
) -> None:
    ask(store, "two people only", 2)  # activity, but nothing that may be shown
    run = reports(store, slack, knowledge).run_due(clock())
    assert (run.sent, run.nothing) == ([], [TEAM])
    assert slack.of("chat.postMessage") == []
    assert store.report_status(TEAM, MONDAY).status == "sent"


def test_before_its_time_and_when_off_nothing_happens(
    store: Store, clock: FakeClock, slack: FakeSlack, knowledge
) -> None:
    ask(store, "rag pipeline", 3)
    assert reports(store, slack, knowledge, post_time="10:00").run_due(clock()).sent == []
    assert reports(store, slack, knowledge, weekday=None).run_due(clock()).sent == []
    assert reports(store, slack, knowledge, weekday=1).run_due(clock()).sent == []
    assert slack.of("chat.postMessage") == [] and store.report_status(TEAM, MONDAY) is None


def test_when_no_editor_can_be_reached_it_is_retried_later_then_given_up(
    store: Store, clock: FakeClock, slack: FakeSlack, knowledge
) -> None:
    ask(store, "rag pipeline", 3)
    slack.fail("chat.postMessage", "internal_error")
    sender = reports(store, slack, knowledge)
    assert sender.run_due(clock()).retry == [(TEAM, "internal_error")]
    assert sender.run_due(clock()).retry == []  # not before RETRY_AFTER
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(minutes=15)
        assert sender.run_due(clock()).retry == [(TEAM, "internal_error")]
    assert store.report_status(TEAM, MONDAY).status == "gave_up"
    clock.advance(minutes=15)
    assert sender.run_due(clock()).retry == []
    assert len(slack.of("chat.postMessage")) == 2 * MAX_ATTEMPTS  # two editors each time


def test_one_editor_refused_still_counts_the_week_as_sent(
    store: Store, clock: FakeClock, slack: FakeSlack, knowledge
) -> None:
    ask(store, "rag pipeline", 3)
    slack.fail("chat.postMessage", "user_not_found", channel=EDITORS[0])
    assert reports(store, slack, knowledge).run_due(clock()).sent == [(TEAM, 1)]
    assert dms(slack, EDITORS[0]) == [] and len(dms(slack, EDITORS[1])) == 1
