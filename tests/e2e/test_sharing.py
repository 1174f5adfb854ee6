"""Sharing an answer in every kind of conversation: the real app over HTTP against the stand-in,
which applies Slack's membership rules and shows what each person sees.

A person asks `/aigc 什么是MaaS` somewhere, sees the private answer, presses 在频道中分享; then
everyone in that conversation sees one copy saying who asked, and the private answer is gone.
"""

from __future__ import annotations

from itertools import count

import pytest

from bot import blocks as b
from tests import payloads as p
from tests.e2e.conftest import SIGNING_SECRET
from tests.e2e.fake_slack import BOT_USER, FakeSlack, Scripted, Shown, post, signed_headers

FORM = "application/x-www-form-urlencoded"
FRIEND, THIRD = "U0FRIEND01", "U0THIRD001"
_message_ts = count(1)  # each answer a message of its own: a press on it is a new press

# id, kind, members, and the channel_name Slack sends with a slash command run there.
CONVERSATIONS = {
    "public channel with the bot": ("C0WITHBOT1", "public", {BOT_USER, p.USER, FRIEND}, "ai"),
    "public channel without the bot": ("C0NOBOT001", "public", {p.USER, FRIEND}, "ai"),
    "private channel without the bot": ("G0PRIVATE1", "private", {p.USER, FRIEND}, "privategroup"),
    "1:1 DM between two people": ("D0PEOPLE01", "im", {p.USER, FRIEND}, "directmessage"),
    "group DM without the bot": ("G0MPIM0001", "mpim", {p.USER, FRIEND, THIRD}, "mpdm-a--f--t-1"),
}


def send(server, body: str):
    return post(f"{server.url}/slack/events", body, signed_headers(SIGNING_SECRET, body, FORM))


def ask(server, slack: FakeSlack, channel: str, channel_name: str) -> Shown:
    """/aigc 什么是MaaS in `channel`: the private answer the asker sees."""
    url = slack.response_url("ask", channel=channel, user=p.USER)
    command = p.slash_command("什么是MaaS", response_url=url)
    reply = send(
        server, p.form_body({**command, "channel_id": channel, "channel_name": channel_name})
    )
    assert reply.status == 200
    answer = slack.show_ack(url, reply.body)
    assert answer is not None and answer.visible_to == p.USER
    return answer


def press_share(server, slack: FakeSlack, answer: Shown) -> None:
    value = next(
        element["value"]
        for block in answer.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == b.SHARE_ACTION
    )
    url = slack.response_url("share", channel=answer.channel, user=p.USER, source=answer)
    press = p.block_action(b.SHARE_ACTION, value, response_url=url, channel=answer.channel)
    press["container"]["message_ts"] = f"1700000000.{next(_message_ts):06d}"
    assert send(server, p.interactive_body(press)).status == 200


def public_copies(slack: FakeSlack, channel: str) -> list[Shown]:
    return [s for s in slack.seen_by(FRIEND, channel) if not s.ephemeral]


def wait_shared(slack: FakeSlack, channel: str, answer: Shown) -> Shown:
    """Wait until the conversation sees one public copy and the private answer is gone."""
    slack.wait_until(
        lambda: public_copies(slack, channel) and answer.deleted,
        what=f"the answer shared in {channel}",
    )
    slack.wait_settled()
    (shared,) = public_copies(slack, channel)
    return shared


@pytest.mark.parametrize("where", CONVERSATIONS.keys())
def test_a_shared_answer_reaches_everyone_in_any_conversation(server, slack, where):
    channel, kind, members, channel_name = CONVERSATIONS[where]
    slack.add_conversation(channel, kind, members=members)
    if where == "public channel without the bot":
        # Installed before the manifest asked for chat:write.public: not granted until reinstalled.
        slack.scopes = slack.scopes - {"chat:write.public"}
    answer = ask(server, slack, channel, channel_name)
    press_share(server, slack, answer)
    shared = wait_shared(slack, channel, answer)
    assert "模型即服务" in shared.content and f"<@{p.USER}>" in shared.content
    assert slack.seen_by(p.USER, channel) == [shared]  # the asker: only the public copy
    assert slack.seen_by(THIRD, channel) == [shared]


def test_a_refused_response_url_falls_back_to_posting_where_the_bot_is(server, slack):
    channel, kind, members, channel_name = CONVERSATIONS["public channel with the bot"]
    slack.add_conversation(channel, kind, members=members)
    answer = ask(server, slack, channel, channel_name)
    slack.script("response_url", Scripted(404, "used_url"))
    press_share(server, slack, answer)
    shared = wait_shared(slack, channel, answer)
    assert shared.via == "chat.postMessage"


def test_a_share_nothing_can_post_is_explained_in_the_askers_dm(server, slack):
    channel, kind, members, channel_name = CONVERSATIONS["1:1 DM between two people"]
    slack.add_conversation(channel, kind, members=members)
    answer = ask(server, slack, channel, channel_name)
    slack.script("response_url", *Scripted.times(3, 404, "used_url"))
    press_share(server, slack, answer)
    slack.wait_until(lambda: slack.seen_by(p.USER, p.USER), what="a note in the asker's DM")
    slack.wait_settled()
    (note,) = slack.seen_by(p.USER, p.USER)  # chat.postMessage to a user id: the app's DM
    assert "/invite" not in note.content  # nobody can invite the bot into a DM
    assert public_copies(slack, channel) == []
    assert slack.seen_by(p.USER, channel) == [answer]  # the private answer is kept
