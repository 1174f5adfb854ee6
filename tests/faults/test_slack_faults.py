"""Slack misbehaving: 429 with Retry-After, 500/503, a hang past the client's timeout, a
connection closed without an answer, `ok: false`. Answers still reach the person where Slack
lets them, and a digest is posted exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot import blocks as b
from bot import messages as m
from bot.digest import all_pool_ids, run_due
from tests import payloads as p
from tests.e2e.fake_slack import Scripted
from tests.faults.conftest import fast_client
from tests.faults.test_redelivery import HANG, mention

RATE_LIMITED = Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})
UNAVAILABLE = Scripted(503, {"ok": False, "error": "service_unavailable"})
INTERNAL = Scripted(500, {"ok": False, "error": "internal_error"})
CLOSED = Scripted(close=True)
TIMED_OUT = Scripted(504, {"ok": False, "error": "timeout"}, hang=HANG)  # the client gives up


def test_a_rate_limited_answer_is_posted_after_retry_after(processes, slack):
    (process,) = processes(1)
    slack.script("chat.postMessage", RATE_LIMITED)
    process.event(mention("EvFault00001"))
    posted = slack.wait_delivered("chat.postMessage")
    assert posted[0].params["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"
    assert [c.outcome for c in slack.of("chat.postMessage")] == ["ratelimited", "ok"]


def test_slack_unavailable_then_back_posts_the_answer_once(processes, slack):
    (process,) = processes(1)
    slack.script("chat.postMessage", UNAVAILABLE)
    process.event(mention("EvFault00002"))
    slack.wait_delivered("chat.postMessage")
    assert [c.outcome for c in slack.of("chat.postMessage")] == ["service_unavailable", "ok"]
    assert "blocks" in slack.delivered("chat.postMessage")[0].params  # the answer, no apology


def test_a_connection_closed_without_answer_is_retried(processes, slack):
    (process,) = processes(1)
    slack.script("chat.postMessage", CLOSED)
    process.event(mention("EvFault00003"))
    slack.wait_delivered("chat.postMessage")
    assert [c.outcome for c in slack.of("chat.postMessage")] == ["closed", "ok"]


def test_an_internal_error_is_not_repeated_and_the_person_gets_an_apology(processes, slack):
    """A 500 may come after Slack stored the message: repeating it could post twice."""
    (process,) = processes(1)
    slack.script("chat.postMessage", INTERNAL)
    process.event(mention("EvFault00004"))
    apology = slack.wait_delivered("chat.postMessage")[0].params
    assert apology["text"] == m.APOLOGY["zh"]
    assert apology["thread_ts"] == "1700000000.000500"
    assert [c.outcome for c in slack.of("chat.postMessage")] == ["internal_error", "ok"]


def test_a_hang_past_the_client_timeout_gets_an_apology(processes, slack):
    (process,) = processes(1)
    slack.script("chat.postMessage", TIMED_OUT)
    process.event(mention("EvFault00005"))
    apology = slack.wait_delivered("chat.postMessage", timeout=10)[0].params
    assert apology["text"] == m.APOLOGY["zh"]


def share(process, slack) -> None:
    value = b.encode_value(id="term:maas", q="MaaS", l="zh")
    process.send(
        p.interactive_body(
            p.block_action(b.SHARE_ACTION, value, response_url=slack.response_url("share"))
        )
    )


def test_a_share_while_slack_is_unavailable_is_posted_once(processes, slack):
    """A 503 from the response_url posted nothing: chat.postMessage takes over (and its own
    503 is retried)."""
    (process,) = processes(1)
    slack.script("response_url", Scripted(503, "service_unavailable"))
    slack.script("chat.postMessage", UNAVAILABLE)
    share(process, slack)
    slack.wait_delivered("chat.postMessage")
    slack.wait_delivered("response_url")
    assert len(slack.delivered("chat.postMessage")) == 1
    assert slack.delivered("response_url")[0].params["delete_original"] is True


def test_a_share_answered_500_is_not_posted_a_second_time(processes, slack, logs):
    """A 500 may come after Slack posted it: posting again could show it twice."""
    (process,) = processes(1)
    slack.script("response_url", Scripted(500, "rollup_error"))
    share(process, slack)
    slack.wait_for("response_url")
    slack.wait_settled()
    logs.wait("Slack refused the response_url post: HTTP 500 rollup_error")
    assert slack.of("chat.postMessage") == []
    assert len(slack.of("response_url")) == 1


def test_a_share_that_slack_refuses_keeps_the_answer_and_says_why(processes, slack):
    (process,) = processes(1)
    slack.script("response_url", Scripted(404, "used_url"))
    slack.script("chat.postMessage", Scripted(200, {"ok": False, "error": "ratelimited"}))
    share(process, slack)
    advice = slack.wait_delivered("response_url")[0].params
    assert advice["text"] == m.RATE_LIMITED["zh"]
    assert advice.get("delete_original") is not True
    assert slack.delivered("chat.postMessage") == []


# -- the digest ------------------------------------------------------------------------------

TEAM = p.TEAM
MONDAY = date(2026, 3, 2)
AT_0930 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def due_digest(store, clock, knowledge) -> None:
    store.subscribe(TEAM, "C1", "U1", known_ids=all_pool_ids(knowledge))
    clock.set(AT_0930)


def test_a_digest_unavailable_once_is_posted_in_the_same_tick(
    store, clock, slack, settings, knowledge
):
    due_digest(store, clock, knowledge)
    slack.script("chat.postMessage", UNAVAILABLE)
    client = fast_client(settings)
    assert run_due(store, knowledge, lambda team: client, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert len(slack.delivered("chat.postMessage")) == 1


def test_a_digest_post_that_times_out_is_released_and_posted_once_next_tick(
    store, clock, slack, settings, knowledge
):
    due_digest(store, clock, knowledge)
    slack.script("chat.postMessage", TIMED_OUT)
    client = fast_client(settings)
    report = run_due(store, knowledge, lambda team: client, clock())
    assert report.posted == [] and report.released == [(TEAM, "C1", "TimeoutError")]
    assert store.digest_post(TEAM, "C1", MONDAY).status == "retry"  # again in a minute
    slack.release()
    clock.advance(minutes=1)
    assert run_due(store, knowledge, lambda team: client, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert run_due(store, knowledge, lambda team: client, clock()).posted == []
    assert len(slack.delivered("chat.postMessage")) == 1
    assert store.digest_post(TEAM, "C1", MONDAY).status == "posted"


def test_a_digest_whose_connection_keeps_closing_is_posted_once_slack_is_back(
    store, clock, slack, settings, knowledge
):
    due_digest(store, clock, knowledge)
    slack.script("chat.postMessage", *Scripted.times(3, close=True))  # the try and 2 retries
    client = fast_client(settings)
    report = run_due(store, knowledge, lambda team: client, clock())
    assert report.posted == [] and len(report.released) == 1
    clock.advance(minutes=1)
    assert run_due(store, knowledge, lambda team: client, clock()).posted == [(TEAM, "C1", MONDAY)]
    assert [c.outcome for c in slack.of("chat.postMessage")] == ["closed"] * 3 + ["ok"]
