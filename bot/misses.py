"""Questions asked, kept for `/aigc stats`, the digest's 本周团队在问 and the App Home list.

Listeners only see two small protocols: `MissRecorder` (an unanswered question) and
`QueryRecorder` (any question, answered or not, with its source and latency). The app uses
`StoreQueryLog`, which is both and writes to the database; `InMemoryMissRecorder` keeps misses
in memory for tests and for an app built without a store.

Recording happens on the request path right after the reply is built, so implementations must
be quick: `StoreQueryLog` hands the write to one background thread, and a failing database only
costs a log line, never the user's answer.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)


class MissRecorder(Protocol):
    def record(self, team_id: str | None, query: str, normalized: str) -> None: ...


@dataclass(frozen=True)
class AskedQuestion:
    team_id: str | None
    user_id: str | None  # hashed by the store, never stored as is
    query: str
    normalized: str
    answered_entry_id: str | None  # None: no answer
    latency_ms: int
    source: str  # command / mention / dm / shortcut / cli


@runtime_checkable
class QueryRecorder(Protocol):
    def record_query(self, question: AskedQuestion) -> None: ...


@dataclass(frozen=True)
class Miss:
    team_id: str | None
    query: str
    normalized: str


class InMemoryMissRecorder:
    """Keeps the most recent misses in memory (lost on restart); thread-safe."""

    def __init__(self, limit: int = 1000) -> None:
        self._limit = limit
        self._misses: list[Miss] = []
        self._lock = threading.Lock()

    def record(self, team_id: str | None, query: str, normalized: str) -> None:
        with self._lock:
            self._misses.append(Miss(team_id, query, normalized))
            del self._misses[: -self._limit]

    @property
    def misses(self) -> tuple[Miss, ...]:
        with self._lock:
            return tuple(self._misses)

    def most_common(self, n: int = 10) -> list[tuple[str, int]]:
        counts = Counter(miss.normalized or miss.query for miss in self.misses)
        return counts.most_common(n)


class StoreQueryLog:
    """Every question into the store's query log, written by one background thread in order."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-log")

    def record(self, team_id: str | None, query: str, normalized: str) -> None:
        self.record_query(AskedQuestion(team_id, None, query, normalized, None, 0, "command"))

    def record_query(self, question: AskedQuestion) -> None:
        try:
            self._writer.submit(self._write, question)
        except RuntimeError:  # shutting down
            log.warning("query log closed; a %s question was not logged", question.source)

    def _write(self, q: AskedQuestion) -> None:
        try:
            self.store.log_query(
                q.team_id or "",
                q.user_id or "",
                q.query,
                q.normalized,
                answered_entry_id=q.answered_entry_id,
                latency_ms=q.latency_ms,
                source=q.source,
            )
        except Exception as error:  # the answer was already sent
            # Not log.exception: database errors carry the statement's parameters, i.e. the
            # question; the log names the failure only.
            log.error("could not log a %s question: %s", q.source, _describe(error))

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything recorded so far is written (tests, shutdown)."""
        self._writer.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self._writer.shutdown(wait=True)


def _describe(error: Exception) -> str:
    from bot.store import StoreError  # its messages never quote parameters

    if isinstance(error, StoreError):
        return str(error).splitlines()[0]
    return type(error).__name__
