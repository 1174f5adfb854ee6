"""Teaching the bot, end to end: the real app over HTTP (signed requests) against the Slack
stand-in, which checks every modal and Home view against Block Kit and plays the person's side
(trigger ids, submitting what the modal holds), on SQLite and PostgreSQL.

- 👎 under an answer -> the feedback modal -> "suggest a better explanation" -> the correction
  modal -> a suggestion waiting for review; the submitter told in their DM;
- /aigc teach with a name another term owns -> the error under the field, the modal stays open;
- 教我这个词 on a no-answer -> an editor (by user group) approves in App Home -> the submitter's
  DM -> the same process answers the new term, marked 团队补充;
- a rejected suggestion: the reason in the submitter's DM, and it never answers;
- people who are not editors see no queue, and a forged approval decides nothing;
- without KNOWLEDGE_EDITORS everyone's Home says how to name them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import blocks as b
from bot import messages as m
from bot import teach_blocks as tb
from bot.app import create_app
from bot.live_knowledge import LiveKnowledge
from bot.query_log import StoreQueryLog
from bot.server import wsgi_app
from bot.settings import Settings
from bot.store import AnswerVote, Store
from knowledge.model import THEMES
from tests import payloads as p
from tests.databases import FakeClock
from tests.e2e.conftest import SIGNING_SECRET
from tests.e2e.deployment import eventually
from tests.e2e.fake_slack import FakeSlack, LoopbackServer, Shown, post, signed_headers

FORM, JSON = "application/x-www-form-urlencoded", "application/json"
ASKER = p.USER
EDITOR = "U0EDITOR01"  # named in KNOWLEDGE_EDITORS
GROUP_EDITOR = "U0GROUPED1"  # a member of @ai-editors
BYSTANDER = "U0BYSTAND1"
NEW_TERM = "提示词工程"  # the knowledge file does not know it
DEFINITION = "提示词工程是设计和优化输入给大模型的提示词，让模型给出更准确、更可控回答的方法。"
_ids = count(1)


@dataclass
class Running:
    server: LoopbackServer
    store: Store
    live: LiveKnowledge


def _settings(fake_slack: FakeSlack, editors: str) -> Settings:
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-e2e-token",
        "SLACK_API_URL": fake_slack.api_url,
    }
    if editors:
        env["KNOWLEDGE_EDITORS"] = editors
    return Settings.from_env("http", env)


def _serve(settings: Settings, engine, knowledge, fake_slack: FakeSlack) -> Iterator[Running]:
    store = Store(engine, FakeClock(), user_key="e2e-salt")
    live = LiveKnowledge(None, store, base=knowledge)
    app = create_app(settings, knowledge, store=store, query_log=StoreQueryLog(store), live=live)
    server = LoopbackServer(wsgi_app(app, settings.signing_secret))
    fake_slack.reset()  # forget the start-up auth.test
    yield Running(server, store, live)
    server.close()
    live.stop()


@pytest.fixture
def running(engine, knowledge, fake_slack) -> Iterator[Running]:
    settings = _settings(fake_slack, f"{EDITOR},@ai-editors")
    yield from _serve(settings, engine, knowledge, fake_slack)


@pytest.fixture
def slack(running, fake_slack) -> FakeSlack:
    fake_slack.add_usergroup("S0EDITORS1", "ai-editors", [GROUP_EDITOR])
    return fake_slack


# --- what people do --------------------------------------------------------------------------------


def send(running: Running, body: str, content_type: str = FORM) -> str:
    url = f"{running.server.url}/slack/events"
    reply = post(url, body, signed_headers(SIGNING_SECRET, body, content_type))
    assert reply.status == 200, reply.body
    return reply.body


def ask(running: Running, slack: FakeSlack, question: str, user: str = ASKER) -> Shown:
    """/aigc <question>: the private answer."""
    url = slack.response_url(f"ask{next(_ids)}", channel=p.CHANNEL, user=user)
    command = {**p.slash_command(question, response_url=url), "user_id": user}
    answer = slack.show_ack(url, send(running, p.form_body(command)))
    assert answer is not None
    return answer


def press(
    running: Running, slack: FakeSlack, message: Shown, action_id: str, user: str = ASKER
) -> None:
    """`user` presses the button `action_id` of `message` (their own, or one everyone sees)."""
    value = message.button_value(action_id)
    url = slack.response_url(f"press{next(_ids)}", channel=p.CHANNEL, user=user, source=message)
    payload = p.block_action(action_id, value, response_url=url, ephemeral=message.ephemeral)
    payload["user"] = {**payload["user"], "id": user}
    payload["trigger_id"] = slack.trigger(user)
    send(running, p.interactive_body(payload))


def submit(running: Running, slack: FakeSlack, user: str, values: dict | None = None) -> dict:
    """`user` submits their open modal; the app's answer, applied as Slack applies it."""
    payload = slack.view_submission(user, values)
    return slack.apply_view_ack(user, send(running, p.interactive_body(payload)))


def open_home(running: Running, slack: FakeSlack, user: str) -> dict:
    before = len(slack.delivered("views.publish"))
    event = {**p.app_home_opened(), "user": user}
    send(running, json.dumps(p.event_callback(event, f"EvHome{next(_ids):06d}")), JSON)
    slack.wait_delivered("views.publish", before + 1)
    home = slack.home_of(user)
    assert home is not None
    return home


def wait_dm(slack: FakeSlack, user: str, words: str) -> Shown:
    """Wait for the app's DM to `user` that says `words`."""
    slack.wait_until(
        lambda: any(words in s.content for s in slack.seen_by(user, user)),
        what=f"a DM to {user} saying {words}",
    )
    return next(s for s in slack.seen_by(user, user) if words in s.content)


def new_term_values(**changes: str) -> dict:
    return {"zh": NEW_TERM, "definition": DEFINITION, "theme": THEMES[1], **changes}


def teach_new_term(running: Running, slack: FakeSlack) -> int:
    """The asker asks about an unknown term, presses 教我这个词 and submits it."""
    no_answer = ask(running, slack, f"什么是{NEW_TERM}")
    assert m.NO_ANSWER["zh"].split("，")[0] in no_answer.content
    press(running, slack, no_answer, b.TEACH_ACTION)
    modal = slack.wait_modal(ASKER, tb.SUGGEST_VIEW)
    assert modal["title"]["text"] == m.SUGGEST_TITLE["zh"]
    (zh_input,) = [x for x in modal["blocks"] if x.get("block_id") == "zh"]
    assert zh_input["element"]["initial_value"] == NEW_TERM  # the question's words
    before = len(running.store.pending_suggestions(p.TEAM))
    assert submit(running, slack, ASKER, new_term_values()) == {}  # closed
    eventually(
        lambda: len(running.store.pending_suggestions(p.TEAM)) > before,
        what="the suggestion saved",
    )
    *_, pending = running.store.pending_suggestions(p.TEAM)
    assert pending.origin == "no_answer" and pending.submitter == ASKER
    wait_dm(slack, ASKER, f"#{pending.id}")
    assert "等待编辑审核" in next(
        s.content for s in slack.seen_by(ASKER, ASKER) if f"#{pending.id}" in s.content
    )
    return pending.id


def wishes(store: Store) -> list[tuple[str, int, str | None]]:
    """The votes as stored: entry, vote, what the person was looking for (no reader of the
    wishes exists yet in the app: the weekly report will be one)."""
    with Session(store.engine) as session:
        rows = session.execute(select(AnswerVote.entry_id, AnswerVote.vote, AnswerVote.wanted))
        return [tuple(row) for row in rows]


def review_buttons(home: dict) -> dict[int, list[str]]:
    return {
        int(block["block_id"].removeprefix("review_")): [e["action_id"] for e in block["elements"]]
        for block in home["blocks"]
        if str(block.get("block_id", "")).startswith("review_")
    }


# --- the tests -------------------------------------------------------------------------------------


def test_thumbs_down_leads_to_a_suggested_correction(running, slack, knowledge):
    answer = ask(running, slack, "什么是MaaS")
    press(running, slack, answer, b.VOTE_DOWN_ACTION)
    feedback = slack.wait_modal(ASKER, tb.FEEDBACK_VIEW)
    assert "模型即服务" in json.dumps(feedback, ensure_ascii=False)
    eventually(
        lambda: (
            [(v.entry_id, v.down) for v in running.store.vote_counts(p.TEAM)] == [("term:maas", 1)]
        ),
        what="the 👎 recorded",
    )
    answer_back = submit(
        running, slack, ASKER, {tb.WANTED_BLOCK: "收费方式", tb.MORE_BLOCK: [tb.SUGGEST_OPTION]}
    )
    assert answer_back["response_action"] == "update"
    correction = slack.open_view(ASKER) or {}
    assert correction["callback_id"] == tb.SUGGEST_VIEW
    assert correction["title"]["text"] == m.CORRECT_TITLE["zh"]
    better = "模型即服务（MaaS）指云厂商把训练好的大模型作为服务，按调用量或订阅收费提供给企业。"
    assert submit(running, slack, ASKER, {"definition": better}) == {}
    wait_dm(slack, ASKER, "等待编辑审核")
    assert wishes(running.store) == [("term:maas", -1, "收费方式")]
    (pending,) = running.store.pending_suggestions(p.TEAM)
    assert pending.origin == "feedback" and pending.term.replaces == "term:maas"
    assert pending.term.definition == better and pending.term.zh == knowledge.get("term:maas").zh
    # Nothing was said where the answer is: the vote and the suggestion are the asker's own.
    assert slack.seen_by(p.USER, p.CHANNEL) == [answer]


def test_a_vote_on_a_thread_reply_is_thanked_to_the_voter_alone(running, slack):
    event = p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS")
    send(running, json.dumps(p.event_callback(event, f"EvMention{next(_ids):05d}")), JSON)
    slack.wait_until(lambda: slack.seen_by(BYSTANDER, p.CHANNEL), what="the thread reply")
    (reply,) = slack.seen_by(BYSTANDER, p.CHANNEL)
    assert not reply.ephemeral
    press(running, slack, reply, b.VOTE_UP_ACTION, user=BYSTANDER)
    slack.wait_until(
        lambda: len(slack.seen_by(BYSTANDER, p.CHANNEL)) == 2, what="the voter's thanks"
    )
    thanks = slack.seen_by(BYSTANDER, p.CHANNEL)[1]
    assert thanks.visible_to == BYSTANDER and m.VOTE_THANKS["zh"] in thanks.content
    assert slack.seen_by(ASKER, p.CHANNEL) == [reply]  # the others see no vote
    assert reply.blocks == slack.seen_by(ASKER, p.CHANNEL)[0].blocks
    # Changing one's mind: 👎 replaces the 👍.
    press(running, slack, reply, b.VOTE_DOWN_ACTION, user=BYSTANDER)
    slack.wait_modal(BYSTANDER, tb.FEEDBACK_VIEW)
    eventually(
        lambda: [(v.up, v.down) for v in running.store.vote_counts(p.TEAM)] == [(0, 1)],
        what="the vote changed",
    )


def test_teach_shows_what_is_wrong_under_the_field_and_stays_open(running, slack):
    url = slack.response_url("teach", channel=p.CHANNEL, user=ASKER)
    command = {**p.slash_command(f"teach {NEW_TERM}", response_url=url)}
    command["trigger_id"] = slack.trigger(ASKER)
    assert slack.show_ack(url, send(running, p.form_body(command))) is None
    modal = slack.open_view(ASKER) or {}
    assert modal.get("callback_id") == tb.SUGGEST_VIEW
    refused = submit(running, slack, ASKER, new_term_values(zh="", en="MaaS", aliases="什么是X"))
    assert refused["response_action"] == "errors"
    assert set(refused["errors"]) == {"en", "aliases"}
    assert "模型即服务" in refused["errors"]["en"]
    assert slack.view_errors_shown(ASKER) == refused["errors"]  # still open, errors shown
    assert running.store.pending_suggestions(p.TEAM) == []
    assert submit(running, slack, ASKER, new_term_values(en="Prompt engineering")) == {}
    wait_dm(slack, ASKER, "等待编辑审核")
    (pending,) = running.store.pending_suggestions(p.TEAM)
    assert pending.origin == "teach" and pending.term.en == "Prompt engineering"


def test_teaching_an_existing_term_opens_its_correction(running, slack):
    url = slack.response_url("teach", channel=p.CHANNEL, user=ASKER)
    command = {**p.slash_command("teach MaaS", response_url=url)}
    command["trigger_id"] = slack.trigger(ASKER)
    send(running, p.form_body(command))
    modal = slack.open_view(ASKER) or {}
    assert modal["title"]["text"] == m.CORRECT_TITLE["en"]  # typed in English
    assert tb.SuggestContext.of_view(modal).replaces == "term:maas"


def test_an_editor_approves_in_app_home_and_the_term_answers_at_once(running, slack):
    before = ask(running, slack, f"什么是{NEW_TERM}")
    assert b.TEACH_ACTION in before.content
    suggestion = teach_new_term(running, slack)

    home = open_home(running, slack, GROUP_EDITOR)  # an editor through @ai-editors
    assert review_buttons(home) == {
        suggestion: [tb.APPROVE_ACTION, tb.EDIT_ACTION, tb.REJECT_ACTION]
    }
    assert DEFINITION in json.dumps(home, ensure_ascii=False)  # the diff: all new
    assert slack.delivered("usergroups.users.list")
    approve = slack.press_in_view(GROUP_EDITOR, tb.APPROVE_ACTION, block_id=f"review_{suggestion}")
    send(running, p.interactive_body(approve))
    dm = wait_dm(slack, ASKER, "审核通过")
    assert f"<@{GROUP_EDITOR}>" in dm.content and NEW_TERM in dm.content
    slack.wait_until(
        lambda: review_buttons(slack.home_of(GROUP_EDITOR) or {}) == {}, what="the Home refreshed"
    )

    answer = ask(running, slack, f"什么是{NEW_TERM}")
    assert DEFINITION in answer.content
    assert "团队补充" in answer.content and f"<@{GROUP_EDITOR}>" in answer.content
    assert running.store.pending_suggestions(p.TEAM) == []


def test_edit_then_approve_makes_the_edited_term_live(running, slack):
    suggestion = teach_new_term(running, slack)
    open_home(running, slack, EDITOR)
    send(running, p.interactive_body(slack.press_in_view(EDITOR, tb.EDIT_ACTION)))
    modal = slack.wait_modal(EDITOR, tb.SUGGEST_VIEW)
    assert modal["title"]["text"] == m.EDIT_TITLE["zh"]
    assert f"<@{ASKER}>" in json.dumps(modal)
    edited = DEFINITION.replace("方法", "技巧")
    assert submit(running, slack, EDITOR, {"definition": edited, "abbr": "PE"}) == {}
    dm = wait_dm(slack, ASKER, "审核通过")
    assert m.SUGGESTION_EDITED_NOTE["zh"] in dm.content
    (live,) = running.store.approved_terms(p.TEAM)
    assert live.term.definition == edited and live.approved_by == EDITOR
    assert running.store.suggestion(suggestion).status == "approved"
    assert edited in ask(running, slack, "什么是PE").content


def test_approving_what_no_longer_passes_opens_the_edit_modal(running, slack):
    first = teach_new_term(running, slack)
    second = teach_new_term(running, slack)  # the same name, suggested twice
    open_home(running, slack, EDITOR)
    approve = slack.press_in_view(EDITOR, tb.APPROVE_ACTION, block_id=f"review_{first}")
    send(running, p.interactive_body(approve))
    wait_dm(slack, ASKER, "审核通过")
    slack.wait_until(lambda: review_buttons(slack.home_of(EDITOR) or {}).keys() == {second})
    send(running, p.interactive_body(slack.press_in_view(EDITOR, tb.APPROVE_ACTION)))
    modal = slack.wait_modal(EDITOR, tb.SUGGEST_VIEW)  # its name is taken now
    assert modal["title"]["text"] == m.EDIT_TITLE["zh"]
    refused = submit(running, slack, EDITOR)
    assert refused["response_action"] == "errors" and "zh" in refused["errors"]
    assert running.store.suggestion(second).status == "pending"


def test_a_rejected_suggestion_never_answers(running, slack):
    suggestion = teach_new_term(running, slack)
    open_home(running, slack, EDITOR)
    send(running, p.interactive_body(slack.press_in_view(EDITOR, tb.REJECT_ACTION)))
    slack.wait_modal(EDITOR, tb.REJECT_VIEW)
    assert submit(running, slack, EDITOR, {tb.REASON_BLOCK: "和“提示工程”重复 <!channel>"}) == {}
    dm = wait_dm(slack, ASKER, "没有通过")
    assert "和“提示工程”重复" in dm.content and "<!channel>" not in dm.content
    assert running.store.suggestion(suggestion).status == "rejected"
    assert running.store.approved_terms(p.TEAM) == []
    running.live.refresh()
    assert DEFINITION not in ask(running, slack, f"什么是{NEW_TERM}").content


def test_people_who_are_not_editors_see_no_queue_and_cannot_approve(running, slack):
    suggestion = teach_new_term(running, slack)
    for user in (BYSTANDER, ASKER):  # not even one's own suggestion
        home = open_home(running, slack, user)
        text = json.dumps(home, ensure_ascii=False)
        assert (
            review_buttons(home) == {}
            and DEFINITION not in text
            and "KNOWLEDGE_EDITORS" not in text
        )
    open_home(running, slack, EDITOR)
    forged = slack.press_in_view(EDITOR, tb.APPROVE_ACTION)
    forged["user"] = {**forged["user"], "id": BYSTANDER}
    send(running, p.interactive_body(forged))
    wait_dm(slack, BYSTANDER, m.REVIEW_NOT_EDITOR["zh"])
    assert running.store.suggestion(suggestion).status == "pending"


def test_vote_counts_show_in_stats_and_the_editors_home(running, slack):
    answer = ask(running, slack, "什么是MaaS")
    press(running, slack, answer, b.VOTE_DOWN_ACTION)
    slack.wait_modal(ASKER, tb.FEEDBACK_VIEW)
    eventually(lambda: running.store.vote_counts(p.TEAM), what="the vote")
    stats = ask(running, slack, "stats")
    assert m.STATS_VOTES in stats.content and "👎 1" in stats.content
    assert "👎 1" in json.dumps(open_home(running, slack, EDITOR), ensure_ascii=False)


@pytest.fixture
def running_without_editors(engine, knowledge, fake_slack) -> Iterator[Running]:
    yield from _serve(_settings(fake_slack, ""), engine, knowledge, fake_slack)


def test_without_editors_suggestions_queue_and_the_home_says_how_to_name_them(
    running_without_editors, fake_slack
):
    running, slack = running_without_editors, fake_slack
    teach_new_term(running, slack)
    for user in (ASKER, BYSTANDER):
        text = json.dumps(open_home(running, slack, user), ensure_ascii=False)
        assert "KNOWLEDGE_EDITORS" in text and "1 条" in text and DEFINITION not in text


# --- the stand-in refuses what Slack refuses -------------------------------------------------------


def test_the_stand_in_refuses_modals_slack_refuses(fake_slack, knowledge):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    slack = fake_slack
    slack.reset()
    client = WebClient(token="xoxb-e2e-token", base_url=slack.api_url)
    good = tb.suggest_modal(
        knowledge, tb.prefill_for_question("什么是X"), tb.SuggestContext("teach")
    )

    def refused(call, **kwargs) -> str:
        with pytest.raises(SlackApiError) as error:
            call(**kwargs)
        return error.value.response["error"]

    assert refused(client.views_open, trigger_id="made-up", view=good) == "invalid_trigger_id"
    long_title = {**good, "title": {"type": "plain_text", "text": "标" * 25}}
    no_submit = {k: v for k, v in good.items() if k != "submit"}
    for bad in (long_title, no_submit, {**good, "private_metadata": "x" * 3001}):
        assert refused(client.views_open, trigger_id=slack.trigger(ASKER), view=bad) == (
            "invalid_arguments"
        )
    trigger = slack.trigger(ASKER)
    opened = client.views_open(trigger_id=trigger, view=good)["view"]
    assert refused(client.views_open, trigger_id=trigger, view=good) == "exchanged_trigger_id"
    stale = slack.trigger(ASKER)
    slack.advance(4)
    assert refused(client.views_push, trigger_id=stale, view=good) == "expired_trigger_id"
    update = client.views_update
    assert refused(update, view_id=opened["id"], hash="old", view=good) == "hash_conflict"
    assert refused(update, view_id="V0NOTHERE", view=good) == "not_found"
    assert update(view_id=opened["id"], hash=opened["hash"], view=good)["ok"]
    for _ in range(2):
        client.views_push(trigger_id=slack.trigger(ASKER), view=good)
    pushed = refused(client.views_push, trigger_id=slack.trigger(ASKER), view=good)
    assert pushed == "push_limit_reached"
    with pytest.raises(AssertionError, match="errors must name input blocks"):
        slack.apply_view_ack(ASKER, json.dumps({"response_action": "errors", "errors": {"x": "y"}}))
    slack.scopes = slack.scopes - {"usergroups:read"}
    assert refused(client.usergroups_users_list, usergroup="S0EDITORS1") == "missing_scope"
