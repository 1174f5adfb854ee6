"""Buttons: share, alternatives, glossary pages (mocked ack/respond/client)."""

from __future__ import annotations

import json
from unittest.mock import Mock

import pytest

from bot import blocks as b
from bot import messages as m
from bot.listeners.actions import share_answer, show_alternative, turn_terms_page
from tests import payloads as p
from tests.bot.listeners.mocks import slack_error

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
