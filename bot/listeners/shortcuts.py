"""Message shortcut 解释术语 / Explain AIGC terms: the glossary terms named in a message."""

from __future__ import annotations

import logging

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot import blocks as b
from bot import messages as m
from bot.listeners import Deps
from bot.listeners.common import Asker, ack_only, language_of, reply_privately
from bot.listeners.dedupe import shortcut_key

log = logging.getLogger(__name__)


def explain_terms(shortcut: dict, respond: Respond | None, client: WebClient, deps: Deps) -> None:
    """Ephemeral list of at most 10 terms in the message, most specific first, or "none found";
    as an ephemeral (or a DM) where Slack refuses the response_url."""
    text = shortcut.get("message", {}).get("text", "")
    lang = language_of(text)
    asker = Asker.of_action(shortcut, client)
    try:
        knowledge = deps.knowledge_for(asker.team)
        terms = knowledge.find_terms(text, limit=b.MAX_SHORTCUT_TERMS)
        teach = text if deps.store is not None else ""  # suggestions need the store
        blocks, fallback = b.shortcut_blocks(terms, lang, teach), m.SHORTCUT_TITLE[lang]
    except Exception:
        log.exception("explaining terms failed")
        blocks, fallback = b.notice_blocks(m.APOLOGY[lang]), m.APOLOGY[lang]
    if respond is not None:
        reply_privately(
            respond,
            asker,
            "shortcut",
            response_type="ephemeral",
            replace_original=False,
            blocks=blocks,
            text=fallback,
        )
    else:
        client.chat_postEphemeral(
            channel=asker.channel, user=asker.user, blocks=blocks, text=fallback
        )


def register(app: App, deps: Deps) -> None:
    def explain(body: dict, shortcut: dict, respond: Respond, client: WebClient) -> None:
        def work() -> bool:
            explain_terms(shortcut, respond, client, deps)
            return True  # an exception above: nothing was shown, a re-delivery may try again

        deps.dedupe.run_once(shortcut_key(body), work)

    app.shortcut(m.SHORTCUT_CALLBACK_ID)(ack=ack_only, lazy=[explain])
