"""The editors' weekly knowledge-gap report: a DM to every knowledge editor of a workspace with
what the knowledge lacks, each item with a button into the suggest modal, filled in.

- What it shows follows the query log's privacy rules (bot/store: `unanswered_topics`):
  normalised questions from public channels only, each once at least MIN_TOPIC_ASKERS
  different people asked it; the answers with the most 👎 that week (counts only, never who);
  how many suggestions wait, pointing to App Home where they are reviewed.
- When: on KNOWLEDGE_REPORT_AT's weekday, from its time until the end of that local day
  (KNOWLEDGE_REPORT_TZ), checked by the digest scheduler's minute tick in every process. The
  (workspace, local date) row in `knowledge_reports` is claimed before anything is sent, so
  several processes on one database send it once (`Store.claim_report`).
- A week with nothing to report sends nothing (the claim is kept: the week is done). When no
  editor could be reached it is tried again RETRY_AFTER later, at most MAX_ATTEMPTS times.

`compose_gap_report` reads the store; `gap_report_blocks` / `gap_report_text` are pure.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import messages as m
from bot import slack_errors
from bot.blocks import (
    CORRECT_ACTION,
    MAX_BLOCKS,
    TEACH_ACTION,
    carried_query,
    encode_value,
    escape,
)
from bot.digest.posting import ClientForWorkspace, new_claimer
from bot.digest.schedule import week_before
from bot.editors import Editors
from bot.store import MIN_TOPIC_ASKERS, Store, TopicStat
from bot.wording import clip
from knowledge import Entry, Knowledge
from knowledge.text import has_han

log = logging.getLogger(__name__)

TOPICS_SHOWN = 8  # unanswered topics in one report
DISLIKED_SHOWN = 5  # answers with the most 👎
PENDING_COUNTED = 100  # beyond this the report says "100+"
RETRY_AFTER = timedelta(minutes=15)  # when no editor could be reached
MAX_ATTEMPTS = 4  # per report day
REPORT_ORIGIN = "report"  # the suggestion origin its 教我这个词 buttons carry


@dataclass(frozen=True)
class Disliked:
    """An answer people voted 👎 on that week, with the week's counts."""

    entry: Entry
    up: int
    down: int


@dataclass(frozen=True)
class GapReport:
    """One workspace's report for `local_date` (the report's weekday), over the 7 days before."""

    team_id: str
    local_date: date
    topics: tuple[TopicStat, ...] = ()
    disliked: tuple[Disliked, ...] = ()
    pending: int = 0

    @property
    def empty(self) -> bool:
        return not (self.topics or self.disliked or self.pending)


def report_date(now_utc: datetime, weekday: int, post_time: str, tz: str) -> date | None:
    """The local date whose report is due at `now_utc`: today when today is `weekday` (0 =
    Monday) and `post_time` ("HH:MM") has passed in zone `tz`; else None."""
    local = now_utc.astimezone(zoneinfo.ZoneInfo(tz))
    if local.weekday() != weekday or local.strftime("%H:%M") < post_time:
        return None
    return local.date()


def compose_gap_report(
    store: Store, knowledge: Knowledge, team_id: str, local_date: date, tz: str
) -> GapReport:
    """What the workspace's editors get for `local_date`: the week's unanswered public topics
    (enough askers only), the answers with the most 👎 that week still in the knowledge, and
    the number of suggestions waiting."""
    since = week_before(local_date, tz)
    topics = store.unanswered_topics(team_id, since, TOPICS_SHOWN)
    disliked = []
    for vote in store.vote_counts(team_id, since):  # most 👎 first
        entry = knowledge.get(vote.entry_id)
        if vote.down <= 0 or entry is None:  # none left, or a rebuild removed it
            continue
        disliked.append(Disliked(entry, vote.up, vote.down))
        if len(disliked) >= DISLIKED_SHOWN:
            break
    pending = len(store.pending_suggestions(team_id, limit=PENDING_COUNTED))
    return GapReport(team_id, local_date, tuple(topics), tuple(disliked), pending)


# --- rendering (pure) ------------------------------------------------------------------------------


def _language(text: str) -> str:
    """The suggest modal's language for a topic: English for words in English only."""
    return "en" if text.strip() and not has_han(text) else "zh"


def _item(text: str, button: ButtonElement) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)), accessory=button)


def _button(label: str, action_id: str, value: str) -> ButtonElement:
    return ButtonElement(text=label, action_id=action_id, value=value)


def teach_button(topic: str) -> ButtonElement:
    """教我这个词 for an unanswered topic: the suggest modal named by the topic's words."""
    value = encode_value(q=carried_query(topic), l=_language(topic), o=REPORT_ORIGIN)
    return _button(m.GAP_REPORT_TEACH_BUTTON, TEACH_ACTION, value)


def entry_button(entry: Entry) -> ButtonElement:
    """纠正 for a term (the modal prefilled with it); for an article section, a new term
    related to the section (the modal with the section picked)."""
    if entry.kind == "term":
        return _button(
            m.GAP_REPORT_CORRECT_BUTTON, CORRECT_ACTION, encode_value(id=entry.id, l="zh")
        )
    value = encode_value(q="", l="zh", o=REPORT_ORIGIN, s=entry.id)
    return _button(m.GAP_REPORT_SUGGEST_BUTTON, TEACH_ACTION, value)


def _pending_count(pending: int) -> str:
    return f"{PENDING_COUNTED}+" if pending >= PENDING_COUNTED else str(pending)


def gap_report_blocks(report: GapReport) -> list[dict]:
    """The report as one DM: the unanswered topics and the most 👎 answers, one a line with
    its button, then the suggestions waiting. Every user-written word is escaped."""
    start = report.local_date - timedelta(days=7)
    end = report.local_date - timedelta(days=1)
    blocks: list[Block] = [
        HeaderBlock(text=clip(m.GAP_REPORT_TITLE.format(date=report.local_date.isoformat()), 150)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=m.GAP_REPORT_INTRO.format(
                        start=start.isoformat(), end=end.isoformat(), askers=MIN_TOPIC_ASKERS
                    )
                )
            ]
        ),
    ]
    if report.topics:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=m.GAP_REPORT_TOPICS))]
        for topic in report.topics[:TOPICS_SHOWN]:
            counts = m.ASKED_COUNTS.format(count=topic.count, askers=topic.askers)
            line = f"• {escape(clip(topic.topic, 200))}  _{counts}_"
            blocks.append(_item(line, teach_button(topic.topic)))
    if report.disliked:
        blocks += [
            DividerBlock(),
            SectionBlock(text=MarkdownTextObject(text=m.GAP_REPORT_DISLIKED)),
        ]
        for item in report.disliked[:DISLIKED_SHOWN]:
            counts = m.VOTE_COUNTS.format(up=item.up, down=item.down)
            line = f"• {escape(clip(item.entry.title, 200))}  _{counts}_"
            blocks.append(_item(line, entry_button(item.entry)))
    if report.pending:
        text = m.GAP_REPORT_PENDING.format(count=_pending_count(report.pending))
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=text))]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=m.GAP_REPORT_FOOTER)]))
    return [block.to_dict() for block in blocks[:MAX_BLOCKS]]


def gap_report_text(report: GapReport) -> str:
    """The notification text beside the blocks."""
    return m.GAP_REPORT_TEXT.format(
        topics=len(report.topics),
        disliked=len(report.disliked),
        pending=_pending_count(report.pending),
    )


# --- sending ---------------------------------------------------------------------------------------


@dataclass
class ReportRun:
    """What one check did: (team, editors reached) sent, teams with nothing to report, teams
    to retry (with the error)."""

    sent: list[tuple[str, int]] = field(default_factory=list)
    nothing: list[str] = field(default_factory=list)
    retry: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"sent {len(self.sent)}, nothing to report {len(self.nothing)}, "
            f"to retry {len(self.retry)}"
        )


class GapReports:
    """Sends the weekly report when it is due; one per process, called every scheduler tick.
    `weekday` None: the report is off (KNOWLEDGE_REPORT_AT=off)."""

    def __init__(
        self,
        store: Store,
        editors: Editors,
        client_for: ClientForWorkspace,
        knowledge_for: Callable[[str], Knowledge],
        *,
        weekday: int | None,
        post_time: str,
        tz: str,
    ) -> None:
        self._store = store
        self._editors = editors
        self._client_for = client_for
        self._knowledge_for = knowledge_for
        self._weekday = weekday
        self._post_time = post_time
        self._tz = tz
        self._told_no_editors = False

    def run_due(
        self, now: datetime, *, should_stop: Callable[[], bool] = lambda: False
    ) -> ReportRun:
        """Send the reports due at `now` that no process has sent yet."""
        run = ReportRun()
        if self._weekday is None:
            return run
        local_date = report_date(now, self._weekday, self._post_time, self._tz)
        if local_date is None:
            return run
        if not self._editors.named:
            if not self._told_no_editors:  # once per process, not every minute of the day
                self._told_no_editors = True
                log.warning(
                    "the weekly knowledge-gap report is not sent: KNOWLEDGE_EDITORS names "
                    "nobody (set it to Slack user ids and/or user groups)"
                )
            return run
        claimer = new_claimer()
        for workspace in self._store.report_workspaces(week_before(local_date, self._tz)):
            if should_stop():
                break
            client = self._client_for(workspace)
            if client is None:  # the app is not installed there any more
                continue
            team = workspace.team_id
            if not self._store.claim_report(team, local_date, claimer):
                continue  # another process has it, or it was sent
            try:
                self._send(client, team, local_date, claimer, run)
            except Exception as error:
                log.exception("the knowledge-gap report of %s failed", team)
                self._retry(team, local_date, claimer, type(error).__name__, run)
        if run.sent or run.retry:
            log.info("knowledge-gap reports for %s: %s", local_date, run)
        return run

    def _send(
        self, client: WebClient, team: str, local_date: date, claimer: str, run: ReportRun
    ) -> None:
        report = compose_gap_report(
            self._store, self._knowledge_for(team), team, local_date, self._tz
        )
        if report.empty:
            self._store.mark_report_sent(team, local_date, claimer, 0)
            run.nothing.append(team)
            return
        editors = sorted(self._editors.members(client, team))
        if not editors:  # only user groups named, and Slack could not list them just now
            self._retry(team, local_date, claimer, "no_editors_resolved", run)
            return
        blocks, text = gap_report_blocks(report), gap_report_text(report)
        reached, error = 0, ""
        for editor in editors:
            try:  # a DM to the user id lands in the app's Messages tab
                client.chat_postMessage(
                    channel=editor, blocks=blocks, text=text, unfurl_links=False
                )
                reached += 1
            except SlackApiError as failure:
                error = slack_errors.error_code(failure)
                log.warning("knowledge-gap report not sent to %s in %s (%s)", editor, team, error)
            except (OSError, SlackClientError) as failure:
                error = type(failure).__name__
                log.warning("knowledge-gap report not sent to %s in %s (%s)", editor, team, error)
        if reached:
            self._store.mark_report_sent(team, local_date, claimer, reached)
            run.sent.append((team, reached))
        else:
            self._retry(team, local_date, claimer, error, run)

    def _retry(self, team: str, local_date: date, claimer: str, error: str, run: ReportRun) -> None:
        status = self._store.mark_report_retry(
            team,
            local_date,
            claimer,
            error=error,
            delay=RETRY_AFTER,
            max_attempts=MAX_ATTEMPTS,
        )
        if status == "gave_up":
            log.error(
                "the knowledge-gap report of %s for %s given up after %d attempts (last: %s)",
                team,
                local_date,
                MAX_ATTEMPTS,
                error,
            )
        run.retry.append((team, error))
