"""/aigc: a question, or help, terms [keyword], toc, subscribe [HH:MM] [时区], unsubscribe,
subscriptions, digest [post], stats. Everything is ephemeral except the posted digest.

The answer goes in the ack response itself (no extra API call). The search runs with a time
budget so the ack always reaches Slack within its 3 seconds; a search that overruns is acked
with "looking it up" and answered through response_url when it finishes.

The storage subcommands (subscribe, unsubscribe, subscriptions, digest, digest post, stats) run
their work on `Deps.background` with `Deps.storage_budget`: the result goes in the ack when it
is ready in time. A database that another program holds locked, or a slow Slack (a 429 makes
the client wait), would keep the ack past Slack's 3 seconds; then the ack goes out empty and the
result follows through response_url as the one message (Slack does not replace a slash
command's ack with `replace_original`, so a "working on it" ack would stay as a second message).
`subscribe` first asks Slack (`conversations.info`) whether the bot can post there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks as b
from bot import messages as m
from bot import teach_blocks as tb
from bot import wording
from bot.answers import Reply
from bot.digest import (
    DEFAULT_POST_TIME,
    DEFAULT_TIMEZONE,
    InvalidSubscription,
    PostResult,
    all_pool_ids,
    compose_digest,
    local_today,
    new_claimer,
    post_digest,
    validate_post_time,
    validate_timezone,
)
from bot.listeners import Deps, teach
from bot.listeners.common import (
    NOBODY,
    Asker,
    conversation_of_command,
    language_of,
    record_question,
    reply_privately,
)
from bot.store import Store, Subscription
from bot.workspace import Workspace
from knowledge import Entry
from knowledge.text import fold

log = logging.getLogger(__name__)

HELP_WORDS = {"help", "帮助", "?", "？"}
TERMS_WORDS = {"terms", "term", "术语", "术语表", "glossary"}
TOC_WORDS = {"toc", "目录", "contents"}
SUBSCRIBE_WORDS = {"subscribe", "订阅"}
UNSUBSCRIBE_WORDS = {"unsubscribe", "退订", "取消订阅"}
SUBSCRIPTIONS_WORDS = {"subscriptions", "订阅列表"}
DIGEST_WORDS = {"digest", "日报"}
POST_WORDS = {"post", "发布", "发送"}
STATS_WORDS = {"stats", "统计"}
STATS_DAYS = 7

# What a storage subcommand says: the keyword arguments of ack() and respond() (text, blocks).
Message = dict[str, Any]


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


def handle_aigc(
    ack: Ack, command: dict, respond: Respond, deps: Deps, client: WebClient | None = None
) -> None:
    text = (command.get("text") or "").strip()
    word, rest = (*text.split(maxsplit=1), "", "")[:2]
    word = word.lower()
    rest_word = rest.strip().lower()
    lang = language_of(text)

    def from_store(what: str, work: Callable[[Store], Message]) -> None:
        asker = Asker.of_command(command, client)
        _answer_from_store(ack, respond, deps, what, work, lang, asker)

    knowledge = deps.knowledge_for(command.get("team_id"))
    try:
        if not text or (word in HELP_WORDS and not rest):
            help_blocks = b.help_blocks(deps.query_log_days)
            ack(response_type="ephemeral", blocks=help_blocks, text=m.HELP_TITLE)
        elif word in TERMS_WORDS:
            found = filter_terms(knowledge.terms(), rest)
            page = b.terms_page_blocks(found, keyword=rest, page=0)
            ack(response_type="ephemeral", blocks=page, text=m.TERMS_TITLE)
        elif word in TOC_WORDS and not rest:
            toc = b.toc_blocks(knowledge.articles, knowledge.get)
            ack(response_type="ephemeral", blocks=toc, text=m.TOC_TITLE)
        elif word in SUBSCRIBE_WORDS:
            try:
                post_time, tz = parse_subscribe_args(rest)
            except InvalidSubscription as error:  # said at once: no database needed
                ack(response_type="ephemeral", text=_invalid_subscription(error, lang))
            else:
                from_store(
                    "subscribe",
                    lambda store: subscribe(command, post_time, tz, store, deps, client),
                )
        elif word in UNSUBSCRIBE_WORDS and not rest:
            from_store("unsubscribe", lambda store: unsubscribe(command, store))
        elif word in SUBSCRIPTIONS_WORDS and not rest:
            from_store("subscriptions", lambda store: list_subscriptions(command, store))
        elif word in DIGEST_WORDS and not rest:
            if deps.store is None:  # the preview needs no database: the rotation from day one
                ack(response_type="ephemeral", **preview_digest(command, None, deps))
            else:
                from_store("digest", lambda store: preview_digest(command, store, deps))
        elif word in DIGEST_WORDS and rest_word in POST_WORDS:
            from_store("digest post", lambda store: post_digest_now(command, client, store, deps))
        elif word in STATS_WORDS and not rest:
            from_store("stats", lambda store: show_stats(command, store, deps))
        elif word in teach.TEACH_WORDS:
            teach.teach_command(ack, command, rest, deps, client)
        else:
            answer_query(ack, respond, text, command, deps, client)
    except Exception:
        known = HELP_WORDS | TERMS_WORDS | TOC_WORDS | SUBSCRIBE_WORDS | UNSUBSCRIBE_WORDS
        known |= SUBSCRIPTIONS_WORDS | DIGEST_WORDS | STATS_WORDS | teach.TEACH_WORDS
        log.exception("/aigc %s failed", word if word in known else "<question>")
        ack(response_type="ephemeral", text=m.APOLOGY[lang])


def _answer_from_store(
    ack: Ack,
    respond: Respond,
    deps: Deps,
    what: str,
    work: Callable[[Store], Message],
    lang: str,
    asker: Asker = NOBODY,
) -> None:
    """Run `work` on the store on the background executor and wait for it at most the budget:
    its message in the ack when it is done in time, else an empty ack now and the message
    privately when it is done (response_url, else an ephemeral, else a DM: reply_privately).
    An error within the budget reaches handle_aigc's apology."""
    if deps.store is None:
        ack(response_type="ephemeral", text=m.STORAGE_OFF)
        return
    future = deps.background.submit(work, deps.store)
    try:
        message = future.result(timeout=deps.storage_budget)
    except FutureTimeout:
        ack()  # nothing on screen yet: the late result is the one message the asker sees
        log.warning(
            "/aigc %s overran its %.1fs budget; answering through response_url",
            what,
            deps.storage_budget,
        )
        future.add_done_callback(
            lambda done: _answer_from_store_late(done, respond, what, lang, asker)
        )
        return
    ack(response_type="ephemeral", **message)


def _answer_from_store_late(
    done: Future[Message], respond: Respond, what: str, lang: str, asker: Asker
) -> None:
    try:
        message = done.result()
    except Exception:
        log.exception("/aigc %s failed", what)
        message = {"text": m.APOLOGY[lang]}
    reply_privately(respond, asker, f"late /aigc {what}", response_type="ephemeral", **message)


def answer_query(
    ack: Ack,
    respond: Respond,
    query: str,
    command: dict,
    deps: Deps,
    client: WebClient | None = None,
) -> None:
    """The answer in the ack when the search finishes within its budget. Otherwise an empty ack
    (nothing shows) and the answer once, through response_url, when it is ready: Slack cannot
    replace a slash command's acknowledgement through its response_url, so a "looking it up"
    ack would stay on screen beside the answer."""
    started = time.perf_counter()
    knowledge = deps.knowledge_for(command.get("team_id"))
    reply = deps.answers.cached(query, shareable=True, knowledge=knowledge)
    if reply is None:
        future = deps.search_executor.submit(
            deps.answers.answer, query, shareable=True, knowledge=knowledge
        )
        try:
            reply = future.result(timeout=deps.search_budget)
        except FutureTimeout:
            ack()
            log.warning(
                "search overran its %.1fs budget (%d characters)", deps.search_budget, len(query)
            )
            lang = language_of(query)
            asker = Asker.of_command(command, client)
            future.add_done_callback(
                lambda done: _answer_late(done, respond, command, deps, lang, started, asker)
            )
            return
    ack(response_type="ephemeral", blocks=reply.blocks, text=reply.text)
    _log_question(deps, reply, command, started)


def _log_question(deps: Deps, reply: Reply, command: dict, started: float) -> None:
    record_question(
        deps,
        reply.result,
        team_id=command.get("team_id"),
        enterprise_id=command.get("enterprise_id"),
        user_id=command.get("user_id"),
        source="command",
        latency_ms=(time.perf_counter() - started) * 1000,
        conversation=conversation_of_command(command),
    )


def _answer_late(
    future,
    respond: Respond,
    command: dict,
    deps: Deps,
    lang: str,
    started: float,
    asker: Asker = NOBODY,
) -> None:
    """The overrun search's answer (or the apology), the one message the asker sees: through
    response_url, else as an ephemeral, else in their DM with the app."""
    try:
        reply: Reply = future.result()
    except Exception:
        log.exception("late /aigc answer failed")
        reply_privately(
            respond, asker, "late /aigc apology", response_type="ephemeral", text=m.APOLOGY[lang]
        )
        return
    reply_privately(
        respond,
        asker,
        "late /aigc answer",
        response_type="ephemeral",
        blocks=reply.blocks,
        text=reply.text,
    )
    _log_question(deps, reply, command, started)


# --- the daily digest ------------------------------------------------------------------------------


def parse_subscribe_args(rest: str) -> tuple[str, str]:
    """ "[HH:MM] [时区]" in either order -> (post time, zone), defaults 09:30 Asia/Shanghai.
    Raises InvalidSubscription (validated again, and canonicalised, by the store): field
    "post_time" or "timezone" for a bad value, "two_post_times" / "two_timezones" with the two
    values typed, "usage" for more than two arguments."""
    words = rest.split()
    if len(words) > 2:
        raise InvalidSubscription("usage", rest, "too many arguments")
    times = [word for word in words if word[:1].isdigit()]
    zones = [word for word in words if not word[:1].isdigit()]
    if len(times) == 2:
        raise InvalidSubscription("two_post_times", tuple(times), "two times of day")
    if len(zones) == 2:
        raise InvalidSubscription("two_timezones", tuple(zones), "two time zones")
    post_time = validate_post_time(times[0]) if times else DEFAULT_POST_TIME
    tz = validate_timezone(zones[0]) if zones else DEFAULT_TIMEZONE
    return post_time, tz


def subscribe(
    command: dict,
    post_time: str,
    tz: str,
    store: Store,
    deps: Deps,
    client: WebClient | None,
) -> Message:
    """Subscribe the channel, unless Slack says the bot cannot post there: then what to do."""
    team, channel = command.get("team_id", ""), command.get("channel_id", "")
    lang = language_of(command.get("text") or "")
    check = check_posting(client, command)
    if check.refusal is not None:
        return {"text": m.CANNOT_POST[check.refusal][lang]}
    existed = store.subscription(team, channel) is not None
    workspace = Workspace.of_command(command)
    sub = store.subscribe(
        team,
        channel,
        command.get("user_id", ""),
        post_time,
        tz,
        known_ids=all_pool_ids(deps.knowledge_for(team)),
        enterprise_id=workspace.enterprise_id,  # Enterprise Grid: which installation posts
        enterprise_install=workspace.is_enterprise_install,
    )
    template = m.RESUBSCRIBED if existed else m.SUBSCRIBED
    text = template.format(
        channel=channel,
        time=sub.post_time,
        tz=sub.timezone,
        weekday=m.WEEKDAYS[sub.weekly_day],
    )
    if check.unchecked is not None:
        text += "\n" + check.unchecked[lang].format(scope=check.needed or "channels:read")
    return {"text": text}


@dataclass(frozen=True)
class PostingCheck:
    """What Slack said about posting where /aigc was typed: `refusal` (a key of
    m.CANNOT_POST) when the bot cannot post there; `unchecked` (a note, with the scope Slack
    said was `needed`) when Slack could not be asked."""

    refusal: str | None = None
    unchecked: dict[str, str] | None = None
    needed: str | None = None


# Conversation types (conversation_of_command) -> why the bot cannot see it when Slack answers
# channel_not_found: a DM between other people, a group DM or a private channel without it.
_UNSEEN = {"im": "dm", "mpim": "group_dm"}


def check_posting(client: WebClient | None, command: dict) -> PostingCheck:
    """Ask Slack (conversations.info) whether the bot can post in the command's conversation."""
    if client is None:
        return PostingCheck(unchecked=m.POSTING_UNCHECKED)
    try:
        response = client.conversations_info(channel=command.get("channel_id", ""))
    except SlackApiError as error:
        answer = error.response if error.response is not None else {}
        code = answer.get("error", "")
        if code == "channel_not_found":
            return PostingCheck(_UNSEEN.get(conversation_of_command(command), "private"))
        log.warning("could not check where /aigc subscribe can post: %s", code)
        if code == "missing_scope":
            return PostingCheck(unchecked=m.POSTING_MISSING_SCOPE, needed=answer.get("needed"))
        return PostingCheck(unchecked=m.POSTING_UNCHECKED)
    except Exception:  # Slack unreachable: the subscription is still worth keeping
        log.exception("could not check where /aigc subscribe can post")
        return PostingCheck(unchecked=m.POSTING_UNCHECKED)
    granted = _header(response.headers, "x-oauth-scopes")
    scopes = None if granted is None else {s.strip() for s in granted.split(",")}
    return PostingCheck(why_the_bot_cannot_post(response.get("channel") or {}, scopes))


def why_the_bot_cannot_post(channel: dict, scopes: set[str] | None) -> str | None:
    """From conversations.info's conversation object and the token's scopes (None: not told,
    take the manifest's): None when the bot can post there, else why not (m.CANNOT_POST).
    The bot can post in its own DM, in conversations it is a member of, and in public channels
    without joining them with chat:write.public."""
    if channel.get("is_archived"):
        return "archived"
    if channel.get("is_frozen") or channel.get("is_read_only"):
        return "read_only"
    if channel.get("is_im"):
        return None
    member = channel.get("is_member")
    if channel.get("is_mpim"):
        return "group_dm" if member is False else None
    if channel.get("is_private") or channel.get("is_group"):
        return "private" if member is False else None
    if member is False and scopes is not None and "chat:write.public" not in scopes:
        return "public"
    return None


def _header(headers: Any, name: str) -> str | None:
    for key, value in dict(headers or {}).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return None


def _invalid_subscription(error: InvalidSubscription, lang: str) -> str:
    def shown(value: object) -> str:
        return b.escape(b.clip(str(value), 60))

    if error.field == "post_time":
        return m.BAD_POST_TIME[lang].format(value=shown(error.value))
    if error.field == "timezone":
        return m.BAD_TIMEZONE[lang].format(value=shown(error.value))
    if error.field in ("two_post_times", "two_timezones"):
        first, second = error.value  # type: ignore[misc]
        template = m.TWO_POST_TIMES if error.field == "two_post_times" else m.TWO_TIMEZONES
        return template[lang].format(first=shown(first), second=shown(second))
    return m.TOO_MANY_ARGUMENTS[lang]


def unsubscribe(command: dict, store: Store) -> Message:
    channel = command.get("channel_id", "")
    removed = store.unsubscribe(command.get("team_id", ""), channel)
    template = m.UNSUBSCRIBED if removed else m.NOT_SUBSCRIBED
    return {"text": template.format(channel=channel)}


def list_subscriptions(command: dict, store: Store) -> Message:
    subscriptions = store.subscriptions(command.get("team_id", ""))
    return {"blocks": b.subscriptions_blocks(subscriptions), "text": m.SUBSCRIPTIONS_TITLE}


def _channel_today(
    store: Store | None, team: str, channel: str
) -> tuple[date, Subscription | None]:
    """The channel's local date now: in its subscription's zone, else Asia/Shanghai."""
    if store is None:
        return local_today(datetime.now(UTC)), None
    sub = store.subscription(team, channel)
    return local_today(store.now(), sub.timezone if sub else DEFAULT_TIMEZONE), sub


def preview_digest(command: dict, store: Store | None, deps: Deps) -> Message:
    team, channel = command.get("team_id", ""), command.get("channel_id", "")
    today, sub = _channel_today(store, team, channel)
    knowledge = deps.knowledge_for(team)
    digest = compose_digest(store, knowledge, team, channel, today, subscription=sub)
    return {"blocks": b.digest_preview_blocks(digest.items, digest.blocks()), "text": digest.text()}


def post_digest_now(command: dict, client: WebClient | None, store: Store, deps: Deps) -> Message:
    """Today's digest, posted now: claimed and recorded exactly like a scheduled post, so it
    counts as the channel's digest for today."""
    if client is None:
        raise RuntimeError("no Web API client to post with")
    team, channel = command.get("team_id", ""), command.get("channel_id", "")
    today, sub = _channel_today(store, team, channel)
    result = post_digest(
        store,
        deps.knowledge_for(team),
        client,
        team,
        channel,
        today,
        new_claimer(),
        subscription=sub,
        pause_on_channel_error=False,
    )
    return {"text": _post_outcome(result, store, team, channel, today)}


def _post_outcome(result: PostResult, store: Store, team: str, channel: str, today: date) -> str:
    if result.outcome == "posted":
        return m.DIGEST_POSTED
    if result.outcome == "taken":
        row = store.digest_post(team, channel, today)
        if row is not None and row.status == "posted":
            return m.DIGEST_ALREADY_POSTED.format(date=wording.digest_date(today))
        return m.DIGEST_IN_PROGRESS
    if wording.has_advice(result.error or ""):
        return wording.slack_error_advice(result.error or "", "zh")
    return m.DIGEST_POST_FAILED


def show_stats(command: dict, store: Store, deps: Deps) -> Message:
    """The week's entries asked about and the topics the knowledge lacks: from public channels
    only, whatever channel this is run in, and never a question's own words."""
    team = command.get("team_id", "")
    since = store.now() - timedelta(days=STATS_DAYS)
    lookup = deps.knowledge_for(team).get
    blocks = b.stats_blocks(
        b.asked_entries(store.asked_entries(team, since, b.STATS_SHOWN), lookup),
        b.asked_topics(store.unanswered_topics(team, since, b.STATS_SHOWN)),
        # 👍/👎 per entry, counts only: nobody's vote or words.
        votes=tb.vote_lines(store.vote_counts(team, since), lookup, b.STATS_SHOWN),
    )
    return {"blocks": blocks, "text": m.STATS_TITLE}


def register(app: App, deps: Deps) -> None:
    def aigc_command(ack: Ack, command: dict, respond: Respond, client: WebClient) -> None:
        handle_aigc(ack, command, respond, deps, client)

    app.command(m.SLASH_COMMAND)(aigc_command)
