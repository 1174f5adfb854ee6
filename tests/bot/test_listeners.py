"""Listener functions with mocked ack/respond/client and Slack's payload shapes."""

from __future__ import annotations

import json
import threading
import time
from unittest.mock import Mock

import pytest
from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import blocks as b
from bot import messages as m
from bot.listeners import Deps
from bot.listeners.actions import share_answer, show_alternative, turn_terms_page
from bot.listeners.commands import filter_terms, handle_aigc
from bot.listeners.events import (
    answer_direct_message,
    answer_mention,
    publish_home,
    question_from_mention,
)
from bot.listeners.shortcuts import explain_terms
from bot.query_log import InMemoryQueryLog
from tests import payloads as p


@pytest.fixture
def deps(knowledge):
    return Deps(knowledge, query_log=InMemoryQueryLog())


def context() -> BoltContext:
    return BoltContext({"bot_user_id": p.BOT_USER, "team_id": p.TEAM})


def slack_error(code: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    return SlackApiError(code, response)


def acked(ack: Mock) -> dict:
    ack.assert_called_once()
    return ack.call_args.kwargs


# --- /aigc ----------------------------------------------------------------------------------------


def test_query_is_answered_in_the_ack(deps):
    ack, respond = Mock(), Mock()
    handle_aigc(ack, p.slash_command("什么是MaaS"), respond, deps)
    reply = acked(ack)
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"
    assert reply["text"] == "模型即服务(MaaS)"
    respond.assert_not_called()
    assert deps.query_log.misses == ()


def test_miss_is_recorded_with_team_and_normalized_query(deps):
    ack = Mock()
    handle_aigc(ack, p.slash_command("明天天气怎么样"), Mock(), deps)
    assert "没有找到" in json.dumps(acked(ack)["blocks"], ensure_ascii=False)
    [miss] = deps.query_log.misses
    assert miss.team_id == p.TEAM and miss.query == "明天天气怎么样"


@pytest.mark.parametrize("text", ["", "help", "HELP", "帮助"])
def test_help(deps, text):
    ack = Mock()
    handle_aigc(ack, p.slash_command(text), Mock(), deps)
    assert acked(ack)["blocks"] == b.help_blocks()


def test_terms_with_keyword_and_toc(deps):
    ack = Mock()
    handle_aigc(ack, p.slash_command("terms 数据"), Mock(), deps)
    blocks = acked(ack)["blocks"]
    assert "合成数据" in json.dumps(blocks, ensure_ascii=False)
    ack = Mock()
    handle_aigc(ack, p.slash_command("toc"), Mock(), deps)
    assert acked(ack)["text"] == m.TOC_TITLE


def test_unknown_subcommand_is_a_query(deps):
    ack = Mock()
    handle_aigc(ack, p.slash_command("GAN"), Mock(), deps)
    assert acked(ack)["blocks"][0]["text"]["text"] == "生成对抗网络(GAN)"


def test_filter_terms_folds_case_and_script(knowledge):
    terms = knowledge.terms()
    assert [t.id for t in filter_terms(terms, "maas")][:1] == ["term:maas"]
    assert filter_terms(terms, "合成數據")  # traditional characters
    assert filter_terms(terms, "") == terms


def test_a_crashing_engine_still_acks_with_an_apology(knowledge):
    broken = Mock(wraps=knowledge)
    broken.search.side_effect = RuntimeError("boom")
    ack = Mock()
    handle_aigc(ack, p.slash_command("什么是MaaS"), Mock(), Deps(broken))
    assert acked(ack)["text"] == m.APOLOGY["zh"]


def test_a_slow_search_acks_at_once_and_answers_through_response_url(knowledge):
    release = threading.Event()
    answered = threading.Event()

    def slow_search(query):
        release.wait(5)
        return knowledge.search(query)

    slow = Mock(wraps=knowledge)
    slow.search.side_effect = slow_search
    respond = Mock(side_effect=lambda **kwargs: answered.set())
    ack = Mock()
    handle_aigc(ack, p.slash_command("什么是MaaS"), respond, Deps(slow, search_budget=0.01))
    assert acked(ack)["text"] == m.STILL_SEARCHING["zh"]
    respond.assert_not_called()
    release.set()
    assert answered.wait(5)
    late = respond.call_args.kwargs
    assert late["replace_original"] is True
    assert late["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"


# --- buttons --------------------------------------------------------------------------------------


def share_payload(entry_id="term:maas", query="<!channel> MaaS"):
    return p.block_action(b.SHARE_ACTION, b.encode_value(id=entry_id, q=query, l="zh"))


def test_share_posts_publicly_then_deletes_the_ephemeral(deps):
    body = share_payload()
    respond, client = Mock(), Mock()
    share_answer(body, body["actions"][0], respond, client, deps)
    posted = client.chat_postMessage.call_args.kwargs
    assert posted["channel"] == p.CHANNEL
    raw = json.dumps(posted["blocks"], ensure_ascii=False)
    assert f"<@{p.USER}>" in raw and "&lt;!channel&gt; MaaS" in raw and "<!channel>" not in raw
    respond.assert_called_once_with(delete_original=True)


@pytest.mark.parametrize("code", ["not_in_channel", "channel_not_found"])
def test_share_failure_keeps_the_answer_and_says_how_to_invite(deps, code):
    body = share_payload()
    respond, client = Mock(), Mock()
    client.chat_postMessage.side_effect = slack_error(code)
    share_answer(body, body["actions"][0], respond, client, deps)
    advice = respond.call_args.kwargs
    assert "/invite" in advice["text"] and advice["replace_original"] is False


def test_share_of_an_unknown_entry(deps):
    body = share_payload(entry_id="term:gone")
    respond, client = Mock(), Mock()
    share_answer(body, body["actions"][0], respond, client, deps)
    client.chat_postMessage.assert_not_called()
    assert respond.call_args.kwargs["text"] == m.ENTRY_GONE["zh"]


def test_alternative_replaces_the_original(deps):
    action = {"value": b.encode_value(id="term:gan", q="GAN", l="en", s=1)}
    respond = Mock()
    show_alternative(action, respond, deps)
    reply = respond.call_args.kwargs
    assert reply["replace_original"] is True
    assert reply["blocks"][0]["text"]["text"] == "生成对抗网络(GAN)"
    assert m.SHARE_BUTTON["en"] in json.dumps(reply["blocks"], ensure_ascii=False)


def test_terms_page_turns(deps):
    respond = Mock()
    turn_terms_page({"value": b.encode_value(k="", p=2)}, respond, deps)
    assert "第 3/" in json.dumps(respond.call_args.kwargs["blocks"], ensure_ascii=False)


# --- events ---------------------------------------------------------------------------------------


def test_question_from_mention():
    assert question_from_mention(f"<@{p.BOT_USER}> 什么是MaaS", p.BOT_USER) == "什么是MaaS"
    assert question_from_mention(f"hi <@{p.BOT_USER}|aigc> GAN?", p.BOT_USER) == "hi   GAN?"
    assert question_from_mention("<@U0OTHER01> GAN", None) == "GAN"
    assert question_from_mention(f"<@{p.BOT_USER}>", p.BOT_USER) == ""


def test_mention_answers_in_a_new_thread(deps):
    client = Mock()
    answer_mention(p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="1.1"), context(), client, deps)
    posted = client.chat_postMessage.call_args.kwargs
    assert posted["thread_ts"] == "1.1" and posted["channel"] == p.CHANNEL
    assert b.SHARE_ACTION not in json.dumps(posted["blocks"])


def test_mention_in_a_thread_and_empty_mention(deps):
    client = Mock()
    event = p.app_mention(f"<@{p.BOT_USER}>", ts="2.2", thread_ts="1.0")
    answer_mention(event, context(), client, deps)
    posted = client.chat_postMessage.call_args.kwargs
    assert posted["thread_ts"] == "1.0" and posted["text"] == m.MENTION_HELP["zh"]


def test_mention_failure_is_logged_and_apologised_for(deps, caplog):
    client = Mock()
    client.chat_postMessage.side_effect = [slack_error("internal_error"), None]
    answer_mention(p.app_mention(f"<@{p.BOT_USER}> GAN", ts="3.3"), context(), client, deps)
    assert client.chat_postMessage.call_args.kwargs["text"] == m.APOLOGY["en"]
    assert "mention" in caplog.text


@pytest.mark.parametrize(
    "extra",
    [
        {"subtype": "message_changed"},
        {"bot_id": "B1"},
        {"channel_type": "channel"},
        {"subtype": "bot_message", "bot_id": "B1"},
    ],
)
def test_direct_messages_that_are_not_a_person_asking_are_ignored(deps, extra):
    client = Mock()
    answer_direct_message(p.direct_message("GAN", **extra), context(), client, deps)
    client.chat_postMessage.assert_not_called()


def test_direct_message_is_answered_in_the_dm(deps):
    client = Mock()
    answer_direct_message(p.direct_message("what is AIGC"), context(), client, deps)
    posted = client.chat_postMessage.call_args.kwargs
    assert posted["channel"] == p.DM_CHANNEL and posted["thread_ts"] is None
    assert "AI-Generated Content" in json.dumps(posted["blocks"])


def test_home_is_published_for_the_home_tab_only():
    client = Mock()
    publish_home(p.app_home_opened("messages"), client, {"type": "home", "blocks": []})
    client.views_publish.assert_not_called()
    publish_home(p.app_home_opened(), client, {"type": "home", "blocks": []})
    client.views_publish.assert_called_once_with(
        user_id=p.USER, view={"type": "home", "blocks": []}
    )


# --- shortcut -------------------------------------------------------------------------------------


def test_shortcut_lists_terms_most_specific_first(deps):
    respond, client = Mock(), Mock()
    explain_terms(p.message_shortcut("预训练模型和大模型，还有 MaaS"), respond, client, deps)
    reply = respond.call_args.kwargs
    assert reply["response_type"] == "ephemeral"
    raw = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "预训练模型" in raw and "模型即服务(MaaS)" in raw
    client.chat_postEphemeral.assert_not_called()


def test_shortcut_in_english_uses_the_gloss(deps, knowledge):
    respond = Mock()
    explain_terms(p.message_shortcut("We tried GAN and diffusion models"), respond, Mock(), deps)
    raw = json.dumps(respond.call_args.kwargs["blocks"], ensure_ascii=False)
    assert knowledge.get("term:gan").gloss in raw


def test_shortcut_without_terms_says_so_and_caps_at_ten(deps, knowledge):
    respond = Mock()
    explain_terms(p.message_shortcut("今天午饭吃什么"), respond, Mock(), deps)
    assert respond.call_args.kwargs["text"] == m.SHORTCUT_TITLE["zh"]
    assert m.SHORTCUT_NONE["zh"] in json.dumps(
        respond.call_args.kwargs["blocks"], ensure_ascii=False
    )
    many = " ".join(t.zh or t.title for t in knowledge.terms())
    explain_terms(p.message_shortcut(many), respond, Mock(), deps)
    sections = [blk for blk in respond.call_args.kwargs["blocks"] if blk["type"] == "section"]
    assert len(sections) == 1 + 10


def test_shortcut_without_response_url_posts_an_ephemeral(deps):
    client = Mock()
    explain_terms(p.message_shortcut("GAN", response_url=None), None, client, deps)
    posted = client.chat_postEphemeral.call_args.kwargs
    assert posted["user"] == p.USER and posted["channel"] == p.CHANNEL


# --- query log, storage commands ------------------------------------------------------------------


def test_a_failing_query_log_never_costs_the_answer(knowledge, caplog):
    from bot.query_log import StoreQueryLog

    broken = Mock()
    broken.log_queries.side_effect = RuntimeError("database is on fire")
    log = StoreQueryLog(broken)
    deps = Deps(knowledge, query_log=log)
    ack = Mock()
    handle_aigc(ack, p.slash_command("什么是MaaS 秘密问题"), Mock(), deps)
    assert acked(ack)["response_type"] == "ephemeral" and acked(ack)["blocks"]
    log.flush()
    broken.log_queries.assert_called_once()
    (records,) = broken.log_queries.call_args.args
    assert [r.source for r in records] == ["command"]
    assert "could not log 1 question(s)" in caplog.text
    assert "秘密问题" not in caplog.text  # the question stays out of the logs


def test_query_log_writes_bursts_in_batches_and_drops_past_its_bound(knowledge) -> None:

    from bot.query_log import QueryRecord, StoreQueryLog

    gate = threading.Event()
    store = Mock()
    store.log_queries.side_effect = lambda records: gate.wait(10)
    log = StoreQueryLog(store, max_pending=5, batch=100)
    question = QueryRecord("T1", "U1", "q", "q", None, 1, "command")
    log.record(question)  # taken by the writer, which then blocks on the gate
    deadline = time.monotonic() + 10
    while not store.log_queries.called:  # poll with a deadline until the writer holds it
        assert time.monotonic() < deadline
    for _ in range(8):
        log.record(question)
    assert log.dropped == 3  # five wait in the queue, the rest are counted, not kept
    gate.set()
    log.flush()
    sizes = [len(call.args[0]) for call in store.log_queries.call_args_list]
    assert sizes == [1, 5]  # the waiting five went in one transaction
    log.close()


@pytest.mark.parametrize(
    "text", ["subscribe", "unsubscribe", "subscriptions", "stats", "digest post"]
)
def test_storage_commands_without_a_store_say_so(deps, text):
    ack = Mock()
    handle_aigc(ack, p.slash_command(text), Mock(), deps)
    assert acked(ack)["text"] == m.STORAGE_OFF


def test_digest_preview_works_without_a_store(deps):
    ack = Mock()
    handle_aigc(ack, p.slash_command("digest"), Mock(), deps)
    blocks = acked(ack)["blocks"]
    assert blocks[1]["type"] == "header" and blocks[1]["text"]["text"].startswith("AIGC 日报")


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        ("", ("09:30", "Asia/Shanghai")),
        ("8:05", ("08:05", "Asia/Shanghai")),
        ("america/new_york", ("09:30", "America/New_York")),
        ("Europe/Berlin 18：00", ("18:00", "Europe/Berlin")),
    ],
)
def test_subscribe_arguments(rest, expected):
    from bot.listeners.commands import parse_subscribe_args

    assert parse_subscribe_args(rest) == expected


def test_a_question_that_starts_with_a_command_word_is_still_a_question(deps):
    ack = Mock()
    handle_aigc(ack, p.slash_command("digest 是什么意思"), Mock(), deps)
    assert "预览" not in json.dumps(acked(ack).get("blocks", []), ensure_ascii=False)
