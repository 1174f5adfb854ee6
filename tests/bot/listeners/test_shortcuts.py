"""The 解释术语 message shortcut."""

from __future__ import annotations

import json
from unittest.mock import Mock

from bot import messages as m
from bot.listeners.shortcuts import explain_terms
from tests import payloads as p
from tests.bot.listeners.mocks import responding

# --- shortcut -------------------------------------------------------------------------------------


def test_shortcut_lists_terms_most_specific_first(deps):
    respond, client = responding(), Mock()
    explain_terms(p.message_shortcut("预训练模型和大模型，还有 MaaS"), respond, client, deps)
    reply = respond.call_args.kwargs
    assert reply["response_type"] == "ephemeral"
    raw = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "预训练模型" in raw and "模型即服务(MaaS)" in raw
    client.chat_postEphemeral.assert_not_called()


def test_shortcut_in_english_uses_the_gloss(deps, knowledge):
    respond = responding()
    explain_terms(p.message_shortcut("We tried GAN and diffusion models"), respond, Mock(), deps)
    raw = json.dumps(respond.call_args.kwargs["blocks"], ensure_ascii=False)
    assert knowledge.get("term:gan").gloss in raw


def test_shortcut_without_terms_says_so_and_caps_at_ten(deps, knowledge):
    respond = responding()
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


def test_a_shortcut_answer_slack_refuses_through_the_response_url_comes_as_an_ephemeral(deps):
    respond, client = responding((404, "expired_url")), Mock()
    explain_terms(p.message_shortcut("GAN"), respond, client, deps)
    posted = client.chat_postEphemeral.call_args.kwargs
    assert (posted["channel"], posted["user"]) == (p.CHANNEL, p.USER)
    assert "生成对抗网络(GAN)" in json.dumps(posted["blocks"], ensure_ascii=False)
