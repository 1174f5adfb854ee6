"""Small pieces every listener uses: acking, language, misses, Slack API errors as advice."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import messages as m
from bot.listeners import Deps
from knowledge import SearchResult
from knowledge.text import has_han

log = logging.getLogger(__name__)

_ERROR_ADVICE = {
    "not_in_channel": m.NOT_IN_CHANNEL,
    "channel_not_found": m.CHANNEL_NOT_FOUND,
    "ratelimited": m.RATE_LIMITED,
}


def ack_only(ack) -> None:
    """The ack of listeners whose work runs lazily, after Slack has had its answer."""
    ack()


def language_of(text: str) -> str:
    """ "en" for text written in English only; Chinese otherwise (and for empty text)."""
    return "en" if text.strip() and not has_han(text) else "zh"


def record_miss(deps: Deps, team_id: str | None, result: SearchResult) -> None:
    if result.status != "no_answer":
        return
    try:
        deps.misses.record(team_id, result.query, result.normalized)
    except Exception:  # a broken store must not cost the user their answer
        log.exception("could not record a missed query")


def slack_error_advice(error: SlackApiError, lang: str) -> str:
    """What to tell the user about a failed Slack API call."""
    code = error.response.get("error", "") if error.response is not None else ""
    return _ERROR_ADVICE.get(code, m.APOLOGY)[lang]
