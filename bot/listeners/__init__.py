"""Slack listeners grouped by feature. Each module has plain functions (testable with mocks)
and a `register(app, deps)` that wires them to the Bolt app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from slack_bolt import App

from bot.answers import Answerer
from bot.editors import Editors
from bot.query_log import InMemoryQueryLog, QueryRecorder
from bot.settings import DEFAULT_QUERY_LOG_DAYS
from knowledge import Knowledge

if TYPE_CHECKING:
    from bot.listeners.dedupe import Deduper
    from bot.live_knowledge import LiveKnowledge
    from bot.store import Store


@dataclass(frozen=True)
class Deps:
    """What the listeners need besides what Bolt passes them."""

    # The knowledge file as loaded at start; listeners ask `knowledge_for(team)` instead.
    knowledge: Knowledge
    query_log: QueryRecorder = field(default_factory=InMemoryQueryLog)
    # Subscriptions, digest posts, the query log; None: those commands say storage is off.
    store: Store | None = None
    # Slash commands answer in the ack when the search finishes within this budget (seconds);
    # otherwise they ack at once and answer through response_url when it does.
    search_budget: float = 2.0
    # The storage subcommands answer in the ack when their database work (and, for subscribe,
    # the Slack check) finishes within this budget; otherwise they ack empty and answer through
    # response_url, so a locked database never costs the ack Slack's 3 seconds.
    storage_budget: float = 1.5
    answer_cache_size: int = 2048
    query_log_days: int = DEFAULT_QUERY_LOG_DAYS  # said in `/aigc help`
    search_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="search")
    )
    # Slow work a command starts after its ack (e.g. `/aigc digest post`).
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="after-ack")
    )
    # The knowledge file reloaded while running, plus each workspace's approved team terms;
    # None: `knowledge` for everyone, as loaded.
    live: LiveKnowledge | None = None
    # Who reviews suggested terms (KNOWLEDGE_EDITORS); nobody named: suggestions only queue.
    editors: Editors = field(default_factory=Editors)

    def knowledge_for(self, team_id: str | None) -> Knowledge:
        """What a workspace's requests answer with: the knowledge file (as last reloaded) plus
        that workspace's approved team terms. Keep the object for the whole request: a swap
        meanwhile does not change what it answers with."""
        if self.live is None:
            return self.knowledge
        return self.live.for_team(team_id)

    @cached_property
    def answers(self) -> Answerer:
        return Answerer(self.knowledge, cache_size=self.answer_cache_size)

    @cached_property
    def dedupe(self) -> Deduper:
        """One reply per delivery: keys in the shared database, or in memory without one."""
        from bot.listeners.dedupe import Deduper, MemoryLedger

        if self.store is not None:
            return Deduper(self.store)
        return Deduper(MemoryLedger(lambda: datetime.now(UTC)))


def register_all(app: App, deps: Deps) -> None:
    from bot.listeners import actions, commands, events, lifecycle, shortcuts, teach

    for module in (commands, actions, events, shortcuts, lifecycle, teach):
        module.register(app, deps)
