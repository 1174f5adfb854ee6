"""/aigc: a question, or help, terms [keyword], toc, subscribe [HH:MM] [时区], unsubscribe,
subscriptions, digest [post], stats. Everything is ephemeral except the posted digest.

The answer goes in the ack response itself (no extra API call). The search runs with a time
budget so the ack always reaches Slack within its 3 seconds; a search that overruns is acked
with "looking it up" and answered through response_url when it finishes. `digest post` acks at
once and posts after the ack (a 429 may make Slack's client wait).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, date, datetime, timedelta

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import blocks as b
from bot import messages as m
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
from bot.listeners import Deps
from bot.listeners.common import conversation_of_command, language_of, record_question
from bot.store import Store, Subscription
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
    try:
        if not text or (word in HELP_WORDS and not rest):
            help_blocks = b.help_blocks(deps.query_log_days)
            ack(response_type="ephemeral", blocks=help_blocks, text=m.HELP_TITLE)
        elif word in TERMS_WORDS:
            found = filter_terms(deps.knowledge.terms(), rest)
            page = b.terms_page_blocks(found, keyword=rest, page=0)
            ack(response_type="ephemeral", blocks=page, text=m.TERMS_TITLE)
        elif word in TOC_WORDS and not rest:
            toc = b.toc_blocks(deps.knowledge.articles, deps.knowledge.get)
            ack(response_type="ephemeral", blocks=toc, text=m.TOC_TITLE)
        elif word in SUBSCRIBE_WORDS:
            _with_store(ack, deps, lambda store: subscribe(ack, command, rest, store, deps))
        elif word in UNSUBSCRIBE_WORDS and not rest:
            _with_store(ack, deps, lambda store: unsubscribe(ack, command, store))
        elif word in SUBSCRIPTIONS_WORDS and not rest:
            _with_store(ack, deps, lambda store: list_subscriptions(ack, command, store))
        elif word in DIGEST_WORDS and not rest:
            preview_digest(ack, command, deps)
        elif word in DIGEST_WORDS and rest_word in POST_WORDS:
            _with_store(
                ack, deps, lambda store: post_digest_now(ack, command, respond, client, store, deps)
            )
        elif word in STATS_WORDS and not rest:
            _with_store(ack, deps, lambda store: show_stats(ack, command, store, deps))
        else:
            answer_query(ack, respond, text, command, deps)
    except Exception:
        known = HELP_WORDS | TERMS_WORDS | TOC_WORDS | SUBSCRIBE_WORDS | UNSUBSCRIBE_WORDS
        known |= SUBSCRIPTIONS_WORDS | DIGEST_WORDS | STATS_WORDS
        log.exception("/aigc %s failed", word if word in known else "<question>")
        ack(response_type="ephemeral", text=m.APOLOGY[language_of(text)])


def _with_store(ack: Ack, deps: Deps, work) -> None:
    if deps.store is None:
        ack(response_type="ephemeral", text=m.STORAGE_OFF)
    else:
        work(deps.store)


def answer_query(ack: Ack, respond: Respond, query: str, command: dict, deps: Deps) -> None:
    started = time.perf_counter()
    reply = deps.answers.cached(query, shareable=True)
    if reply is None:
        future = deps.search_executor.submit(deps.answers.answer, query, shareable=True)
        try:
            reply = future.result(timeout=deps.search_budget)
        except FutureTimeout:
            lang = language_of(query)
            ack(response_type="ephemeral", text=m.STILL_SEARCHING[lang])
            log.warning(
                "search overran its %.1fs budget (%d characters)", deps.search_budget, len(query)
            )
            future.add_done_callback(
                lambda done: _answer_late(done, respond, command, deps, lang, started)
            )
            return
    ack(response_type="ephemeral", blocks=reply.blocks, text=reply.text)
    _log_question(deps, reply, command, started)


def _log_question(deps: Deps, reply: Reply, command: dict, started: float) -> None:
    record_question(
        deps,
        reply.result,
        team_id=command.get("team_id"),
        user_id=command.get("user_id"),
        source="command",
        latency_ms=(time.perf_counter() - started) * 1000,
        conversation=conversation_of_command(command),
    )


def _answer_late(
    future, respond: Respond, command: dict, deps: Deps, lang: str, started: float
) -> None:
    try:
        reply: Reply = future.result()
        respond(
            response_type="ephemeral", replace_original=True, blocks=reply.blocks, text=reply.text
        )
        _log_question(deps, reply, command, started)
    except Exception:
        log.exception("late /aigc answer failed")
        respond(response_type="ephemeral", replace_original=True, text=m.APOLOGY[lang])


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


def subscribe(ack: Ack, command: dict, rest: str, store: Store, deps: Deps) -> None:
    team, channel = command.get("team_id", ""), command.get("channel_id", "")
    try:
        post_time, tz = parse_subscribe_args(rest)
    except InvalidSubscription as error:
        lang = language_of(command.get("text") or "")
        ack(response_type="ephemeral", text=_invalid_subscription(error, lang))
        return
    existed = store.subscription(team, channel) is not None
    sub = store.subscribe(
        team,
        channel,
        command.get("user_id", ""),
        post_time,
        tz,
        known_ids=all_pool_ids(deps.knowledge),
    )
    template = m.RESUBSCRIBED if existed else m.SUBSCRIBED
    text = template.format(
        channel=channel,
        time=sub.post_time,
        tz=sub.timezone,
        weekday=m.WEEKDAYS[sub.weekly_day],
    )
    ack(response_type="ephemeral", text=text)


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


def unsubscribe(ack: Ack, command: dict, store: Store) -> None:
    channel = command.get("channel_id", "")
    removed = store.unsubscribe(command.get("team_id", ""), channel)
    template = m.UNSUBSCRIBED if removed else m.NOT_SUBSCRIBED
    ack(response_type="ephemeral", text=template.format(channel=channel))


def list_subscriptions(ack: Ack, command: dict, store: Store) -> None:
    subscriptions = store.subscriptions(command.get("team_id", ""))
    blocks = b.subscriptions_blocks(subscriptions)
    ack(response_type="ephemeral", blocks=blocks, text=m.SUBSCRIPTIONS_TITLE)


def _channel_today(
    store: Store | None, team: str, channel: str
) -> tuple[date, Subscription | None]:
    """The channel's local date now: in its subscription's zone, else Asia/Shanghai."""
    if store is None:
        return local_today(datetime.now(UTC)), None
    sub = store.subscription(team, channel)
    return local_today(store.now(), sub.timezone if sub else DEFAULT_TIMEZONE), sub


def preview_digest(ack: Ack, command: dict, deps: Deps) -> None:
    team, channel = command.get("team_id", ""), command.get("channel_id", "")
    today, sub = _channel_today(deps.store, team, channel)
    digest = compose_digest(deps.store, deps.knowledge, team, channel, today, subscription=sub)
    blocks = b.digest_preview_blocks(digest.items, digest.blocks())
    ack(response_type="ephemeral", blocks=blocks, text=digest.text())


def post_digest_now(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient | None,
    store: Store,
    deps: Deps,
) -> None:
    """Today's digest, posted now: claimed and recorded exactly like a scheduled post, so it
    counts as the channel's digest for today."""
    if client is None:
        raise RuntimeError("no Web API client to post with")
    ack(response_type="ephemeral", text=m.DIGEST_POSTING)
    team, channel = command.get("team_id", ""), command.get("channel_id", "")

    def work() -> None:
        try:
            today, sub = _channel_today(store, team, channel)
            result = post_digest(
                store,
                deps.knowledge,
                client,
                team,
                channel,
                today,
                new_claimer(),
                subscription=sub,
                pause_on_channel_error=False,
            )
            text = _post_outcome(result, store, team, channel, today)
        except Exception:
            log.exception("/aigc digest post failed in %s", channel)
            text = m.APOLOGY["zh"]
        respond(response_type="ephemeral", replace_original=True, text=text)

    deps.background.submit(work)


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


def show_stats(ack: Ack, command: dict, store: Store, deps: Deps) -> None:
    """The week's entries asked about and the topics the knowledge lacks: from public channels
    only, whatever channel this is run in, and never a question's own words."""
    team = command.get("team_id", "")
    since = store.now() - timedelta(days=STATS_DAYS)
    blocks = b.stats_blocks(
        b.asked_entries(store.asked_entries(team, since, b.STATS_SHOWN), deps.knowledge.get),
        b.asked_topics(store.unanswered_topics(team, since, b.STATS_SHOWN)),
    )
    ack(response_type="ephemeral", blocks=blocks, text=m.STATS_TITLE)


def register(app: App, deps: Deps) -> None:
    def aigc_command(ack: Ack, command: dict, respond: Respond, client: WebClient) -> None:
        handle_aigc(ack, command, respond, deps, client)

    app.command(m.SLASH_COMMAND)(aigc_command)
