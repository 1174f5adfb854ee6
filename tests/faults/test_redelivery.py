"""Slack's re-deliveries and double presses produce one reply, even across processes; a
re-delivery of an event whose first handling failed is still answered, once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import blocks as b
from tests import payloads as p
from tests.e2e.fake_slack import Scripted

HANG = 30.0  # seconds; every hang here is ended by slack.release()


def mention(event_id: str, ts: str = "1700000000.000500") -> dict:
    return p.event_callback(p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts=ts), event_id)


def test_a_retry_after_http_timeout_on_another_process_gets_no_second_answer(
    processes, slack, logs
):
    first, second = processes(2)
    assert first.event(mention("EvRetry00001")).status == 200
    slack.wait_delivered("chat.postMessage")
    # Slack did not see the ack in time and re-delivers, to the other web process.
    assert second.event(mention("EvRetry00001"), retry=(1, "http_timeout")).status == 200
    logs.wait("duplicate delivery of event:EvRetry00001 dropped (retry 1 http_timeout)")
    assert first.event(mention("EvRetry00001"), retry=(2, "http_timeout")).status == 200
    logs.wait("duplicate delivery of event:EvRetry00001 dropped (retry 2 http_timeout)")
    assert len(slack.of("chat.postMessage")) == 1


def test_a_retry_arriving_while_the_first_is_still_answering_is_dropped(processes, slack, logs):
    first, second = processes(2)
    slack.script("chat.postMessage", Scripted(hang=HANG))  # the answer is slow to post
    first.event(mention("EvSlow000001"))
    slack.wait_for("chat.postMessage")
    second.event(mention("EvSlow000001"), retry=(1, "http_timeout"))
    logs.wait("duplicate delivery of event:EvSlow000001 dropped")
    slack.release()
    slack.wait_delivered("chat.postMessage")
    assert len(slack.of("chat.postMessage")) == 1


def test_a_retry_after_a_failed_first_attempt_is_answered_once(processes, slack, logs):
    first, second = processes(2)
    # Slack fails the answer and the apology: nothing reached the person.
    failed = Scripted(500, {"ok": False, "error": "internal_error"})
    slack.script("chat.postMessage", failed, failed)
    first.event(mention("EvFailed0001"))
    logs.wait("nothing delivered for event:EvFailed0001")
    assert slack.delivered("chat.postMessage") == []
    second.event(mention("EvFailed0001"), retry=(1, "http_error"))
    answer = slack.wait_delivered("chat.postMessage")[0].params
    assert answer["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"
    first.event(mention("EvFailed0001"), retry=(2, "http_error"))
    logs.wait("duplicate delivery of event:EvFailed0001 dropped (retry 2 http_error)")
    assert len(slack.delivered("chat.postMessage")) == 1


def test_a_direct_message_redelivered_over_socket_mode_is_answered_once(processes, slack, logs):
    """Socket Mode hands Bolt the retry as the same headers (Bolt >= 1.29)."""
    (process,) = processes(1)
    payload = p.event_callback(p.direct_message("GAN 是什么"), "EvSocket0001")
    for attempt in (None, 1):
        request = SocketModeRequest(
            type="events_api",
            envelope_id=f"envelope-{attempt}",
            payload=payload,
            retry_attempt=attempt,
            retry_reason="timeout" if attempt else None,
        )
        assert run_bolt_app(process.app, request).status == 200
        if attempt is None:
            slack.wait_delivered("chat.postMessage")
    logs.wait("duplicate delivery of event:EvSocket0001 dropped (retry 1 timeout)")
    posted = slack.of("chat.postMessage")
    assert [c.params["channel"] for c in posted] == [p.DM_CHANNEL]


def shared(slack) -> list:
    """The shares Slack took: in_channel posts through the response_url."""
    return [
        c for c in slack.delivered("response_url") if c.params.get("response_type") == "in_channel"
    ]


def test_share_pressed_twice_quickly_on_two_processes_posts_once(processes, slack, logs):
    first, second = processes(2)
    slack.script("response_url", Scripted(hang=HANG))  # the share is slow to post
    value = b.encode_value(id="term:maas", q="什么是MaaS", l="zh")
    presses = []
    for n in (1, 2):  # each press has its own trigger_id and action_ts
        payload = p.block_action(b.SHARE_ACTION, value, response_url=slack.response_url("share"))
        payload["trigger_id"] = f"1234.5678.press{n}"
        payload["actions"][0]["action_ts"] = f"1700000001.00020{n}"
        presses.append(p.interactive_body(payload))
    with ThreadPoolExecutor(2) as pool:
        replies = list(
            pool.map(lambda pair: pair[0].send(pair[1]), zip((first, second), presses, strict=True))
        )
    assert [r.status for r in replies] == [200, 200]
    logs.wait("duplicate delivery of button:")
    slack.release()
    slack.wait_delivered("response_url", 2)  # the share, then the private answer deleted
    assert len(shared(slack)) == 1
    assert [c.params.get("delete_original") for c in slack.of("response_url")] == [None, True]
    assert slack.of("chat.postMessage") == []


def test_a_share_that_failed_can_be_pressed_again_and_posts_once(processes, slack, logs):
    (process,) = processes(1)
    # Slack refuses the response_url, and the bot is not in the channel to post instead.
    slack.script("response_url", Scripted(404, "used_url"))
    slack.script("chat.postMessage", Scripted(200, {"ok": False, "error": "not_in_channel"}))
    value = b.encode_value(id="term:maas", q="MaaS", l="zh")
    body = p.interactive_body(
        p.block_action(b.SHARE_ACTION, value, response_url=slack.response_url("share"))
    )
    process.send(body)
    advice = slack.wait_delivered("response_url")[0].params
    assert "/invite" in advice["text"]
    logs.wait("nothing delivered for button:")
    process.send(body)  # the same button on the same message, pressed again
    slack.wait_until(lambda: shared(slack), what="the share posted")
    process.send(body)  # and once more: already shared
    logs.wait("duplicate delivery of button:")
    assert len(shared(slack)) == 1


def test_a_message_shortcut_delivered_twice_lists_the_terms_once(processes, slack, logs):
    first, second = processes(2)
    body = p.interactive_body(
        p.message_shortcut("扩散模型和 GAN", response_url=slack.response_url("shortcut"))
    )
    first.send(body)
    slack.wait_delivered("response_url")
    second.send(body)
    logs.wait("duplicate delivery of shortcut:1234.5678.abcdef dropped")
    assert len(slack.of("response_url")) == 1
    assert "扩散模型" in json.dumps(slack.of("response_url")[0].params, ensure_ascii=False)
