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

import atexit
import logging
import queue
import threading
import time
from collections import Counter
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
    """Every question into the store's query log, written in order by one background thread.

    The writer drains whatever has queued up and writes it in one transaction, so a burst of
    questions costs one commit, not one each. The queue is bounded: if the database cannot keep
    up, further questions are dropped (and counted in the log) rather than growing memory.
    """

    def __init__(self, store: Store, *, max_pending: int = 10_000, batch: int = 500) -> None:
        self.store = store
        self._batch = batch
        self._queue: queue.Queue[AskedQuestion | None] = queue.Queue(maxsize=max_pending)
        self._dropped = 0
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="query-log", daemon=True)
        self._writer.start()
        # Questions still queued when the process exits (SIGTERM, end of `clock`) are written.
        atexit.register(self.close)

    def record(self, team_id: str | None, query: str, normalized: str) -> None:
        self.record_query(AskedQuestion(team_id, None, query, normalized, None, 0, "command"))

    def record_query(self, question: AskedQuestion) -> None:
        if self._closed:
            log.warning("query log closed; a %s question was not logged", question.source)
            return
        try:
            self._queue.put_nowait(question)
        except queue.Full:
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.warning("query log is behind; %d questions not logged so far", self._dropped)

    @property
    def dropped(self) -> int:
        return self._dropped

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._queue.task_done()
                return
            pending = [first]
            stop = False
            while len(pending) < self._batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                pending.append(item)
            self._write(pending)
            for _ in range(len(pending) + stop):
                self._queue.task_done()
            if stop:
                return

    def _write(self, questions: list[AskedQuestion]) -> None:
        from bot.store import QueryRecord

        records = [
            QueryRecord(
                q.team_id or "",
                q.user_id or "",
                q.query,
                q.normalized,
                q.answered_entry_id,
                q.latency_ms,
                q.source,
            )
            for q in questions
        ]
        try:
            self.store.log_queries(records)
        except Exception as error:  # the answers were already sent
            # Not log.exception: database errors carry the statement's parameters, i.e. the
            # questions; the log names the failure only.
            log.error("could not log %d question(s): %s", len(records), _describe(error))

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything recorded so far is written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            with self._queue.all_tasks_done:
                self._queue.all_tasks_done.wait(max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._writer.join(timeout)


def _describe(error: Exception) -> str:
    from bot.store import StoreError  # its messages never quote parameters

    if isinstance(error, StoreError):
        return str(error).splitlines()[0]
    return type(error).__name__
