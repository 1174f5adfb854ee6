"""Buttons: share an answer in the channel, pick a "did you mean" alternative, turn glossary pages,
and the digest's 阅读全文 / 查看术语.

Each acks at once; the work (Slack API calls, response_url posts) runs lazily afterwards.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks as b
from bot import messages as m
from bot.listeners import Deps
from bot.listeners.commands import filter_terms
from bot.listeners.common import ack_only, slack_error_advice
from bot.listeners.dedupe import button_key

log = logging.getLogger(__name__)


def _language(value: dict) -> str:
    return "en" if value.get("l") == "en" else "zh"


def share_answer(body: dict, action: dict, respond: Respond, client: WebClient, deps: Deps) -> bool:
    """Post a public copy saying who asked, then delete the asker's ephemeral answer. False
    when nothing was posted (the person was told why), so pressing again may post."""
    value = b.decode_value(action.get("value", ""))
    lang = _language(value)
    entry = deps.knowledge.get(str(value.get("id", "")))
    if entry is None:
        respond(response_type="ephemeral", replace_original=False, text=m.ENTRY_GONE[lang])
        return True
    user = body["user"]["id"]
    blocks = b.shared_answer_blocks(
        entry, lang, deps.knowledge.get, user=user, query=str(value.get("q", ""))
    )
    try:
        client.chat_postMessage(channel=body["channel"]["id"], blocks=blocks, text=entry.title)
    except SlackApiError as error:
        log.warning("share failed: %s", error.response.get("error"))
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=slack_error_advice(error, lang),
        )
        return False
    try:
        respond(delete_original=True)
    except Exception:  # it is shared all the same; the private copy just stays
        log.exception("could not delete the shared answer's ephemeral")
    return True


def show_alternative(action: dict, respond: Respond, deps: Deps) -> None:
    """Replace the answer in place with the alternative the user picked."""
    value = b.decode_value(action.get("value", ""))
    lang = _language(value)
    entry = deps.knowledge.get(str(value.get("id", "")))
    if entry is None:
        respond(response_type="ephemeral", replace_original=False, text=m.ENTRY_GONE[lang])
        return
    blocks = b.entry_blocks(
        entry,
        lang,
        deps.knowledge.get,
        query=str(value.get("q", "")),
        shareable=bool(value.get("s")),
    )
    respond(replace_original=True, blocks=blocks, text=entry.title)


def open_digest_entry(action: dict, respond: Respond, deps: Deps) -> None:
    """The digest's trend section or term, whole, as an ephemeral answer to whoever clicked; the
    digest itself stays as it is for everyone else."""
    value = b.decode_value(action.get("value", ""))
    entry = deps.knowledge.get(str(value.get("id", "")))
    if entry is None:
        respond(response_type="ephemeral", replace_original=False, text=m.ENTRY_GONE["zh"])
        return
    blocks = b.entry_blocks(entry, "zh", deps.knowledge.get, query=entry.title, shareable=True)
    respond(response_type="ephemeral", replace_original=False, blocks=blocks, text=entry.title)


def turn_terms_page(action: dict, respond: Respond, deps: Deps) -> None:
    value = b.decode_value(action.get("value", ""))
    keyword = b.unescape(str(value.get("k", "")))  # carried escaped: no live markup in a payload
    page = value.get("p", 0)
    page = page if isinstance(page, int) else 0
    terms = filter_terms(deps.knowledge.terms(), keyword)
    blocks = b.terms_page_blocks(terms, keyword=keyword, page=page)
    respond(replace_original=True, blocks=blocks, text=m.TERMS_TITLE)


def _apologize(respond: Respond, value: str) -> None:
    try:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=m.APOLOGY[_language(b.decode_value(value))],
        )
    except Exception:
        log.exception("could not send the apology either")


def _apologizing(what: str, respond: Respond, action: dict, work: Callable[[], object]) -> None:
    """Run a button's work; if it fails, log it and tell the presser, never stay silent."""
    try:
        work()
    except Exception:
        log.exception("%s button failed", what)
        _apologize(respond, action.get("value", ""))


def register(app: App, deps: Deps) -> None:
    def share(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        # Pressed twice before the first press was handled: the second is dropped.
        key = button_key(body, action)
        _apologizing(
            "share",
            respond,
            action,
            lambda: deps.dedupe.run_once(
                key, lambda: share_answer(body, action, respond, client, deps)
            ),
        )

    def alternative(action: dict, respond: Respond) -> None:
        _apologizing(
            "alternative", respond, action, lambda: show_alternative(action, respond, deps)
        )

    def terms_page(action: dict, respond: Respond) -> None:
        _apologizing(
            "glossary page", respond, action, lambda: turn_terms_page(action, respond, deps)
        )

    def digest_entry(action: dict, respond: Respond) -> None:
        _apologizing("digest", respond, action, lambda: open_digest_entry(action, respond, deps))

    app.action(b.SHARE_ACTION)(ack=ack_only, lazy=[share])
    app.action(re.compile(rf"^({b.DIGEST_READ_ACTION}|{b.DIGEST_TERM_ACTION})$"))(
        ack=ack_only, lazy=[digest_entry]
    )
    app.action(re.compile(rf"^{b.ALTERNATIVE_ACTION}_\d$"))(ack=ack_only, lazy=[alternative])
    app.action(re.compile(rf"^{b.TERMS_PAGE_ACTION}_(prev|next)$"))(ack=ack_only, lazy=[terms_page])
