"""Composing and posting the daily digest, exactly once per channel per local date.

The choice of items is pure (`rotation.choose_digest`); this module is the imperative shell
around it: read the channel's history from the store, claim the (team, channel, local date) row,
post, record the message ts. The database claim is what makes it exactly-once, whoever runs
it: the in-process scheduler of every web worker, `python -m bot clock`, `digest --run-due`
from cron, or `/aigc digest post`.

Slack errors, as bot/slack_errors.py's table classifies them:
- permanent (the bot was removed from the channel, a read-only channel, admin restrictions, a
  revoked token, a missing scope, a message Slack refuses...): the subscription is paused, the
  claim marked failed (not retried), and the person who subscribed gets a DM, in Chinese and
  English, saying why and what to do;
- 429: slack_sdk's RateLimitErrorRetryHandler on the client waits Retry-After and retries;
  a 429 that outlasts it is transient like the rest;
- transient (rate limits, 5xx, network errors, anything unknown): the attempt is counted and the
  digest waits `retry_delay(attempts)` (1, 2, 4 ... minutes, at most 2 hours) before the next;
  after `MAX_ATTEMPTS_PER_DAY` attempts it is given up for the day, logged, and the subscriber
  is told once (not again on the following days of a long outage).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import blocks as b
from bot import messages as m
from bot import slack_errors
from bot.digest.rotation import DigestItems, PastDigest, choose_digest
from bot.digest.schedule import DEFAULT_TIMEZONE, DEFAULT_WEEKLY_DAY, week_before
from bot.terminal import render_digest
from bot.workspace import Workspace
from knowledge import Knowledge

if TYPE_CHECKING:  # the store is passed in; bot.store itself imports the schedule rules
    from bot.store import Store, Subscription

log = logging.getLogger(__name__)

# Transient failures: the first retry after RETRY_FIRST, each next one after twice the wait,
# never more than RETRY_LONGEST; at most MAX_ATTEMPTS_PER_DAY attempts per channel and date
# (then 1+2+4+...+64 minutes and two 2-hour waits: the last try about 6 hours after the first).
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=2)
MAX_ATTEMPTS_PER_DAY = 10

# A workspace -> a Web API client with its bot token; None: the app is not installed there.
ClientForWorkspace = Callable[[Workspace], WebClient | None]
# posted; taken (another process has it, or it was posted); paused (a permanent error);
# released (`/aigc digest post` failed: the person is told); retry (a transient error, tried
# again later); gave_up (today's attempts are spent).
Outcome = Literal["posted", "taken", "paused", "released", "retry", "gave_up"]


def retry_delay(attempts: int) -> timedelta:
    """How long a digest waits after its `attempts`-th failed attempt: 1, 2, 4 ... minutes,
    at most RETRY_LONGEST."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def new_claimer() -> str:
    """Who holds a claim: unique per process and per attempt (host:pid:random)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True)
class Digest:
    """What a channel gets on a date, with the week's questions when it is the weekly day."""

    items: DigestItems
    asked: tuple[b.Asked, ...] = ()  # entries asked about, public channels only
    gaps: tuple[b.Asked, ...] = ()  # unanswered topics enough people asked

    def blocks(self) -> list[dict]:
        return b.digest_blocks(self.items, asked=self.asked, gaps=self.gaps)

    def text(self) -> str:
        return b.digest_text(self.items)

    def terminal(self) -> str:
        return render_digest(self.items, asked=self.asked, gaps=self.gaps)


def compose_digest(
    store: Store | None,
    knowledge: Knowledge,
    team_id: str,
    channel_id: str,
    local_date: date,
    *,
    subscription: Subscription | None = None,
) -> Digest:
    """The digest `channel_id` gets on `local_date`: the same for the preview, the CLI and the
    post, because all three read the same history, rotation memory and query log."""
    if store is not None and subscription is None:
        subscription = store.subscription(team_id, channel_id)
    history = store.history(team_id, channel_id) if store is not None else []
    past = [PastDigest(h.local_date, h.trend_entry_id, h.term_entry_id, h.fact_id) for h in history]
    items = choose_digest(
        knowledge,
        channel_id,
        past,
        local_date,
        known_ids=subscription.known_id_set() if subscription else None,
        weekly_day=subscription.weekly_day if subscription else DEFAULT_WEEKLY_DAY,
    )
    if not items.weekly or store is None:
        return Digest(items)
    since = week_before(local_date, subscription.timezone if subscription else DEFAULT_TIMEZONE)
    return Digest(
        items,
        tuple(
            b.asked_entries(store.asked_entries(team_id, since, b.QUESTIONS_SHOWN), knowledge.get)
        ),
        tuple(b.asked_topics(store.unanswered_topics(team_id, since, b.QUESTIONS_SHOWN))),
    )


@dataclass(frozen=True)
class PostResult:
    outcome: Outcome
    error: str | None = None  # Slack's error code, or the exception type
    message_ts: str | None = None


def post_digest(
    store: Store,
    knowledge: Knowledge,
    client: WebClient,
    team_id: str,
    channel_id: str,
    local_date: date,
    claimer: str,
    *,
    subscription: Subscription | None = None,
    pause_on_channel_error: bool = True,
) -> PostResult:
    """Claim, compose, post, record. `taken` when another process (or an earlier post) has
    the date. A permanent Slack error pauses the subscription and DMs its subscriber when
    `pause_on_channel_error` (the scheduler); otherwise (`/aigc digest post`, where the person
    is right there) the claim is released and the error returned. A transient one is counted
    and retried later, up to MAX_ATTEMPTS_PER_DAY a day, whoever posted."""
    asked = not pause_on_channel_error
    if not store.claim(team_id, channel_id, local_date, claimer, asked=asked):
        return PostResult("taken")
    try:
        digest = compose_digest(
            store, knowledge, team_id, channel_id, local_date, subscription=subscription
        )
        response = client.chat_postMessage(
            channel=channel_id,
            blocks=digest.blocks(),
            text=digest.text(),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        code = slack_errors.error_code(error)
        if not slack_errors.is_permanent(code):
            return _retry_later(store, client, team_id, channel_id, local_date, claimer, code)
        if pause_on_channel_error:
            store.mark_failed(team_id, channel_id, local_date, claimer)
            _pause(store, client, team_id, channel_id, code, subscription)
            return PostResult("paused", code)
        log.warning("digest for %s/%s not posted (%s); released", team_id, channel_id, code)
        store.release(team_id, channel_id, local_date, claimer)
        return PostResult("released", code)
    except (OSError, SlackClientError) as error:  # URLError, timeouts, refused connections
        log.warning("digest for %s/%s not posted (%r)", team_id, channel_id, error)
        code = type(error).__name__
        return _retry_later(store, client, team_id, channel_id, local_date, claimer, code)
    except Exception as error:
        log.exception("digest for %s/%s failed", team_id, channel_id)
        code = type(error).__name__
        return _retry_later(store, client, team_id, channel_id, local_date, claimer, code)
    except BaseException:  # SIGTERM/KeyboardInterrupt mid-post: give the claim back
        store.release(team_id, channel_id, local_date, claimer)
        raise
    ts = str(response.get("ts") or "")
    trend_id, term_id, fact_id = digest.items.ids
    if not store.mark_posted(
        team_id,
        channel_id,
        local_date,
        claimer,
        message_ts=ts,
        trend_entry_id=trend_id,
        term_entry_id=term_id,
        fact_id=fact_id,
    ):
        log.error("digest for %s/%s posted but its claim was taken over", team_id, channel_id)
    store.set_known_ids(team_id, channel_id, digest.items.known_ids)
    log.info("digest posted to %s/%s for %s", team_id, channel_id, local_date)
    return PostResult("posted", message_ts=ts)


def _retry_later(
    store: Store,
    client: WebClient,
    team_id: str,
    channel_id: str,
    local_date: date,
    claimer: str,
    code: str,
) -> PostResult:
    """Count the failed attempt: wait `retry_delay` before the next, or give today up."""
    row = store.mark_retry(
        team_id,
        channel_id,
        local_date,
        claimer,
        error=code,
        delay=retry_delay,
        max_attempts=MAX_ATTEMPTS_PER_DAY,
    )
    if row is None:  # the claim was taken over meanwhile: whoever holds it decides
        return PostResult("retry", code)
    if row.status == "retry":
        log.warning(
            "digest for %s/%s not posted (%s, attempt %d of %d); next try at %s",
            team_id,
            channel_id,
            code,
            row.attempts,
            MAX_ATTEMPTS_PER_DAY,
            row.retry_at,
        )
        return PostResult("retry", code)
    log.error(
        "digest for %s/%s given up for %s after %d attempts (last: %s)",
        team_id,
        channel_id,
        local_date,
        row.attempts,
        code,
    )
    subscription = store.subscription(team_id, channel_id)
    if subscription is not None and not store.gave_up_before(team_id, channel_id, local_date):
        text = _both_languages(m.GAVE_UP_DM, channel=channel_id, attempts=row.attempts, code=code)
        _tell(client, subscription.subscribed_by, channel_id, text)
    return PostResult("gave_up", code)


def _pause(
    store: Store,
    client: WebClient,
    team_id: str,
    channel_id: str,
    code: str,
    subscription: Subscription | None,
) -> None:
    store.pause(team_id, channel_id, code)
    log.warning("digest for %s/%s paused: %s", team_id, channel_id, code)
    if subscription is None:  # nobody to tell
        return
    # Sent even when the token itself was refused (invalid_auth...): one call, and the log
    # says so if it fails too.
    text = _both_languages(
        m.PAUSED_DM,
        channel=channel_id,
        code=code,
        advice={lang: slack_errors.advice(code, lang) for lang in ("zh", "en")},
    )
    _tell(client, subscription.subscribed_by, channel_id, text)


def _both_languages(template: dict[str, str], **values: object) -> str:
    """Chinese, then English: the subscriber's own language is not known. A value given per
    language (a dict) is used in its language."""

    def fill(lang: str) -> str:
        return template[lang].format(
            **{k: v[lang] if isinstance(v, dict) else v for k, v in values.items()}
        )

    return f"{fill('zh')}\n\n{fill('en')}"


def _tell(client: WebClient, user_id: str, channel_id: str, text: str) -> None:
    try:  # a DM to the user id lands in the app's Messages tab; needs only chat:write
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as error:
        code = slack_errors.error_code(error)
        log.warning("could not tell %s about the digest of %s (%s)", user_id, channel_id, code)
    except Exception:
        log.exception("could not tell %s about the digest of %s", user_id, channel_id)


@dataclass
class RunReport:
    """What one `run_due` did, channel by channel."""

    posted: list[tuple[str, str, date]] = field(default_factory=list)
    taken: list[tuple[str, str, date]] = field(default_factory=list)
    paused: list[tuple[str, str, str]] = field(default_factory=list)
    released: list[tuple[str, str, str]] = field(default_factory=list)  # to retry later
    gave_up: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"posted {len(self.posted)}, already taken {len(self.taken)}, "
            f"paused {len(self.paused)}, to retry {len(self.released)}, "
            f"given up today {len(self.gave_up)}"
        )


def run_due(
    store: Store,
    knowledge: Knowledge,
    client_for: ClientForWorkspace,
    now: datetime,
    claimer: str | None = None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    knowledge_for: Callable[[str], Knowledge] | None = None,
) -> RunReport:
    """Post every digest that is due at `now` (UTC, aware) and not posted yet today, each
    from its workspace's knowledge (`knowledge_for(team_id)`: with its approved team terms)
    or, without `knowledge_for`, from `knowledge`."""
    claimer = claimer or new_claimer()
    report = RunReport()
    for sub, local_date in store.due_subscriptions(now):
        if should_stop():
            break
        key = (sub.team_id, sub.channel_id)
        client = client_for(sub.workspace)
        if client is None:  # no installation for the workspace any more
            store.pause(sub.team_id, sub.channel_id, slack_errors.APP_UNINSTALLED)
            report.paused.append((*key, slack_errors.APP_UNINSTALLED))
            continue
        team_knowledge = knowledge_for(sub.team_id) if knowledge_for else knowledge
        result = post_digest(
            store, team_knowledge, client, *key, local_date, claimer, subscription=sub
        )
        if result.outcome == "posted":
            report.posted.append((*key, local_date))
        elif result.outcome == "taken":
            report.taken.append((*key, local_date))
        elif result.outcome == "paused":
            report.paused.append((*key, result.error or ""))
        elif result.outcome == "gave_up":
            report.gave_up.append((*key, result.error or ""))
        else:
            report.released.append((*key, result.error or ""))
    return report
