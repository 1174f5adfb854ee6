"""/aigc: questions, help, glossary pages, storage commands (mocked ack/respond)."""

from __future__ import annotations

import json
import threading
from unittest.mock import Mock

import pytest

from bot import blocks as b
from bot import messages as m
from bot.listeners import Deps
from bot.listeners.commands import filter_terms, handle_aigc
from tests import payloads as p
from tests.bot.listeners.mocks import acked, responding

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


def test_a_slow_search_acks_empty_and_answers_once_through_response_url(knowledge):
    """Slack cannot replace the acknowledgement through a command's response_url: an ack with
    words would stay on screen beside the answer."""
    release = threading.Event()

    def slow_search(query):
        release.wait(5)
        return knowledge.search(query)

    slow = Mock(wraps=knowledge)
    slow.search.side_effect = slow_search
    respond = responding()
    ack = Mock()
    handle_aigc(ack, p.slash_command("什么是MaaS"), respond, Deps(slow, search_budget=0.01))
    ack.assert_called_once_with()  # nothing on screen yet
    respond.assert_not_called()
    release.set()
    assert respond.answered.wait(5)
    late = respond.call_args.kwargs
    assert late["response_type"] == "ephemeral" and "replace_original" not in late
    assert late["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"


def test_a_late_answer_slack_refuses_comes_as_an_ephemeral(knowledge):
    release = threading.Event()
    posted = threading.Event()

    def slow_search(query):
        release.wait(5)
        return knowledge.search(query)

    slow = Mock(wraps=knowledge)
    slow.search.side_effect = slow_search
    client = Mock()
    client.chat_postEphemeral.side_effect = lambda **kwargs: posted.set()
    respond = responding((404, "expired_url"))
    handle_aigc(
        Mock(), p.slash_command("什么是GAN"), respond, Deps(slow, search_budget=0.01), client
    )
    release.set()
    assert posted.wait(5)
    ephemeral = client.chat_postEphemeral.call_args.kwargs
    assert (ephemeral["channel"], ephemeral["user"]) == (p.CHANNEL, p.USER)
    assert ephemeral["blocks"][0]["text"]["text"] == "生成对抗网络(GAN)"


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
