"""`/aigc subscribe` asks Slack (conversations.info) whether the bot can post where it was typed,
and says how to fix it before accepting: the real app with a real store over HTTP on 127.0.0.1,
the stand-in answering conversations.info the way Slack does for each kind of conversation."""

from __future__ import annotations

import pytest

from bot import messages as m
from bot.app import create_app
from bot.server import wsgi_app
from bot.store import Store
from tests import payloads as p
from tests.databases import FakeClock
from tests.e2e.fake_slack import LoopbackServer, Scripted
from tests.e2e.test_http import command

NOT_FOUND = Scripted(body={"ok": False, "error": "channel_not_found"})
WITHOUT_PUBLIC_POSTING = {"x-oauth-scopes": "commands,chat:write,channels:read,groups:read"}


def info(**channel) -> Scripted:
    return Scripted(body={"ok": True, "channel": {"id": "C0X", **channel}})


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


def subscribe(app, slack, text: str, **where: str) -> str:
    reply = command(app, slack, text, **where)
    assert reply.status == 200
    return reply.json()["text"]


def test_a_dm_between_two_people_is_refused_with_where_to_subscribe_instead(app, fake_slack):
    fake_slack.script("conversations.info", NOT_FOUND)
    where = {"channel_id": "D0TWOPEOPLE", "channel_name": "directmessage"}
    assert subscribe(app, fake_slack, "订阅", **where) == m.CANNOT_POST["dm"]["zh"]
    assert fake_slack.of("conversations.info")[0].params["channel"] == "D0TWOPEOPLE"
    assert app.store.subscription(p.TEAM, "D0TWOPEOPLE") is None


def test_a_private_channel_without_the_bot_asks_for_an_invite_first(app, fake_slack):
    fake_slack.script("conversations.info", NOT_FOUND)
    where = {"channel_id": "C0PRIVATE1", "channel_name": "privategroup"}
    assert (
        subscribe(app, fake_slack, "subscribe 08:00", **where) == (m.CANNOT_POST["private"]["en"])
    )
    assert app.store.subscriptions(p.TEAM) == []
    # After `/invite`, Slack shows the bot the channel, and the same command subscribes.
    fake_slack.script("conversations.info", info(is_group=True, is_private=True, is_member=True))
    assert subscribe(app, fake_slack, "subscribe 08:00", **where).startswith("已订阅")


def test_a_public_channel_needs_the_bot_or_chat_write_public(app, fake_slack):
    outside = info(is_channel=True, is_private=False, is_member=False)
    fake_slack.script(
        "conversations.info",
        Scripted(body=outside.body, headers=WITHOUT_PUBLIC_POSTING),
        outside,  # a token granted the manifest's scopes: x-oauth-scopes lists chat:write.public
    )
    assert subscribe(app, fake_slack, "订阅") == m.CANNOT_POST["public"]["zh"]
    assert app.store.subscription(p.TEAM, p.CHANNEL) is None
    assert subscribe(app, fake_slack, "订阅").startswith("已订阅")


def test_archived_and_read_only_channels_are_refused(app, fake_slack):
    fake_slack.script(
        "conversations.info",
        info(is_channel=True, is_member=True, is_archived=True),
        info(is_channel=True, is_member=True, is_read_only=True),
    )
    assert subscribe(app, fake_slack, "subscribe") == m.CANNOT_POST["archived"]["en"]
    assert subscribe(app, fake_slack, "subscribe") == m.CANNOT_POST["read_only"]["en"]
    assert app.store.subscriptions(p.TEAM) == []


def test_the_dm_with_the_bot_subscribes(app, fake_slack):
    fake_slack.script("conversations.info", info(is_im=True, is_private=True, user=p.USER))
    where = {"channel_id": "D0BOTDM001", "channel_name": "directmessage"}
    assert subscribe(app, fake_slack, "订阅", **where).startswith("已订阅")
    assert app.store.subscription(p.TEAM, "D0BOTDM001") is not None


def test_without_the_read_scope_the_subscription_is_kept_and_the_fix_is_said(app, fake_slack):
    missing = {"ok": False, "error": "missing_scope", "needed": "groups:read"}
    fake_slack.script("conversations.info", Scripted(body=missing))
    where = {"channel_id": "C0PRIVATE2", "channel_name": "privategroup"}
    text = subscribe(app, fake_slack, "订阅", **where)
    assert text.startswith("已订阅")
    assert text.endswith(m.POSTING_MISSING_SCOPE["zh"].format(scope="groups:read"))
