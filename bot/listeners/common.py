"""Small pieces every listener uses: acking, language, the query log, Slack API errors as advice,
and private replies through response_url that notice when Slack refuses them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from http.client import RemoteDisconnected
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import wording
from bot.listeners import Deps
from bot.query_log import QueryRecord
from bot.slack_errors import error_code
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
    enterprise_id: str | None = None,
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
        enterprise_id,
    )
    try:
        deps.query_log.record(question)
    except Exception:  # a broken store must not cost the user their answer
        log.exception("could not record a %s question", source)


def slack_error_advice(error: SlackApiError, lang: str) -> str:
    """What to tell the user about a failed Slack API call."""
    return wording.slack_error_advice(error_code(error), lang)


# --- answering through response_url, checked ---------------------------------------------------


class Sent(Enum):
    """What became of a message sent through a response_url."""

    OK = "ok"
    REFUSED = "refused"  # Slack said no (4xx, 429, 503) or was never reached: nothing posted
    UNKNOWN = "unknown"  # a 500 or a lost answer: it may have been posted all the same


def send_through_response_url(respond: Respond, what: str, **message: Any) -> Sent:
    """Send `message` through the interaction's response_url and say what became of it.

    Bolt's `respond()` returns slack_sdk's WebhookResponse and does not raise on an HTTP error,
    and Slack refuses a response_url with a non-200 status and a plain-text reason (used 5
    times, older than 30 minutes, invalid_blocks...). A refusal, or a URL that cannot be
    reached, is logged (status and Slack's reason; never the URL: anyone holding it can post
    there) so the caller can fall back."""
    try:
        response = respond(**message)
    except Exception as error:  # after slack_sdk's retries of connection errors
        log.warning("%s: response_url unreachable (%s)", what, type(error).__name__)
        lost = isinstance(error, TimeoutError | RemoteDisconnected)  # sent, answer lost
        return Sent.UNKNOWN if lost else Sent.REFUSED
    status = response.status_code
    if status == 200:
        return Sent.OK
    reason = " ".join(str(response.body or "").split())[:200]
    log.warning("%s: Slack refused the response_url post: HTTP %s %s", what, status, reason)
    return Sent.UNKNOWN if status in (500, 504) else Sent.REFUSED


def respond_checked(respond: Respond, what: str, **message: Any) -> bool:
    """`send_through_response_url`: True when Slack took it."""
    return send_through_response_url(respond, what, **message) is Sent.OK


@dataclass(frozen=True)
class Asker:
    """Who pressed or typed, and where: what a private reply falls back to when Slack refuses
    the response_url."""

    client: WebClient | None
    channel: str | None
    user: str | None
    team: str | None = None  # the workspace: whose knowledge (team terms) answers

    @classmethod
    def of_action(cls, body: dict, client: WebClient | None) -> Asker:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        user = body.get("user") or {}
        # An org-wide install's payload may have no `team`; the user's own team names it then.
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        return cls(client, channel, user.get("id"), team)

    @classmethod
    def of_command(cls, command: dict, client: WebClient | None) -> Asker:
        return cls(
            client, command.get("channel_id"), command.get("user_id"), command.get("team_id")
        )


NOBODY = Asker(None, None, None)


def reply_privately(respond: Respond, asker: Asker, what: str, **message: Any) -> bool:
    """Show `message` to the asker alone: through response_url; where Slack refuses that, as an
    ephemeral in the conversation (chat.postEphemeral, where the bot may post: a channel it is
    in, or a public one with chat:write.public); where that fails too (a DM between two people,
    a private channel without the bot), in the app's DM with the asker (chat.postMessage to
    their user id: the App Home's Messages tab). True when one of them reached Slack."""
    # A private copy twice beats none: fall back also when the first may have arrived.
    if respond_checked(respond, what, **message):
        return True
    content = {key: message[key] for key in ("text", "blocks") if message.get(key)}
    client, channel, user = asker.client, asker.channel, asker.user
    if not content or client is None or not user:
        return False  # nothing to show again (a deletion), or nobody to show it to
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, **content)
            return True
        except SlackApiError as error:
            log.warning("%s: no ephemeral either (%s)", what, error_code(error))
    try:
        client.chat_postMessage(channel=user, **content)
        return True
    except SlackApiError as error:
        log.warning("%s: no DM either (%s)", what, error_code(error))
        return False
