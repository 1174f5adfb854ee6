"""Small pieces every listener uses: acking, language, the query log, Slack API errors as advice."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import wording
from bot.listeners import Deps
from bot.query_log import QueryRecord
from knowledge import SearchResult
from knowledge.text import has_han

log = logging.getLogger(__name__)


def ack_only(ack) -> None:
    """The ack of listeners whose work runs lazily, after Slack has had its answer."""
    ack()


def language_of(text: str) -> str:
    """ "en" for text written in English only; Chinese otherwise (and for empty text)."""
    return "en" if text.strip() and not has_han(text) else "zh"


# Slash commands name the conversation, not its type: Slack sends these instead of a name.
_COMMAND_CHANNEL_NAMES = {"directmessage": "im", "privategroup": "group"}
_EVENT_CHANNEL_TYPES = frozenset({"channel", "group", "im", "mpim"})


def conversation_of_command(command: dict) -> str:
    """Where a slash command was run, as a conversation type. Slack sends
    channel_name=directmessage in a DM, privategroup in a private channel and mpdm-… in a
    group DM; a C… channel with a real name is public. Anything else is "unknown" (private)."""
    name = (command.get("channel_name") or "").strip()
    channel = command.get("channel_id") or ""
    if name in _COMMAND_CHANNEL_NAMES:
        return _COMMAND_CHANNEL_NAMES[name]
    if name.startswith("mpdm-"):
        return "mpim"
    if channel.startswith("D"):
        return "im"
    if channel.startswith("G"):
        return "group"
    return "channel" if channel.startswith("C") and name else "unknown"


def conversation_of_event(event: dict) -> str:
    """Where a message event happened: its `channel_type` (message events carry it). An
    app_mention does not, and a C… id may be a private channel (the bot has no
    channels:read scope to ask), so a mention there is "unknown" and treated as private."""
    kind = event.get("channel_type")
    if kind in _EVENT_CHANNEL_TYPES:
        return kind
    channel = event.get("channel") or ""
    if channel.startswith("D"):
        return "im"
    if channel.startswith("G"):
        return "group"
    return "unknown"


def record_question(
    deps: Deps,
    result: SearchResult,
    *,
    team_id: str | None,
    user_id: str | None,
    source: str,
    latency_ms: float,
    conversation: str = "unknown",
) -> None:
    """Log the question (answered or not) once its reply is on its way, with the type of
    conversation it was asked in (it decides who may ever see anything derived from it)."""
    if result.status == "empty":
        return
    answered = result.answer.entry.id if result.answer is not None else None
    question = QueryRecord(
        team_id,
        user_id,
        result.query,
        result.normalized,
        answered,
        round(latency_ms),
        source,
        conversation,
    )
    try:
        deps.query_log.record(question)
    except Exception:  # a broken store must not cost the user their answer
        log.exception("could not record a %s question", source)


def slack_error_advice(error: SlackApiError, lang: str) -> str:
    """What to tell the user about a failed Slack API call."""
    code = error.response.get("error", "") if error.response is not None else ""
    return wording.slack_error_advice(code, lang)
