"""Text the Slack and terminal renderers share: an entry's other names, its one-line
definition, a trend's summary, dates, the truncation notice and Slack errors as advice (the
advice comes from bot/slack_errors.py's table).

Plain strings only (no Block Kit, no escaping): `blocks.py` escapes them for mrkdwn,
`terminal.py` prints them as they are.
"""

from __future__ import annotations

import re
from datetime import date

from bot import messages as m
from bot import slack_errors
from knowledge import Entry
from knowledge.text import MAX_QUERY_CHARS

FIRST_SENTENCE_CHARS = 160  # a definition line in a list
SUMMARY_CHARS = 600  # a trend's summary when the build left none
# A sentence ends at 。！？ (or . ! ? before a space); the mark stays with it.
_SENTENCE_END = re.compile(r"(?<=[。!?！？])|(?<=[.!?])\s")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_sentence(text: str, limit: int = FIRST_SENTENCE_CHARS) -> str:
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    return clip(sentence or text.strip(), limit)


def other_names(entry: Entry) -> str:
    """A term's English name and abbreviation, those its title does not already say."""
    return " · ".join(n for n in (entry.en, entry.abbr) if n and n != entry.title)


def definition(entry: Entry, lang: str) -> str:
    """A term's one-line definition: the English gloss for English readers, else the first
    Chinese sentence."""
    if lang == "en" and entry.gloss:
        return entry.gloss
    return first_sentence(entry.text)


def trend_summary(entry: Entry) -> str:
    """At most three of the section's own sentences, chosen when the knowledge was built."""
    return entry.summary or first_sentence(entry.text, SUMMARY_CHARS)


def digest_date(day: date) -> str:
    return m.DIGEST_DATE.format(
        year=day.year, month=day.month, day=day.day, weekday=m.WEEKDAYS[day.weekday()]
    )


def truncation_notice(lang: str) -> str:
    return m.TRUNCATED[lang].format(limit=MAX_QUERY_CHARS)


def has_advice(code: str) -> bool:
    """Whether a person can do something about this Slack error (bot/slack_errors.py)."""
    return slack_errors.has_advice(code)


def slack_error_advice(code: str, lang: str) -> str:
    """What to tell a person about a failed Slack API call with this error code: the advice
    of its remedy in bot/slack_errors.py's table, else the apology."""
    return slack_errors.advice(code, lang)
