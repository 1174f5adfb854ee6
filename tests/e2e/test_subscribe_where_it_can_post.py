"""`/aigc subscribe` asks Slack (conversations.info) whether the bot can post where it was typed,
and says how to fix it before accepting: the real app with a real store over HTTP on 127.0.0.1,
against the stand-in's conversations (membership, DMs, archived and read-only channels)."""

from __future__ import annotations

import pytest

from bot import messages as m
from bot.app import create_app
from bot.server import wsgi_app
from bot.store import Store
from tests import payloads as p
from tests.databases import FakeClock
from tests.e2e.fake_slack import BOT_USER, FakeSlack, LoopbackServer, Scripted
from tests.e2e.test_http import command

OTHER_PERSON = "U0OTHER001"
WITHOUT_PUBLIC_POSTING = {"x-oauth-scopes": "commands,chat:write,channels:read,groups:read"}


@pytest.fixture
def app(engine, settings, knowledge, fake_slack):
    store = Store(engine, FakeClock(), user_key="e2e-salt")
    server = LoopbackServer(
        wsgi_app(create_app(settings, knowledge, store=store), settings.signing_secret)
    )
    server.store = store
    fake_slack.reset()
    yield server
    server.close()


def subscribe(app, slack: FakeSlack, text: str, channel: str, name: str = "general") -> str:
    reply = command(app, slack, text, channel_id=channel, channel_name=name)
    assert reply.status == 200
    return reply.json()["text"]


def test_a_dm_between_two_people_is_refused_with_where_to_subscribe_instead(app, fake_slack):
    fake_slack.add_conversation("D0TWOPEOPLE", "im", members={p.USER, OTHER_PERSON})
    text = subscribe(app, fake_slack, "订阅", "D0TWOPEOPLE", "directmessage")
    assert text == m.CANNOT_POST["dm"]["zh"]
    assert fake_slack.of("conversations.info")[0].params["channel"] == "D0TWOPEOPLE"
    assert app.store.subscription(p.TEAM, "D0TWOPEOPLE") is None


def test_the_dm_with_the_bot_subscribes(app, fake_slack):
    fake_slack.add_conversation("D0BOTDM001", "im", members={p.USER, BOT_USER})
    text = subscribe(app, fake_slack, "订阅", "D0BOTDM001", "directmessage")
    assert text.startswith("已订阅")


def test_a_private_channel_needs_the_invite_first_and_then_gets_its_digest(app, fake_slack):
    secret = fake_slack.add_conversation("G0PRIVATE1", "private", members={p.USER})
    text = subscribe(app, fake_slack, "subscribe 00:00 UTC", "G0PRIVATE1", "privategroup")
    assert text == m.CANNOT_POST["private"]["en"]
    assert app.store.subscriptions(p.TEAM) == []
    secret.members.add(BOT_USER)  # `/invite @AIGC知识助手`
    text = subscribe(app, fake_slack, "subscribe 00:00 UTC", "G0PRIVATE1", "privategroup")
    assert text.startswith("已订阅")
    # What the check accepted, Slack accepts: the digest goes out there.
    posted = command(app, fake_slack, "digest post", channel_id="G0PRIVATE1").json()
    assert posted["text"] == m.DIGEST_POSTED
    assert fake_slack.delivered("chat.postMessage")[0].params["channel"] == "G0PRIVATE1"


def test_a_group_dm_without_the_bot_is_refused(app, fake_slack):
    fake_slack.add_conversation("C0GROUPDM1", "mpim", members={p.USER, OTHER_PERSON, "U0THIRD01"})
    text = subscribe(app, fake_slack, "subscribe", "C0GROUPDM1", "mpdm-a--b--c-1")
    assert text == m.CANNOT_POST["group_dm"]["en"]


def test_archived_and_read_only_channels_are_refused(app, fake_slack):
    fake_slack.add_conversation("C0ARCHIVED", "public", members={BOT_USER}, archived=True)
    fake_slack.add_conversation("C0READONLY", "public", members={BOT_USER}, read_only=True)
    assert subscribe(app, fake_slack, "subscribe", "C0ARCHIVED") == m.CANNOT_POST["archived"]["en"]
    assert subscribe(app, fake_slack, "subscribe", "C0READONLY") == m.CANNOT_POST["read_only"]["en"]
    assert app.store.subscriptions(p.TEAM) == []


def test_a_public_channel_without_the_bot_needs_chat_write_public(app, fake_slack):
    fake_slack.add_conversation("C0OUTSIDE1", "public", members={p.USER})
    # The manifest grants chat:write.public: the bot can post there without joining.
    assert subscribe(app, fake_slack, "订阅", "C0OUTSIDE1").startswith("已订阅")
    # A token installed before the manifest asked for it (Slack lists the token's scopes in
    # x-oauth-scopes): the invite is needed.
    outside = {"id": "C0OUTSIDE2", "is_channel": True, "is_private": False, "is_member": False}
    fake_slack.script(
        "conversations.info",
        Scripted(body={"ok": True, "channel": outside}, headers=WITHOUT_PUBLIC_POSTING),
    )
    assert subscribe(app, fake_slack, "订阅", "C0OUTSIDE2") == m.CANNOT_POST["public"]["zh"]
    assert app.store.subscription(p.TEAM, "C0OUTSIDE2") is None


def test_without_the_read_scope_the_subscription_is_kept_and_the_fix_is_said(app, fake_slack):
    fake_slack.scopes = fake_slack.scopes - {"groups:read"}  # installed before it was asked for
    try:
        fake_slack.add_conversation("G0PRIVATE2", "private", members={p.USER, BOT_USER})
        text = subscribe(app, fake_slack, "订阅", "G0PRIVATE2", "privategroup")
    finally:
        fake_slack.scopes = fake_slack.scopes | {"groups:read"}
    assert text.startswith("已订阅")
    assert text.endswith(m.POSTING_MISSING_SCOPE["zh"].format(scope="groups:read"))
