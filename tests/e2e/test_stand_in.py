"""The Slack stand-in answers the way Slack documents: each rule it enforces, pinned, through
slack_sdk's own clients over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import blocks as b
from tests.e2e.fake_slack import (
    BOT_USER,
    MAX_HOME_BLOCKS,
    RESPONSE_URL_LIFETIME,
    FakeSlack,
    manifest_bot_scopes,
)

ASKER, FRIEND = "U0ASKER001", "U0FRIEND01"


def web(slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-stand-in", base_url=slack.api_url)


def error_of(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.fixture
def narrow_install() -> Iterator[FakeSlack]:
    """An install that granted only `commands` and `chat:write`."""
    slack = FakeSlack(scopes={"commands", "chat:write"})
    yield slack
    slack.close()


# --- scopes --------------------------------------------------------------------------------------


def test_the_token_has_the_manifests_bot_scopes(slack):
    assert slack.scopes == manifest_bot_scopes()
    assert {"chat:write", "commands"} <= slack.scopes


def test_a_method_without_its_scope_is_refused_with_needed_and_provided(narrow_install):
    narrow_install.add_conversation("G0PRIVATE1", "private", members={BOT_USER, ASKER})
    refused = error_of(lambda: web(narrow_install).conversations_info(channel="G0PRIVATE1"))
    assert refused["error"] == "missing_scope"
    assert refused["needed"] == "groups:read"
    assert refused["provided"] == "chat:write,commands"
    without_chat_write = FakeSlack(scopes={"commands"})
    try:
        refused = error_of(lambda: web(without_chat_write).chat_postMessage(channel="C1", text="x"))
        assert (refused["error"], refused["needed"]) == ("missing_scope", "chat:write")
    finally:
        without_chat_write.close()


# --- conversations -------------------------------------------------------------------------------


def test_an_undeclared_conversation_stays_permissive(slack):
    assert web(slack).chat_postMessage(channel="C0ANYWHERE", text="hi")["ok"]
    assert web(slack).conversations_info(channel="C0ANYWHERE")["ok"]


def test_a_public_channel_without_the_bot_needs_chat_write_public(slack, narrow_install):
    for stand_in in (slack, narrow_install):
        stand_in.add_conversation("C0PUBLIC01", "public", members={ASKER})
    assert web(slack).chat_postMessage(channel="C0PUBLIC01", text="hi")["ok"]
    refused = error_of(lambda: web(narrow_install).chat_postMessage(channel="C0PUBLIC01", text="x"))
    assert refused["error"] == "not_in_channel"


@pytest.mark.parametrize(
    ("kind", "members"),
    [("private", {ASKER}), ("mpim", {ASKER, FRIEND, "U0THIRD001"}), ("im", {ASKER, FRIEND})],
)
def test_a_private_conversation_without_the_bot_is_not_found(slack, kind, members):
    slack.add_conversation("G0HIDDEN01", kind, members=members)
    client = web(slack)
    assert error_of(lambda: client.chat_postMessage(channel="G0HIDDEN01", text="x"))["error"] == (
        "channel_not_found"
    )
    refused = error_of(
        lambda: client.chat_postEphemeral(channel="G0HIDDEN01", user=ASKER, text="x")
    )
    assert refused["error"] == "channel_not_found"
    assert error_of(lambda: client.conversations_info(channel="G0HIDDEN01"))["error"] == (
        "channel_not_found"
    )


def test_the_bots_own_dm_and_a_private_channel_it_is_in_take_posts(slack):
    slack.add_conversation("D0BOTDM001", "im", members={BOT_USER, ASKER})
    slack.add_conversation("G0WITHBOT1", "private", members={BOT_USER, ASKER})
    client = web(slack)
    assert client.chat_postMessage(channel="D0BOTDM001", text="hi")["ok"]
    assert client.chat_postEphemeral(channel="G0WITHBOT1", user=ASKER, text="hi")["ok"]
    info = client.conversations_info(channel="D0BOTDM001")["channel"]
    assert (info["is_im"], info["user"]) == (True, ASKER)


def test_archived_and_read_only_channels_refuse_posts(slack):
    slack.add_conversation("C0ARCHIVE1", "public", members={BOT_USER}, archived=True)
    slack.add_conversation("C0READONL1", "public", members={BOT_USER}, read_only=True)
    client = web(slack)
    assert error_of(lambda: client.chat_postMessage(channel="C0ARCHIVE1", text="x"))["error"] == (
        "is_archived"
    )
    assert error_of(lambda: client.chat_postMessage(channel="C0READONL1", text="x"))["error"] == (
        "restricted_action_read_only_channel"
    )


def test_an_ephemeral_needs_its_reader_in_the_channel(slack):
    slack.add_conversation("C0PUBLIC01", "public", members={BOT_USER, ASKER})
    refused = error_of(
        lambda: web(slack).chat_postEphemeral(channel="C0PUBLIC01", user=FRIEND, text="x")
    )
    assert refused["error"] == "user_not_in_channel"


def test_conversations_info_answers_from_the_model(slack):
    slack.add_conversation("C0PUBLIC01", "public", members={ASKER})
    info = web(slack).conversations_info(channel="C0PUBLIC01")["channel"]
    assert (info["is_channel"], info["is_private"], info["is_member"]) == (True, False, False)


# --- Block Kit -----------------------------------------------------------------------------------

BAD_BLOCKS = {
    "51 blocks": [section("x")] * 51,
    "section text over 3000": [section("x" * 3001)],
    "empty text": [section("")],
    "header over 150": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
    "button value over 2000": [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "go"},
                    "action_id": "a",
                    "value": "v" * 2001,
                }
            ],
        }
    ],
    "two buttons with one action id": [
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": t}, "action_id": "same"}
                for t in ("a", "b")
            ],
        }
    ],
    "two blocks with one block id": [
        {**section("a"), "block_id": "same"},
        {**section("b"), "block_id": "same"},
    ],
    "an unknown block type": [{"type": "poster", "text": "x"}],
    "an unknown field": [{**section("x"), "colour": "red"}],
}


@pytest.mark.parametrize("blocks", BAD_BLOCKS.values(), ids=BAD_BLOCKS.keys())
def test_blocks_slack_refuses_are_refused_everywhere(slack, blocks):
    client = web(slack)
    assert error_of(lambda: client.chat_postMessage(channel="C1", text="x", blocks=blocks))[
        "error"
    ] == ("invalid_blocks")
    refused = error_of(
        lambda: client.chat_postEphemeral(channel="C1", user=ASKER, text="x", blocks=blocks)
    )
    assert refused["error"] == "invalid_blocks"
    answer = WebhookClient(slack.response_url("bad")).send(text="x", blocks=blocks)
    assert (answer.status_code, answer.body) == (400, "invalid_blocks")
    assert slack.shown == []


def test_the_apps_own_blocks_are_accepted(slack, knowledge):
    blocks = b.entry_blocks(
        knowledge.get("term:maas"), "zh", knowledge.get, query="MaaS", shareable=True
    )
    assert web(slack).chat_postMessage(channel="C1", text="MaaS", blocks=blocks)["ok"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_needs_text_or_blocks(slack):
    assert error_of(lambda: web(slack).chat_postMessage(channel="C1"))["error"] == "no_text"


def test_a_home_view_takes_100_blocks_and_no_more(slack):
    client = web(slack)
    assert client.views_publish(
        user_id=ASKER, view={"type": "home", "blocks": [section("x")] * MAX_HOME_BLOCKS}
    )["ok"]
    refused = error_of(
        lambda: client.views_publish(
            user_id=ASKER, view={"type": "home", "blocks": [section("x")] * (MAX_HOME_BLOCKS + 1)}
        )
    )
    assert refused["error"] == "invalid_arguments"
    assert refused["response_metadata"]["messages"]


# --- response_url --------------------------------------------------------------------------------


def test_a_response_url_takes_five_uses_then_answers_used_url(slack):
    hook = WebhookClient(slack.response_url("five", channel="C1", user=ASKER))
    answers = [hook.send(text=f"answer {i}") for i in range(6)]
    assert [(a.status_code, a.body) for a in answers] == [(200, "ok")] * 5 + [(404, "used_url")]
    assert answers[-1].headers["Content-Type"].startswith("text/plain")


def test_a_response_url_expires_after_30_minutes(slack):
    hook = WebhookClient(slack.response_url("late", channel="C1", user=ASKER))
    slack.advance(RESPONSE_URL_LIFETIME - 1)
    assert hook.send(text="still in time").status_code == 200
    slack.advance(2)
    answer = hook.send(text="too late")
    assert (answer.status_code, answer.body) == (404, "expired_url")


def test_a_response_url_needs_text_or_blocks(slack):
    answer = WebhookClient(slack.response_url("empty")).send_dict({"response_type": "ephemeral"})
    assert (answer.status_code, answer.body) == (400, "no_text")


def test_what_people_see_of_ephemeral_and_in_channel_answers(slack):
    hook = WebhookClient(slack.response_url("seen", channel="C1", user=ASKER))
    hook.send(text="only for the asker", response_type="ephemeral")
    hook.send(text="for everyone", response_type="in_channel")
    assert [s.text for s in slack.seen_by(ASKER, "C1")] == ["only for the asker", "for everyone"]
    assert [s.text for s in slack.seen_by(FRIEND, "C1")] == ["for everyone"]


def test_a_buttons_response_url_replaces_and_deletes_the_message_it_came_from(slack):
    answer = slack.show_ack(
        slack.response_url("cmd", channel="C1", user=ASKER), '{"text": "answer"}'
    )
    hook = WebhookClient(slack.response_url("button", channel="C1", user=ASKER, source=answer))
    hook.send(text="another answer", replace_original=True)
    assert [s.text for s in slack.seen_by(ASKER, "C1")] == ["another answer"]
    hook.send_dict({"delete_original": True})
    assert slack.seen_by(ASKER, "C1") == []


def test_a_slash_commands_acknowledgement_cannot_be_replaced(slack):
    url = slack.response_url("cmd", channel="C1", user=ASKER)
    slack.show_ack(url, '{"response_type": "ephemeral", "text": "looking it up"}')
    WebhookClient(url).send(text="the answer", replace_original=True)
    assert [s.text for s in slack.seen_by(ASKER, "C1")] == ["looking it up", "the answer"]


def test_an_empty_acknowledgement_shows_nothing(slack):
    assert slack.show_ack(slack.response_url("cmd", channel="C1", user=ASKER), "") is None
    assert slack.seen_by(ASKER, "C1") == []
