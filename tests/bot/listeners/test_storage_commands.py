"""/aigc's storage subcommands on a real store: their answer in the ack when the work is done
within the budget, else an empty ack and one answer through response_url; and `subscribe`
asking Slack first whether the bot can post where it was typed."""

from __future__ import annotations

import threading
from unittest.mock import Mock

import pytest
from slack_sdk.webhook import WebhookResponse

from bot import messages as m
from bot.listeners import Deps
from bot.listeners.commands import handle_aigc, why_the_bot_cannot_post
from bot.query_log import InMemoryQueryLog
from tests import payloads as p
from tests.bot.listeners.mocks import acked, web_client

IN_A_DM = {"channel_id": "D0DIRECT02", "channel_name": "directmessage"}
IN_A_PRIVATE_CHANNEL = {"channel_id": "C0PRIVATE1", "channel_name": "privategroup"}
IN_A_GROUP_DM = {"channel_id": "C0GROUPDM1", "channel_name": "mpdm-a--b--c-1"}


@pytest.fixture
def store_deps(knowledge, store) -> Deps:
    return Deps(knowledge, query_log=InMemoryQueryLog(), store=store)


def run(deps: Deps, text: str, client=None, respond=None, **fields) -> Mock:
    ack = Mock()
    command = {**p.slash_command(text), **fields}
    handle_aigc(ack, command, respond or Mock(), deps, client or web_client())
    return ack


# --- the ack's budget -----------------------------------------------------------------------------


class HeldStore:
    """The real store, whose reads wait until `release()` (another program holds the lock)."""

    def __init__(self, store) -> None:
        self._store = store
        self.released = threading.Event()

    def __getattr__(self, name: str):
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        def held(*args, **kwargs):
            assert self.released.wait(10), "never released"
            return attribute(*args, **kwargs)

        return held

    def release(self) -> None:
        self.released.set()


def test_a_store_past_the_budget_gets_an_empty_ack_then_one_answer(knowledge, store):
    held = HeldStore(store)
    answered = threading.Event()
    respond = Mock(side_effect=lambda **kwargs: answered.set())
    deps = Deps(knowledge, store=held, storage_budget=0.01)
    ack = run(deps, "subscribe 08:00 UTC", respond=respond)
    ack.assert_called_once_with()  # an empty body: Slack shows nothing yet
    respond.assert_not_called()
    held.release()
    assert answered.wait(5)
    respond.assert_called_once()
    late = respond.call_args.kwargs
    assert late["text"].startswith("已订阅") and late["response_type"] == "ephemeral"
    assert "replace_original" not in late  # a slash command's ack cannot be replaced anyway
    assert store.subscription(p.TEAM, p.CHANNEL).post_time == "08:00"


def test_a_late_failure_is_apologised_for_through_response_url(knowledge, store):
    held = HeldStore(store)
    release = threading.Event()

    def broken(team_id: str):
        release.wait(5)
        raise RuntimeError("the disk is full")

    held.subscriptions = broken
    answered = threading.Event()
    respond = Mock(side_effect=lambda **kwargs: answered.set())
    run(Deps(knowledge, store=held, storage_budget=0.01), "subscriptions", respond=respond)
    release.set()
    assert answered.wait(5)
    assert respond.call_args.kwargs["text"] == m.APOLOGY["en"]


def test_a_late_answer_slack_refuses_comes_as_an_ephemeral(knowledge, store):
    held = HeldStore(store)
    refused = WebhookResponse(url="u", status_code=404, body="expired_url", headers={})
    client = web_client()
    shown = threading.Event()
    client.chat_postEphemeral.side_effect = lambda **kwargs: shown.set()
    deps = Deps(knowledge, store=held, storage_budget=0.01)
    run(deps, "stats", client, respond=Mock(return_value=refused))
    held.release()
    assert shown.wait(5)
    ephemeral = client.chat_postEphemeral.call_args.kwargs
    assert (ephemeral["channel"], ephemeral["user"]) == (p.CHANNEL, p.USER)
    assert ephemeral["text"] == m.STATS_TITLE and ephemeral["blocks"]


def test_argument_errors_need_no_database_and_are_said_in_the_ack(knowledge, store):
    held = HeldStore(store)  # never released: the database is not touched
    deps = Deps(knowledge, store=held, storage_budget=0.01)
    assert acked(run(deps, "subscribe 25:00"))["text"] == m.BAD_POST_TIME["en"].format(
        value="25:00"
    )


def test_within_the_budget_the_answer_is_in_the_ack(store_deps):
    respond = Mock()
    assert acked(run(store_deps, "subscribe", respond=respond))["text"].startswith("已订阅")
    assert acked(run(store_deps, "stats"))["text"] == m.STATS_TITLE
    respond.assert_not_called()


# --- where the bot can post -----------------------------------------------------------------------

PUBLIC = {"is_channel": True, "is_private": False}


@pytest.mark.parametrize(
    ("channel", "scopes", "expected"),
    [
        ({**PUBLIC, "is_member": True}, None, None),
        ({**PUBLIC, "is_member": False}, None, None),  # scopes not told: the manifest's
        ({**PUBLIC, "is_member": False}, {"chat:write", "chat:write.public"}, None),
        ({**PUBLIC, "is_member": False}, {"chat:write", "commands"}, "public"),
        ({**PUBLIC, "is_member": True, "is_archived": True}, None, "archived"),
        ({**PUBLIC, "is_member": True, "is_read_only": True}, None, "read_only"),
        ({**PUBLIC, "is_member": True, "is_frozen": True}, None, "read_only"),
        ({"is_group": True, "is_private": True, "is_member": False}, None, "private"),
        ({"is_group": True, "is_private": True, "is_member": True}, None, None),
        ({"is_im": True, "is_private": True, "user": p.USER}, None, None),
        ({"is_mpim": True, "is_private": True, "is_member": False}, None, "group_dm"),
        ({"is_mpim": True, "is_private": True, "is_member": True}, None, None),
    ],
)
def test_why_the_bot_cannot_post(channel, scopes, expected):
    assert why_the_bot_cannot_post(channel, scopes) == expected


@pytest.mark.parametrize(
    ("where", "text", "refusal", "lang"),
    [
        (IN_A_DM, "subscribe", "dm", "en"),
        (IN_A_DM, "订阅 09:30", "dm", "zh"),
        (IN_A_PRIVATE_CHANNEL, "订阅", "private", "zh"),
        (IN_A_GROUP_DM, "subscribe 08:00 UTC", "group_dm", "en"),
    ],
)
def test_where_slack_hides_the_conversation_subscribe_says_how_to_fix_it(
    store_deps, where, text, refusal, lang
):
    client = web_client(error="channel_not_found")
    reply = acked(run(store_deps, text, client, **where))
    assert reply["text"] == m.CANNOT_POST[refusal][lang]
    client.conversations_info.assert_called_once_with(channel=where["channel_id"])
    assert store_deps.store.subscription(p.TEAM, where["channel_id"]) is None


def test_a_public_channel_without_the_bot_or_chat_write_public_is_refused(store_deps):
    client = web_client({**PUBLIC, "is_member": False}, scopes="commands,chat:write")
    assert acked(run(store_deps, "订阅", client))["text"] == m.CANNOT_POST["public"]["zh"]
    assert store_deps.store.subscription(p.TEAM, p.CHANNEL) is None
    granted = web_client({**PUBLIC, "is_member": False}, scopes="commands,chat:write.public")
    assert acked(run(store_deps, "订阅", granted))["text"].startswith("已订阅")


def test_an_archived_channel_is_refused(store_deps):
    client = web_client({**PUBLIC, "is_member": True, "is_archived": True})
    assert acked(run(store_deps, "subscribe", client))["text"] == m.CANNOT_POST["archived"]["en"]


def test_the_bots_own_dm_can_subscribe(store_deps):
    client = web_client({"id": "D0BOTDM001", "is_im": True, "user": p.USER})
    reply = acked(run(store_deps, "订阅", client, channel_id="D0BOTDM001"))
    assert reply["text"].startswith("已订阅")
    assert store_deps.store.subscription(p.TEAM, "D0BOTDM001") is not None


def test_when_slack_cannot_be_asked_the_subscription_is_kept_with_a_note(store_deps):
    scope = web_client(error="missing_scope", needed="groups:read")
    reply = acked(run(store_deps, "订阅", scope, **IN_A_PRIVATE_CHANNEL))["text"]
    assert reply.startswith("已订阅")
    assert reply.endswith(m.POSTING_MISSING_SCOPE["zh"].format(scope="groups:read"))
    down = web_client(error="internal_error")
    reply = acked(run(store_deps, "subscribe 10:00", down))["text"]
    assert reply.startswith("已") and reply.endswith(m.POSTING_UNCHECKED["en"])
