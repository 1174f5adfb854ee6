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


def record_question(
    deps: Deps,
    result: SearchResult,
    *,
    team_id: str | None,
    user_id: str | None,
    source: str,
    latency_ms: float,
) -> None:
    """Log the question (answered or not) once its reply is on its way."""
    if result.status == "empty":
        return
    answered = result.answer.entry.id if result.answer is not None else None
    question = QueryRecord(
        team_id, user_id, result.query, result.normalized, answered, round(latency_ms), source
    )
    try:
        deps.query_log.record(question)
    except Exception:  # a broken store must not cost the user their answer
        log.exception("could not record a %s question", source)


def slack_error_advice(error: SlackApiError, lang: str) -> str:
    """What to tell the user about a failed Slack API call."""
    code = error.response.get("error", "") if error.response is not None else ""
    return wording.slack_error_advice(code, lang)
