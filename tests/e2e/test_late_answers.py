"""A slash command whose search overruns its budget: the asker sees one message, the answer,
whatever Slack does with the late response_url post.

Slack cannot replace a slash command's acknowledgement through the command's response_url
(a `replace_original` answer comes as a second message), so nothing may show before the answer.
The real app over HTTP; the search is held until the test has seen the acknowledgement.
"""

from __future__ import annotations

import threading
from unittest.mock import Mock

import pytest

from tests import payloads as p
from tests.e2e.conftest import SIGNING_SECRET
from tests.e2e.fake_slack import BOT_USER, FakeSlack, Scripted, Shown, post, signed_headers

FORM = "application/x-www-form-urlencoded"
FRIEND = "U0FRIEND01"
searching = threading.Event()  # set: the search may finish


@pytest.fixture(scope="module")
def knowledge(knowledge):
    """The real knowledge, whose search waits for the test to let it finish (longer than the
    app's 2-second budget for answering in the acknowledgement)."""

    def search(query: str, *args, **kwargs):
        searching.wait(10)
        return knowledge.search(query, *args, **kwargs)

    held = Mock(wraps=knowledge)
    held.search.side_effect = search
    return held


@pytest.fixture(autouse=True)
def held_search():
    searching.clear()
    yield
    searching.set()


def ask_slowly(server, slack: FakeSlack, question: str, channel: str, channel_name: str) -> Shown:
    """Ask; check nothing shows while the search runs; let it finish; the one message the
    asker then sees in `channel` (or in their DM with the app)."""
    url = slack.response_url("slow", channel=channel, user=p.USER)
    command = p.slash_command(question, response_url=url)
    body = p.form_body({**command, "channel_id": channel, "channel_name": channel_name})
    reply = post(f"{server.url}/slack/events", body, signed_headers(SIGNING_SECRET, body, FORM))
    assert reply.status == 200
    assert slack.show_ack(url, reply.body) is None  # nothing on screen before the answer
    searching.set()
    slack.wait_until(lambda: slack.seen_by(p.USER, channel) or slack.seen_by(p.USER, p.USER))
    slack.wait_settled()
    (seen,) = slack.seen_by(p.USER, channel) + slack.seen_by(p.USER, p.USER)
    return seen


def test_a_late_answer_is_the_only_message_the_asker_sees(server, slack):
    seen = ask_slowly(server, slack, "什么是MaaS", p.CHANNEL, "general")
    assert seen.via == "response_url" and seen.visible_to == p.USER
    assert "模型即服务" in seen.content


def test_a_late_answer_slack_refuses_through_the_response_url_comes_as_an_ephemeral(server, slack):
    slack.add_conversation("C0WITHBOT1", "public", members={BOT_USER, p.USER, FRIEND})
    slack.script("response_url", Scripted(404, "expired_url"))
    seen = ask_slowly(server, slack, "什么是GAN", "C0WITHBOT1", "ai")
    assert seen.via == "chat.postEphemeral" and seen.visible_to == p.USER
    assert "生成对抗网络" in seen.content


def test_a_late_answer_in_a_dm_between_two_people_falls_back_to_the_askers_dm(server, slack):
    slack.add_conversation("D0PEOPLE01", "im", members={p.USER, FRIEND})
    slack.script("response_url", Scripted(404, "expired_url"))
    seen = ask_slowly(server, slack, "什么是AIGC", "D0PEOPLE01", "directmessage")
    assert seen.channel == p.USER and seen.via == "chat.postMessage"  # the app's DM
    assert slack.seen_by(FRIEND, "D0PEOPLE01") == []
