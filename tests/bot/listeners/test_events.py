"""Mentions, direct messages and the App Home (mocked client, Slack's event shapes)."""

from __future__ import annotations

import json
from unittest.mock import Mock

import pytest

from bot import blocks as b
from bot import messages as m
from bot.listeners.events import (
    answer_direct_message,
    answer_mention,
    publish_home,
    question_from_mention,
)
from tests import payloads as p
from tests.bot.listeners.mocks import context, slack_error

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


def test_a_mention_from_another_bot_is_not_answered(deps):
    """Two bots answering each other's mentions would loop."""
    client = Mock()
    event = p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="4.4")
    for extra in ({"bot_id": "B0OTHERBOT"}, {"subtype": "bot_message", "bot_id": "B0OTHERBOT"}):
        assert answer_mention({**event, **extra}, context(), client, deps)
    client.chat_postMessage.assert_not_called()


@pytest.mark.parametrize(
    "extra",
    [
        {"subtype": "message_deleted", "previous_message": {"text": "GAN"}},
        {"subtype": "channel_join"},
        {"subtype": "message_replied"},
        {"user": p.BOT_USER},  # our own post echoed back, even without a bot_id
        {"subtype": "file_share", "bot_id": "B0OTHERBOT"},
        {"subtype": "thread_broadcast", "bot_id": "B0OTHERBOT", "thread_ts": "1.0"},
    ],
)
def test_edits_joins_and_bots_in_a_dm_are_ignored(deps, extra):
    client = Mock()
    answer_direct_message(p.direct_message("GAN", **extra), context(), client, deps)
    client.chat_postMessage.assert_not_called()


@pytest.mark.parametrize(
    ("extra", "thread_ts"),
    [
        ({"subtype": "file_share", "files": [{"id": "F0FILE0001", "name": "notes.pdf"}]}, None),
        ({"subtype": "thread_broadcast", "thread_ts": "1.0"}, "1.0"),
        ({"subtype": "me_message"}, None),
    ],
)
def test_a_dm_subtype_that_carries_words_is_answered(deps, extra, thread_ts):
    client = Mock()
    answer_direct_message(p.direct_message("GAN", **extra), context(), client, deps)
    posted = client.chat_postMessage.call_args.kwargs
    assert posted["channel"] == p.DM_CHANNEL and posted["thread_ts"] == thread_ts
    assert "生成对抗网络" in json.dumps(posted["blocks"], ensure_ascii=False)


@pytest.mark.parametrize("text", ["", "   "])
def test_a_file_shared_without_words_gets_told_to_type_the_question(deps, text):
    client = Mock()
    files = [{"id": "F0FILE0001", "name": "slides.png"}]
    event = p.direct_message(text, subtype="file_share", files=files)
    assert answer_direct_message(event, context(), client, deps)
    assert client.chat_postMessage.call_args.kwargs["text"] == m.DM_FILE_WITHOUT_WORDS


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
