"""Who gets an answer, over real HTTP: people, not bots (two bots answering each other's
mentions would loop); DM messages of a subtype that carries what someone wrote are answered,
edits, deletions and joins are not."""

from __future__ import annotations

import json

from bot import messages as m
from tests import payloads as p
from tests.e2e.test_http import send

JSON = "application/json"
OTHER_BOT = {"bot_id": "B0OTHERBOT", "bot_profile": {"id": "B0OTHERBOT", "name": "helper"}}


def deliver(server, event: dict, event_id: str) -> None:
    assert send(server, json.dumps(p.event_callback(event, event_id)), JSON).status == 200


def test_a_mention_by_another_bot_gets_no_answer(server, slack):
    by_bot = {**p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="1700000000.000601"), **OTHER_BOT}
    deliver(server, by_bot, "EvBotMention1")
    as_bot_message = {**by_bot, "subtype": "bot_message", "ts": "1700000000.000602"}
    deliver(server, as_bot_message, "EvBotMention2")
    # A person's mention afterwards is answered, and it is the only answer.
    deliver(server, p.app_mention(f"<@{p.BOT_USER}> GAN", ts="1700000000.000603"), "EvPerson01")
    slack.wait_for("chat.postMessage")
    assert [c.params["thread_ts"] for c in slack.of("chat.postMessage")] == ["1700000000.000603"]


def test_dm_subtypes_with_words_are_answered_and_edits_are_not(server, slack):
    deliver(
        server,
        p.direct_message("message_changed", subtype="message_changed", hidden=True),
        "EvDmEdit001",
    )
    deliver(server, p.direct_message("", subtype="channel_join"), "EvDmJoin001")
    deliver(server, {**p.direct_message("GAN"), "subtype": "bot_message", **OTHER_BOT}, "EvDmBot1")
    shared = p.direct_message(
        "GAN",
        subtype="file_share",
        files=[{"id": "F0FILE0001", "name": "notes.pdf"}],
        ts="1700000000.000701",
    )
    deliver(server, shared, "EvDmFile001")
    broadcast = p.direct_message(
        "什么是MaaS", subtype="thread_broadcast", thread_ts="1700000000.000300"
    )
    deliver(server, broadcast, "EvDmBroad01")
    slack.wait_for("chat.postMessage", 2)
    posts = [c.params for c in slack.of("chat.postMessage")]
    assert len(posts) == 2
    by_thread = {
        post.get("thread_ts"): json.dumps(post["blocks"], ensure_ascii=False) for post in posts
    }
    assert "生成对抗网络" in by_thread[None]  # the file's comment, answered in the DM
    assert "模型即服务" in by_thread["1700000000.000300"]  # the broadcast, in its thread


def test_a_file_without_words_in_a_dm_is_explained(server, slack):
    image = p.direct_message("", subtype="file_share", files=[{"id": "F0IMAGE001"}])
    deliver(server, image, "EvDmImage01")
    [post] = slack.wait_for("chat.postMessage")
    assert post.params["text"] == m.DM_FILE_WITHOUT_WORDS
    assert post.params["channel"] == p.DM_CHANNEL
