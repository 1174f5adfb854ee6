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
from bot import wording
from bot.listeners import Deps
from bot.listeners.commands import filter_terms
from bot.listeners.common import (
    NOBODY,
    Asker,
    Sent,
    ack_only,
    reply_privately,
    respond_checked,
    send_through_response_url,
)
from bot.listeners.dedupe import button_key
from bot.slack_errors import error_code

log = logging.getLogger(__name__)


def _language(value: dict) -> str:
    return "en" if value.get("l") == "en" else "zh"


def share_answer(body: dict, action: dict, respond: Respond, client: WebClient, deps: Deps) -> bool:
    """Post a public copy saying who asked, then delete the asker's ephemeral answer. False
    when nothing was posted (the person was told why), so pressing again may post."""
    value = b.decode_value(action.get("value", ""))
    lang = _language(value)
    asker = Asker.of_action(body, client)
    knowledge = deps.knowledge_for(asker.team)
    entry = knowledge.get(str(value.get("id", "")))
    if entry is None:
        reply_privately(
            respond,
            asker,
            "share",
            response_type="ephemeral",
            replace_original=False,
            text=m.ENTRY_GONE[lang],
        )
        return True
    blocks = b.shared_answer_blocks(
        entry, lang, knowledge.get, user=asker.user, query=str(value.get("q", ""))
    )
    # The press's response_url posts in the conversation the button was pressed in whatever
    # the bot's membership: a DM between two people, a group DM, a private channel without the
    # bot. chat.postMessage needs the bot in the conversation (or chat:write.public in a public
    # channel), so it only takes over when Slack refuses the URL (used 5 times, past 30 minutes).
    sent = send_through_response_url(
        respond,
        "share",
        response_type="in_channel",
        replace_original=False,
        blocks=blocks,
        text=entry.title,
    )
    if sent is Sent.UNKNOWN:  # it may be in the channel: posting again could show it twice
        return True
    if sent is Sent.REFUSED:
        try:
            client.chat_postMessage(channel=asker.channel, blocks=blocks, text=entry.title)
        except SlackApiError as error:
            code = error_code(error)
            log.warning("share failed: response_url refused, chat.postMessage %s", code)
            reply_privately(
                respond,
                asker,
                "share advice",
                response_type="ephemeral",
                replace_original=False,
                text=_share_advice(code, lang),
            )
            return False
    # Shared: the private copy goes (it stays if Slack refuses; the share happened all the same).
    respond_checked(respond, "share: deleting the private answer", delete_original=True)
    return True


def _share_advice(code: str, lang: str) -> str:
    """Why a share could not be posted. channel_not_found is a DM or a private conversation
    nobody can /invite the bot into here: the way out is a fresh answer (a fresh response_url)."""
    if code != "channel_not_found" and wording.has_advice(code):
        return wording.slack_error_advice(code, lang)
    return m.SHARE_FAILED[lang]


def show_alternative(action: dict, respond: Respond, deps: Deps, asker: Asker = NOBODY) -> None:
    """Replace the answer in place with the alternative the user picked."""
    value = b.decode_value(action.get("value", ""))
    lang = _language(value)
    knowledge = deps.knowledge_for(asker.team)
    entry = knowledge.get(str(value.get("id", "")))
    if entry is None:
        reply_privately(
            respond,
            asker,
            "alternative",
            response_type="ephemeral",
            replace_original=False,
            text=m.ENTRY_GONE[lang],
        )
        return
    blocks = b.entry_blocks(
        entry,
        lang,
        knowledge.get,
        query=str(value.get("q", "")),
        shareable=bool(value.get("s")),
    )
    reply_privately(
        respond, asker, "alternative", replace_original=True, blocks=blocks, text=entry.title
    )


def open_digest_entry(action: dict, respond: Respond, deps: Deps, asker: Asker = NOBODY) -> None:
    """The digest's trend section or term, whole, as an ephemeral answer to whoever clicked; the
    digest itself stays as it is for everyone else."""
    value = b.decode_value(action.get("value", ""))
    knowledge = deps.knowledge_for(asker.team)
    entry = knowledge.get(str(value.get("id", "")))
    if entry is None:
        reply_privately(
            respond,
            asker,
            "digest",
            response_type="ephemeral",
            replace_original=False,
            text=m.ENTRY_GONE["zh"],
        )
        return
    blocks = b.entry_blocks(entry, "zh", knowledge.get, query=entry.title, shareable=True)
    reply_privately(
        respond,
        asker,
        "digest",
        response_type="ephemeral",
        replace_original=False,
        blocks=blocks,
        text=entry.title,
    )


def turn_terms_page(action: dict, respond: Respond, deps: Deps, asker: Asker = NOBODY) -> None:
    value = b.decode_value(action.get("value", ""))
    keyword = b.unescape(str(value.get("k", "")))  # carried escaped: no live markup in a payload
    page = value.get("p", 0)
    page = page if isinstance(page, int) else 0
    terms = filter_terms(deps.knowledge_for(asker.team).terms(), keyword)
    blocks = b.terms_page_blocks(terms, keyword=keyword, page=page)
    reply_privately(
        respond, asker, "glossary page", replace_original=True, blocks=blocks, text=m.TERMS_TITLE
    )


def _apologizing(
    what: str, respond: Respond, asker: Asker, action: dict, work: Callable[[], object]
) -> None:
    """Run a button's work; if it fails, log it and tell the presser, never stay silent."""
    try:
        work()
    except Exception:
        log.exception("%s button failed", what)
        try:
            reply_privately(
                respond,
                asker,
                f"{what} apology",
                response_type="ephemeral",
                replace_original=False,
                text=m.APOLOGY[_language(b.decode_value(action.get("value", "")))],
            )
        except Exception:
            log.exception("could not send the apology either")


def register(app: App, deps: Deps) -> None:
    def share(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        # Pressed twice before the first press was handled: the second is dropped.
        key = button_key(body, action)
        _apologizing(
            "share",
            respond,
            Asker.of_action(body, client),
            action,
            lambda: deps.dedupe.run_once(
                key, lambda: share_answer(body, action, respond, client, deps)
            ),
        )

    def button(what: str, work: Callable[[dict, Respond, Deps, Asker], None]) -> Callable:
        """A lazy listener that runs `work` for the presser, apologizing if it fails."""

        def pressed(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
            asker = Asker.of_action(body, client)
            _apologizing(what, respond, asker, action, lambda: work(action, respond, deps, asker))

        pressed.__name__ = f"{what.replace(' ', '_')}_pressed"  # Bolt names lazy work by it
        return pressed

    alternative = button("alternative", show_alternative)
    terms_page = button("glossary page", turn_terms_page)
    digest_entry = button("digest", open_digest_entry)

    app.action(b.SHARE_ACTION)(ack=ack_only, lazy=[share])
    app.action(re.compile(rf"^({b.DIGEST_READ_ACTION}|{b.DIGEST_TERM_ACTION})$"))(
        ack=ack_only, lazy=[digest_entry]
    )
    app.action(re.compile(rf"^{b.ALTERNATIVE_ACTION}_\d$"))(ack=ack_only, lazy=[alternative])
    app.action(re.compile(rf"^{b.TERMS_PAGE_ACTION}_(prev|next)$"))(ack=ack_only, lazy=[terms_page])
