"""The real app over real HTTP on 127.0.0.1, against a local stand-in for Slack's Web API."""

from __future__ import annotations

import json
import time

from bot import blocks as b
from tests import payloads as p
from tests.e2e.conftest import SIGNING_SECRET
from tests.e2e.fake_slack import Scripted, get, post, signed_headers

FORM = "application/x-www-form-urlencoded"


def send(server, body: str, content_type: str = FORM, *, secret=SIGNING_SECRET, timestamp=None):
    headers = signed_headers(secret, body, content_type, timestamp)
    return post(f"{server.url}/slack/events", body, headers)


def command(server, slack, text: str, **fields: str):
    """/aigc `text`, signed; `fields` replace the payload's (e.g. channel_name, user_id)."""
    payload = p.slash_command(text, response_url=slack.response_url("command"))
    body = p.form_body({**payload, **fields})
    return send(server, body)


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_healthz(server):
    reply = get(f"{server.url}/healthz")
    assert (reply.status, reply.body) == (200, "ok\n")


def test_slash_command_answers_in_the_ack_and_only_to_the_asker(server, slack):
    reply = command(server, slack, "什么是MaaS")
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["type"] == "header"
    assert answer["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"
    assert "垂直化、场景化、定制化" in all_text(answer["blocks"])
    actions = next(blk for blk in answer["blocks"] if blk["type"] == "actions")
    assert actions["elements"][0]["action_id"] == b.SHARE_ACTION
    # Nothing went to the channel: the answer stays private until shared.
    assert slack.of("chat.postMessage") == []
    assert slack.of("chat.postEphemeral") == []


def test_unanswerable_query_is_recorded_as_a_miss(server, slack, query_log):
    reply = command(server, slack, "明天天气怎么样")
    assert reply.status == 200
    assert "没有找到" in all_text(reply.json()["blocks"])
    assert any(miss.query == "明天天气怎么样" for miss in query_log.misses)


def test_channel_broadcast_in_a_query_never_reaches_slack_unescaped(server, slack):
    reply = command(server, slack, "<!channel> <!here> <@U0OTHER01> 明天天气")
    raw = reply.body
    for dangerous in ("<!channel>", "<!here>", "<@U0OTHER01>"):
        assert dangerous not in raw
        assert dangerous not in json.loads(raw).get("text", "")
    assert "&lt;!channel&gt;" in raw


def test_help_terms_and_toc(server, slack):
    assert command(server, slack, "").json()["blocks"][0]["text"]["text"].startswith("AIGC")
    terms = command(server, slack, "terms 模型").json()["blocks"]
    assert terms[0]["type"] == "header" and len(terms) <= b.MAX_BLOCKS
    toc = command(server, slack, "toc").json()["blocks"]
    assert "目录" in toc[0]["text"]["text"]


def test_share_button_posts_in_the_channel_and_removes_the_ephemeral(server, slack):
    value = b.encode_value(id="term:maas", q="<!channel> 什么是MaaS", l="zh")
    payload = p.block_action(b.SHARE_ACTION, value, response_url=slack.response_url("share"))
    reply = send(server, p.interactive_body(payload))
    assert reply.status == 200
    shared, deleted = slack.wait_delivered("response_url", 2)
    posted = shared.params
    assert (posted["response_type"], posted["replace_original"]) == ("in_channel", False)
    assert f"<@{p.USER}>" in all_text(posted["blocks"])  # says who asked
    assert "<!channel>" not in all_text(posted["blocks"])
    assert "&lt;!channel&gt;" in json.loads(all_text(posted["blocks"]))[0]["elements"][0]["text"]
    assert deleted.path == "/response/share"
    assert deleted.params["delete_original"] is True
    assert slack.of("chat.postMessage") == []  # the response_url needs no membership


def test_share_where_the_bot_is_not_invited_explains_how_to_invite_it(server, slack):
    slack.script("response_url", Scripted(404, "used_url"))  # so chat.postMessage is tried
    slack.fail("chat.postMessage", "not_in_channel")
    value = b.encode_value(id="term:maas", q="MaaS", l="zh")
    payload = p.block_action(b.SHARE_ACTION, value, response_url=slack.response_url("share"))
    send(server, p.interactive_body(payload))
    advice = slack.wait_delivered("response_url")[0].params
    assert "/invite" in advice["text"]
    assert advice.get("delete_original") is not True  # the answer is kept


def test_alternative_button_replaces_the_answer(server, slack):
    value = b.encode_value(id="term:gan", q="GAN", l="zh", s=1)
    payload = p.block_action(
        f"{b.ALTERNATIVE_ACTION}_1", value, response_url=slack.response_url("alt")
    )
    send(server, p.interactive_body(payload))
    replaced = slack.wait_for("response_url")[0].params
    assert replaced["replace_original"] is True
    assert replaced["blocks"][0]["text"]["text"] == "生成对抗网络(GAN)"
    assert slack.of("chat.postMessage") == []


def test_terms_page_button_turns_the_page(server, slack):
    value = b.encode_value(k="", p=1)
    payload = p.block_action(
        f"{b.TERMS_PAGE_ACTION}_next", value, response_url=slack.response_url("page")
    )
    send(server, p.interactive_body(payload))
    page = slack.wait_for("response_url")[0].params
    assert page["replace_original"] is True
    assert "第 2/" in all_text(page["blocks"])


def test_bad_signature_is_rejected(server, slack):
    body = p.form_body(p.slash_command("什么是MaaS"))
    assert send(server, body, secret="not-the-secret").status == 401
    assert slack.calls == []


def test_stale_signature_is_rejected(server, slack):
    body = p.form_body(p.slash_command("什么是MaaS"))
    six_minutes_ago = int(time.time()) - 6 * 60
    assert send(server, body, timestamp=six_minutes_ago).status == 401


def test_unsigned_request_is_rejected(server):
    body = p.form_body(p.slash_command("什么是MaaS"))
    assert post(f"{server.url}/slack/events", body, {"Content-Type": FORM}).status == 401


def test_mention_is_answered_in_a_new_thread(server, slack):
    event = p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="1700000000.000111")
    reply = send(server, json.dumps(p.event_callback(event)), "application/json")
    assert reply.status == 200
    posted = slack.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == p.CHANNEL
    assert posted["thread_ts"] == "1700000000.000111"
    assert posted["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"
    # A public answer has no share button.
    assert b.SHARE_ACTION not in all_text(posted["blocks"])


def test_mention_inside_a_thread_stays_in_that_thread(server, slack):
    event = p.app_mention(
        f"<@{p.BOT_USER}> what is AIGC", ts="1700000000.000222", thread_ts="1700000000.000001"
    )
    send(server, json.dumps(p.event_callback(event, "Ev2")), "application/json")
    posted = slack.wait_for("chat.postMessage")[0].params
    assert posted["thread_ts"] == "1700000000.000001"


def test_empty_mention_gets_short_help_in_the_thread(server, slack):
    event = p.app_mention(f"<@{p.BOT_USER}>", ts="1700000000.000333")
    send(server, json.dumps(p.event_callback(event, "Ev3")), "application/json")
    posted = slack.wait_for("chat.postMessage")[0].params
    assert posted["thread_ts"] == "1700000000.000333"
    assert "@" in posted["text"]


def test_direct_message_is_answered_in_the_dm(server, slack):
    event = p.direct_message("合成数据有什么用")
    send(server, json.dumps(p.event_callback(event, "Ev4")), "application/json")
    posted = slack.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == p.DM_CHANNEL
    assert posted["blocks"][0]["type"] == "header"


def test_bot_messages_in_a_dm_are_ignored(server, slack):
    bot_echo = p.direct_message("什么是MaaS", bot_id="B0BOT00001", subtype="bot_message")
    send(server, json.dumps(p.event_callback(bot_echo, "Ev5")), "application/json")
    # A real DM afterwards is answered, and it is the only answer.
    send(server, json.dumps(p.event_callback(p.direct_message("GAN"), "Ev6")), "application/json")
    slack.wait_for("chat.postMessage")
    assert [c.params["channel"] for c in slack.of("chat.postMessage")] == [p.DM_CHANNEL]
    assert "生成对抗网络" in all_text(slack.of("chat.postMessage")[0].params["blocks"])


def test_message_shortcut_lists_the_terms_privately(server, slack):
    payload = p.message_shortcut(
        "我们用扩散模型和 GAN 做 AIGC <!channel>", response_url=slack.response_url("shortcut")
    )
    reply = send(server, p.interactive_body(payload))
    assert reply.status == 200
    listed = slack.wait_for("response_url")[0].params
    assert listed["response_type"] == "ephemeral"
    text = all_text(listed["blocks"])
    for title in ("扩散模型", "生成对抗网络(GAN)", "人工智能生成内容(AIGC)"):
        assert title in text
    assert slack.of("chat.postMessage") == []


def test_app_home_opened_publishes_the_home_view(server, slack):
    send(server, json.dumps(p.event_callback(p.app_home_opened(), "Ev7")), "application/json")
    published = slack.wait_for("views.publish")[0]
    assert published.params["user_id"] == p.USER
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    assert "治理与风险" in all_text(view["blocks"])
    assert published.headers.get("Authorization") == "Bearer xoxb-e2e-token"


def test_a_command_whose_form_mentions_payload_is_still_a_command(server, slack):
    """Bolt reads any form body containing the text "payload" as an interactive payload;
    the question, or a channel's name, may well contain it."""
    reply = command(server, slack, "what is a payload")
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert "payload" in all_text(reply.json()["blocks"])  # the question, echoed
    payload = p.slash_command("什么是MaaS", response_url=slack.response_url("command"))
    reply = send(server, p.form_body({**payload, "channel_name": "payload-team"}))
    assert reply.status == 200
    assert reply.json()["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"


def test_a_button_press_still_reads_its_payload_field(server, slack):
    value = b.encode_value(id="term:maas", q="payload", l="zh")
    payload = p.block_action(b.SHARE_ACTION, value, response_url=slack.response_url("share"))
    assert send(server, p.interactive_body(payload)).status == 200
    slack.wait_delivered("response_url", 2)
