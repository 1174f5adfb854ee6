"""Buttons: share, alternatives, glossary pages (mocked ack/respond/client)."""

from __future__ import annotations

import json
from unittest.mock import Mock

from bot import blocks as b
from bot import messages as m
from bot.listeners.actions import share_answer, show_alternative, turn_terms_page
from bot.listeners.common import Asker
from tests import payloads as p
from tests.bot.listeners.mocks import responding, slack_error

# --- buttons --------------------------------------------------------------------------------------


def share_payload(entry_id="term:maas", query="<!channel> MaaS", channel=p.CHANNEL):
    return p.block_action(
        b.SHARE_ACTION, b.encode_value(id=entry_id, q=query, l="zh"), channel=channel
    )


def test_share_posts_through_the_response_url_then_deletes_the_ephemeral(deps):
    body = share_payload()
    respond, client = responding(), Mock()
    assert share_answer(body, body["actions"][0], respond, client, deps) is True
    shared, deleted = (c.kwargs for c in respond.call_args_list)
    assert (shared["response_type"], shared["replace_original"]) == ("in_channel", False)
    raw = json.dumps(shared["blocks"], ensure_ascii=False)
    assert f"<@{p.USER}>" in raw and "&lt;!channel&gt; MaaS" in raw and "<!channel>" not in raw
    assert deleted == {"delete_original": True}
    client.chat_postMessage.assert_not_called()


def test_a_refused_response_url_shares_with_chat_post_message(deps, caplog):
    body = share_payload()
    respond, client = responding((404, "used_url")), Mock()
    assert share_answer(body, body["actions"][0], respond, client, deps) is True
    assert client.chat_postMessage.call_args.kwargs["channel"] == p.CHANNEL
    assert respond.call_args.kwargs == {"delete_original": True}
    assert "HTTP 404 used_url" in caplog.text and "hooks.slack.com" not in caplog.text


def test_a_share_that_may_have_arrived_is_not_posted_again(deps):
    body = share_payload()
    respond, client = responding((500, "rollup_error")), Mock()
    assert share_answer(body, body["actions"][0], respond, client, deps) is True
    client.chat_postMessage.assert_not_called()
    assert respond.call_count == 1  # nor its private answer deleted: it may not have arrived


def test_share_where_the_bot_is_not_invited_keeps_the_answer_and_says_how_to_invite(deps):
    body = share_payload()
    respond, client = responding((404, "used_url")), Mock()
    client.chat_postMessage.side_effect = slack_error("not_in_channel")
    assert share_answer(body, body["actions"][0], respond, client, deps) is False
    advice = respond.call_args.kwargs
    assert "/invite" in advice["text"] and advice["replace_original"] is False


def test_share_where_nobody_can_post_never_advises_an_invite(deps):
    """channel_not_found: a DM between two people or a private conversation: no /invite."""
    body = share_payload(channel="D0PEOPLE01")
    respond, client = responding((404, "expired_url"), (404, "expired_url")), Mock()
    client.chat_postMessage.side_effect = [slack_error("channel_not_found"), None]
    client.chat_postEphemeral.side_effect = slack_error("channel_not_found")
    assert share_answer(body, body["actions"][0], respond, client, deps) is False
    note = client.chat_postMessage.call_args.kwargs  # in the app's DM with the asker
    assert note["channel"] == p.USER
    assert note["text"] == m.SHARE_FAILED["zh"] and "/invite" not in note["text"]


def test_share_of_an_unknown_entry(deps):
    body = share_payload(entry_id="term:gone")
    respond, client = responding(), Mock()
    share_answer(body, body["actions"][0], respond, client, deps)
    client.chat_postMessage.assert_not_called()
    assert respond.call_args.kwargs["text"] == m.ENTRY_GONE["zh"]


def test_alternative_replaces_the_original(deps):
    action = {"value": b.encode_value(id="term:gan", q="GAN", l="en", s=1)}
    respond = responding()
    show_alternative(action, respond, deps)
    reply = respond.call_args.kwargs
    assert reply["replace_original"] is True
    assert reply["blocks"][0]["text"]["text"] == "生成对抗网络(GAN)"
    assert m.SHARE_BUTTON["en"] in json.dumps(reply["blocks"], ensure_ascii=False)


def test_an_alternative_slack_refuses_through_the_response_url_comes_as_an_ephemeral(deps):
    action = {"value": b.encode_value(id="term:gan", q="GAN", l="zh", s=1)}
    respond, client = responding((404, "expired_url")), Mock()
    show_alternative(action, respond, deps, Asker(client, p.CHANNEL, p.USER))
    posted = client.chat_postEphemeral.call_args.kwargs
    assert (posted["channel"], posted["user"]) == (p.CHANNEL, p.USER)
    assert posted["blocks"][0]["text"]["text"] == "生成对抗网络(GAN)"


def test_terms_page_turns(deps):
    respond = responding()
    turn_terms_page({"value": b.encode_value(k="", p=2)}, respond, deps)
    assert "第 3/" in json.dumps(respond.call_args.kwargs["blocks"], ensure_ascii=False)
