"""Events: @mentions (answered in the thread), direct messages, and the App Home tab."""

from __future__ import annotations

import logging
import re
import time

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot import blocks as b
from bot import messages as m
from bot.listeners import Deps
from bot.listeners.common import (
    ack_only,
    conversation_of_event,
    language_of,
    record_question,
)
from bot.listeners.dedupe import event_key, retry_of
from bot.listeners.teach import teaching_blocks

log = logging.getLogger(__name__)

_ANY_MENTION_AT_START = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")

# Message subtypes that are a person writing in the DM, answered like a plain message: a file
# shared with a comment, a thread reply also sent to the conversation, /me. Every other subtype
# (edits, deletions, joins, thread bookkeeping, bot posts) says nothing new to answer.
_ANSWERED_SUBTYPES = frozenset({"file_share", "thread_broadcast", "me_message"})


def is_from_a_bot(event: dict, bot_user_id: str | None = None) -> bool:
    """Posted by a bot or an integration, or by this app itself: never answered, so two bots
    cannot answer each other forever. (Bolt's own guard drops events of this app's bot id;
    this also covers other bots and our own posts echoed back without one.)"""
    return (
        bool(event.get("bot_id"))
        or event.get("subtype") == "bot_message"
        or bool(bot_user_id and event.get("user") == bot_user_id)
    )


def question_from_mention(text: str, bot_user_id: str | None) -> str:
    """The question in a mention: the text without the bot's own `<@U…>` mention(s)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    else:
        text = _ANY_MENTION_AT_START.sub(" ", text)
    return text.strip()


def _post_answer(
    client: WebClient,
    deps: Deps,
    *,
    channel: str,
    thread_ts: str | None,
    query: str,
    team_id: str | None,
    user_id: str | None,
    source: str,
    conversation: str,
    enterprise_id: str | None = None,
) -> None:
    started = time.perf_counter()
    reply = deps.answers.answer(query, shareable=False, knowledge=deps.knowledge_for(team_id))
    latency_ms = (time.perf_counter() - started) * 1000
    client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, blocks=reply.blocks, text=reply.text
    )
    record_question(
        deps,
        reply.result,
        team_id=team_id,
        user_id=user_id,
        source=source,
        latency_ms=latency_ms,
        conversation=conversation,
        enterprise_id=enterprise_id,
    )


def _apologize(client: WebClient, channel: str, thread_ts: str | None, text: str) -> bool:
    """True if the apology reached Slack."""
    try:
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=m.APOLOGY[language_of(text)]
        )
        return True
    except Exception:
        log.exception("could not send the apology either")
        return False


def answer_mention(event: dict, context: BoltContext, client: WebClient, deps: Deps) -> bool:
    """Answer in the thread of the mention (starting one under it if it was not in a thread).
    True when a reply (the answer, or else an apology) was posted; False when nothing was, so
    a re-delivery of the event may try again."""
    if is_from_a_bot(event, context.bot_user_id):
        return True
    channel = event["channel"]
    thread_ts = event.get("thread_ts") or event["ts"]
    question = question_from_mention(event.get("text", ""), context.bot_user_id)
    try:
        if not question:
            lang = language_of(question)
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=m.MENTION_HELP[lang])
            return True
        _post_answer(
            client,
            deps,
            channel=channel,
            thread_ts=thread_ts,
            query=question,
            team_id=context.team_id or event.get("team"),  # org-wide: no team in context
            enterprise_id=context.enterprise_id,
            user_id=event.get("user"),
            source="mention",
            conversation=conversation_of_event(event),
        )
        return True
    except Exception:
        log.exception("mention in %s failed", channel)
        return _apologize(client, channel, thread_ts, question)


def is_direct_message(event: dict, bot_user_id: str | None = None) -> bool:
    """A person's own message in a DM with the bot, plain or of a subtype that carries what
    they wrote; not edits, deletions, joins, nor any bot's post (this app's included)."""
    return (
        event.get("channel_type") == "im"
        and (not event.get("subtype") or event.get("subtype") in _ANSWERED_SUBTYPES)
        and not is_from_a_bot(event, bot_user_id)
        and bool(event.get("user"))
    )


def answer_direct_message(event: dict, context: BoltContext, client: WebClient, deps: Deps) -> bool:
    """Like `answer_mention`, in the DM; True also for messages that need no answer."""
    if not is_direct_message(event, context.bot_user_id):
        return True
    channel, text = event["channel"], event.get("text", "")
    try:
        if not text.strip():  # a file without a comment: the bot reads words, not files
            client.chat_postMessage(
                channel=channel, thread_ts=event.get("thread_ts"), text=m.DM_FILE_WITHOUT_WORDS
            )
            return True
        _post_answer(
            client,
            deps,
            channel=channel,
            thread_ts=event.get("thread_ts"),
            query=text,
            team_id=context.team_id or event.get("team"),  # org-wide: no team in context
            enterprise_id=context.enterprise_id,
            user_id=event.get("user"),
            source="dm",
            conversation=conversation_of_event(event),
        )
        return True
    except Exception:
        log.exception("direct message in %s failed", channel)
        return _apologize(client, channel, event.get("thread_ts"), text)


def home_for(
    deps: Deps, team_id: str | None, user_id: str | None = None, client: WebClient | None = None
) -> dict:
    """One person's Home view: the entries the workspace asked about most (public channels,
    titles only), that person's own recent questions, which only they see, and for an editor
    the review queue (bot/listeners/teach.py)."""
    asked: list[b.Asked] = []
    own: list[str] = []
    knowledge = deps.knowledge_for(team_id)
    if deps.store is not None and team_id:
        try:
            stats = deps.store.asked_entries(team_id, None, b.HOME_SHOWN)
            asked = b.asked_entries(stats, knowledge.get)
            if user_id:
                own = [q.query for q in deps.store.own_questions(team_id, user_id, b.HOME_SHOWN)]
        except Exception:  # the glossary is still worth showing
            log.exception("could not read the query log for the Home view")
    teaching: list[dict] = []
    try:
        teaching = teaching_blocks(deps, client, team_id, user_id)
    except Exception:
        log.exception("could not read the review queue for the Home view")
    return b.home_view(knowledge.terms(), asked, own, teaching)


def publish_home(event: dict, client: WebClient, view: dict) -> None:
    if event.get("tab", "home") != "home":
        return
    try:
        client.views_publish(user_id=event["user"], view=view)
    except Exception:
        log.exception("could not publish App Home for %s", event.get("user"))


def register(app: App, deps: Deps) -> None:
    # Without a store nor a live knowledge the Home view never changes, so it is rendered once.
    fixed = deps.store is None and deps.live is None
    static_home = b.home_view(deps.knowledge.terms()) if fixed else None

    # A re-delivered event (Slack's retry, here or in another process) is acked and dropped.
    def mention(body: dict, event: dict, context: BoltContext, client: WebClient, request) -> None:
        if is_from_a_bot(event, context.bot_user_id):  # no key: nothing will ever answer it
            return
        deps.dedupe.run_once(
            event_key(body),
            lambda: answer_mention(event, context, client, deps),
            retry=retry_of(request.headers),
        )

    def direct_message(
        body: dict, event: dict, context: BoltContext, client: WebClient, request
    ) -> None:
        if not is_direct_message(event, context.bot_user_id):  # no key for echoes, edits, bots
            return
        deps.dedupe.run_once(
            event_key(body),
            lambda: answer_direct_message(event, context, client, deps),
            retry=retry_of(request.headers),
        )

    def home_opened(body: dict, event: dict, context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team = context.team_id or body.get("team_id")  # org-wide installs: no team in context
        view = static_home or home_for(deps, team, event.get("user"), client)
        publish_home(event, client, view)

    app.event("app_mention")(ack=ack_only, lazy=[mention])
    app.event("message")(ack=ack_only, lazy=[direct_message])
    app.event("app_home_opened")(ack=ack_only, lazy=[home_opened])
