"""/aigc: a question, or help, terms [keyword], toc. Everything is ephemeral.

The answer goes in the ack response itself (no extra API call). The search runs with a time
budget so the ack always reaches Slack within its 3 seconds; a search that overruns is acked
with "looking it up" and answered through response_url when it finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt import Ack, App, Respond

from bot import blocks as b
from bot import messages as m
from bot.answers import Reply
from bot.listeners import Deps
from bot.listeners.common import language_of, record_miss
from knowledge import Entry
from knowledge.text import fold

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "帮助", "?", "？"}
TERMS_WORDS = {"terms", "term", "术语", "术语表", "glossary"}
TOC_WORDS = {"toc", "目录", "contents"}


def filter_terms(terms: Sequence[Entry], keyword: str) -> list[Entry]:
    """Terms whose names, theme or text contain the keyword (case, width and script folded);
    terms named by it first."""
    key = fold(keyword)
    if not key:
        return list(terms)
    named, mentioned = [], []
    for t in terms:
        if key in fold(" ".join((t.title, t.zh, t.en, t.abbr, *t.aliases))):
            named.append(t)
        elif key in fold(" ".join((t.theme, t.gloss, t.text))):
            mentioned.append(t)
    return named + mentioned


def handle_aigc(ack: Ack, command: dict, respond: Respond, deps: Deps) -> None:
    text = (command.get("text") or "").strip()
    word, rest = (*text.split(maxsplit=1), "", "")[:2]
    word = word.lower()
    try:
        if not text or (word in HELP_WORDS and not rest):
            ack(response_type="ephemeral", blocks=b.help_blocks(), text=m.HELP_TITLE)
        elif word in TERMS_WORDS:
            found = filter_terms(deps.knowledge.terms(), rest)
            page = b.terms_page_blocks(found, keyword=rest, page=0)
            ack(response_type="ephemeral", blocks=page, text=m.TERMS_TITLE)
        elif word in TOC_WORDS and not rest:
            toc = b.toc_blocks(deps.knowledge.articles, deps.knowledge.get)
            ack(response_type="ephemeral", blocks=toc, text=m.TOC_TITLE)
        else:
            answer_query(ack, respond, text, command.get("team_id"), deps)
    except Exception:
        log.exception("/aigc failed for %r", text)
        ack(response_type="ephemeral", text=m.APOLOGY[language_of(text)])


def answer_query(ack: Ack, respond: Respond, query: str, team_id: str | None, deps: Deps) -> None:
    reply = deps.answers.cached(query, shareable=True)
    if reply is None:
        future = deps.search_executor.submit(deps.answers.answer, query, shareable=True)
        try:
            reply = future.result(timeout=deps.search_budget)
        except FutureTimeout:
            lang = language_of(query)
            ack(response_type="ephemeral", text=m.STILL_SEARCHING[lang])
            log.warning("search overran its %.1fs budget for %r", deps.search_budget, query)
            future.add_done_callback(lambda done: _answer_late(done, respond, team_id, deps, lang))
            return
    ack(response_type="ephemeral", blocks=reply.blocks, text=reply.text)
    record_miss(deps, team_id, reply.result)


def _answer_late(future, respond: Respond, team_id: str | None, deps: Deps, lang: str) -> None:
    try:
        reply: Reply = future.result()
        respond(
            response_type="ephemeral", replace_original=True, blocks=reply.blocks, text=reply.text
        )
        record_miss(deps, team_id, reply.result)
    except Exception:
        log.exception("late /aigc answer failed")
        respond(response_type="ephemeral", replace_original=True, text=m.APOLOGY[lang])


def register(app: App, deps: Deps) -> None:
    def aigc_command(ack: Ack, command: dict, respond: Respond) -> None:
        handle_aigc(ack, command, respond, deps)

    app.command(m.SLASH_COMMAND)(aigc_command)
