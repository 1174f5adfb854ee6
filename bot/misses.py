"""Questions the knowledge could not answer, kept for the digest and for improving the glossary.

Listeners only see the `MissRecorder` protocol; the digest issue adds a database-backed one.
`record` is called on the request path right after the reply is built, so implementations must
be quick (or hand the write off).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Protocol


class MissRecorder(Protocol):
    def record(self, team_id: str | None, query: str, normalized: str) -> None: ...


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
