"""Composing and posting the daily digest, exactly once per channel per local date.

The choice of items is pure (`rotation.choose_digest`); this module is the imperative shell
around it: read the channel's history from the store, claim the (team, channel, local date) row,
post, record the message ts. The database claim is what makes it exactly-once, whoever runs
it: the in-process scheduler of every web worker, `python -m bot clock`, `digest --run-due`
from cron, or `/aigc digest post`.

Slack errors:
- the channel is gone for the bot (`not_in_channel`, `channel_not_found`, `is_archived`,
  `account_inactive`): the subscription is paused, the claim marked failed (not retried), and
  the person who subscribed gets a DM saying why and how to fix it;
- 429: slack_sdk's RateLimitErrorRetryHandler on the client waits Retry-After and retries;
- network errors, 5xx and anything unexpected: the claim is released and the next tick retries.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import blocks as b
from bot import messages as m
from bot.digest.rotation import DigestItems, PastDigest, choose_digest
from bot.digest.schedule import DEFAULT_TIMEZONE, DEFAULT_WEEKLY_DAY, week_before
from bot.terminal import render_digest
from knowledge import Knowledge

if TYPE_CHECKING:  # the store is passed in; bot.store itself imports the schedule rules
    from bot.store import Store, Subscription

log = logging.getLogger(__name__)

# The bot can no longer post in the channel: retrying will not help until someone acts.
PAUSE_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "account_inactive"})

ClientForTeam = Callable[[str], WebClient | None]
Outcome = Literal["posted", "taken", "paused", "failed", "released"]


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
    the date. A channel error pauses the subscription and DMs its subscriber when
    `pause_on_channel_error` (the scheduler); otherwise (`/aigc digest post`, where the person
    is right there) the claim is released and the error returned."""
    if not store.claim(team_id, channel_id, local_date, claimer):
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
        code = _error_code(error)
        if code in PAUSE_ERRORS and pause_on_channel_error:
            store.mark_failed(team_id, channel_id, local_date, claimer)
            _pause(store, client, team_id, channel_id, code, subscription)
            return PostResult("paused", code)
        log.warning("digest for %s/%s not posted (%s); released", team_id, channel_id, code)
        store.release(team_id, channel_id, local_date, claimer)
        return PostResult("released", code)
    except (OSError, SlackClientError) as error:  # URLError, timeouts, refused connections
        log.warning("digest for %s/%s not posted (%r); released", team_id, channel_id, error)
        store.release(team_id, channel_id, local_date, claimer)
        return PostResult("released", type(error).__name__)
    except Exception as error:
        log.exception("digest for %s/%s failed; released", team_id, channel_id)
        store.release(team_id, channel_id, local_date, claimer)
        return PostResult("released", type(error).__name__)
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


def _error_code(error: SlackApiError) -> str:
    response = error.response
    if response is None:
        return "unknown"
    if response.status_code >= 500:
        return f"http_{response.status_code}"
    try:
        return str(response.get("error") or f"http_{response.status_code}")
    except Exception:  # a body that is not JSON
        return f"http_{response.status_code}"


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
    if subscription is None or code == "account_inactive":  # nobody to tell, or no way to
        return
    text = m.PAUSED_DM.format(channel=channel_id, reason=b.pause_reason(code))
    try:  # a DM to the user id lands in the app's Messages tab; needs only chat:write
        client.chat_postMessage(channel=subscription.subscribed_by, text=text)
    except Exception:
        log.exception(
            "could not tell %s that %s was paused", subscription.subscribed_by, channel_id
        )


@dataclass
class RunReport:
    """What one `run_due` did, channel by channel."""

    posted: list[tuple[str, str, date]] = field(default_factory=list)
    taken: list[tuple[str, str, date]] = field(default_factory=list)
    paused: list[tuple[str, str, str]] = field(default_factory=list)
    released: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"posted {len(self.posted)}, already taken {len(self.taken)}, "
            f"paused {len(self.paused)}, to retry {len(self.released)}"
        )


def run_due(
    store: Store,
    knowledge: Knowledge,
    client_for_team: ClientForTeam,
    now: datetime,
    claimer: str | None = None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> RunReport:
    """Post every digest that is due at `now` (UTC, aware) and not posted yet today."""
    claimer = claimer or new_claimer()
    report = RunReport()
    for sub, local_date in store.due_subscriptions(now):
        if should_stop():
            break
        key = (sub.team_id, sub.channel_id)
        client = client_for_team(sub.team_id)
        if client is None:  # no installation for the workspace any more
            store.pause(sub.team_id, sub.channel_id, "app_uninstalled")
            report.paused.append((*key, "app_uninstalled"))
            continue
        result = post_digest(store, knowledge, client, *key, local_date, claimer, subscription=sub)
        if result.outcome == "posted":
            report.posted.append((*key, local_date))
        elif result.outcome == "taken":
            report.taken.append((*key, local_date))
        elif result.outcome == "paused":
            report.paused.append((*key, result.error or ""))
        else:
            report.released.append((*key, result.error or ""))
    return report
