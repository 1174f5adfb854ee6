"""Questions asked, kept for `/aigc stats`, the digest's 本周团队在问 and the App Home list.

Listeners see one protocol, `QueryRecorder`, and hand it one `QueryRecord` per question
(answered or not, with its source and latency). The app uses `StoreQueryLog`, which writes to
the database; `InMemoryQueryLog` keeps recent questions in memory for tests and for an app
built without a store.

Recording happens on the request path right after the reply is built, so implementations must
be quick: `StoreQueryLog` hands the write to one background thread, and a failing database only
costs a log line, never the user's answer.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import threading
import time
import weakref
from collections import Counter
from typing import Protocol

from bot.store import QueryRecord, Store, StoreError

__all__ = ["InMemoryQueryLog", "QueryRecord", "QueryRecorder", "StoreQueryLog"]

log = logging.getLogger(__name__)

# Questions a full queue still accepts before the writer catches up; beyond, they are dropped.
MAX_PENDING = 10_000
# Questions written in one transaction.
BATCH = 500
# After the first question of a batch, the writer gathers more for this long before it commits:
# one commit costs ~0.5 ms on SQLite whether it writes one row or fifty, and under load a commit
# per question took CPU from the requests themselves (bench/bench_http.py).
GATHER_SECONDS = 0.1
# A dropped question is logged the first time, then once every this many.
DROPPED_LOG_EVERY = 1000
IN_MEMORY_LIMIT = 1000  # questions InMemoryQueryLog keeps


class QueryRecorder(Protocol):
    def record(self, question: QueryRecord) -> None: ...


class InMemoryQueryLog:
    """Keeps the most recent questions in memory (lost on restart); thread-safe."""

    def __init__(self, limit: int = IN_MEMORY_LIMIT) -> None:
        self._limit = limit
        self._questions: list[QueryRecord] = []
        self._lock = threading.Lock()

    def record(self, question: QueryRecord) -> None:
        with self._lock:
            self._questions.append(question)
            del self._questions[: -self._limit]

    @property
    def questions(self) -> tuple[QueryRecord, ...]:
        with self._lock:
            return tuple(self._questions)

    @property
    def misses(self) -> tuple[QueryRecord, ...]:
        """The questions that got no answer."""
        return tuple(q for q in self.questions if q.answered_entry_id is None)

    def most_common(self, n: int = 10) -> list[tuple[str, int]]:
        """The most asked unanswered questions, by normalised text."""
        counts = Counter(miss.normalized or miss.query for miss in self.misses)
        return counts.most_common(n)


class StoreQueryLog:
    """Every question into the store's query log, written in order by one background thread.

    The writer gathers what queues up within `gather_seconds` of a batch's first question and
    writes it in one transaction, so a burst of questions costs one commit, not one each. The queue is bounded: if the database cannot keep
    up, further questions are dropped (and counted in the log) rather than growing memory.

    The writer starts with the first question in each process. `serve` builds the app in the
    gunicorn master and forks the workers from it; a thread started in the master does not
    exist in a worker, whose questions would then only pile up in a queue nobody drains.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_pending: int = MAX_PENDING,
        batch: int = BATCH,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self.store = store
        self._batch = batch
        self._gather_seconds = gather_seconds
        self._max_pending = max_pending
        self._closed = False
        self._start_fresh()
        _LIVE_LOGS.add(self)

    def _start_fresh(self) -> None:
        """An empty queue and no writer: at construction, and in a forked child, where the
        parent's queued questions stay the parent's to write."""
        self._queue: queue.Queue[QueryRecord | None] = queue.Queue(maxsize=self._max_pending)
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._dropped = 0

    def _ensure_writer(self) -> None:
        if self._writer is not None:
            return
        with self._writer_lock:
            if self._writer is None:
                writer = threading.Thread(target=self._run, name="query-log", daemon=True)
                writer.start()
                self._writer = writer

    def record(self, question: QueryRecord) -> None:
        if self._closed:
            log.warning("query log closed; a %s question was not logged", question.source)
            return
        self._ensure_writer()
        try:
            self._queue.put_nowait(question)
        except queue.Full:
            self._dropped += 1
            if self._dropped == 1 or self._dropped % DROPPED_LOG_EVERY == 0:
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
            gather_until = time.monotonic() + self._gather_seconds
            while len(pending) < self._batch:
                try:
                    item = self._queue.get(timeout=max(0.0, gather_until - time.monotonic()))
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

    def _write(self, records: list[QueryRecord]) -> None:
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
        """Write what is queued, then stop the writer (at exit: a worker's SIGTERM, the end of
        `clock`). Waits at most `timeout` seconds, even for a database that does not answer."""
        if self._closed:
            return
        self._closed = True
        writer = self._writer
        if writer is None:  # nothing was asked in this process
            return
        deadline = time.monotonic() + timeout
        with contextlib.suppress(queue.Full):  # still full at the deadline: a stuck database
            self._queue.put(None, timeout=timeout)
        writer.join(max(0.0, deadline - time.monotonic()))
        if writer.is_alive():
            log.warning(
                "query log: stopped waiting after %.0f s; about %d question(s) not written",
                timeout,
                self._queue.qsize(),
            )


# Every query log of this process, to flush at exit and to restart in a forked child. Weak, so
# that registering never keeps a log (and its store) alive.
_LIVE_LOGS: weakref.WeakSet[StoreQueryLog] = weakref.WeakSet()


def _close_all_logs() -> None:
    for query_log in list(_LIVE_LOGS):
        query_log.close()


def _start_fresh_after_fork() -> None:
    for query_log in list(_LIVE_LOGS):
        query_log._start_fresh()


atexit.register(_close_all_logs)
os.register_at_fork(after_in_child=_start_fresh_after_fork)


def _describe(error: Exception) -> str:
    if isinstance(error, StoreError):  # its messages never quote parameters
        return str(error).splitlines()[0]
    return type(error).__name__
