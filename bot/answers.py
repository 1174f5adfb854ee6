"""Query -> the rendered reply, remembered: teams ask the same questions again and again, so a
repeat costs a dictionary lookup.

The knowledge differs per workspace (its approved team terms) and changes while the app runs
(a reloaded knowledge file, a newly approved term), so the cache is keyed by the Knowledge
object a reply was computed with as well as by the question. Each Knowledge gets a number
that is never reused: once a Knowledge is swapped out, its replies can never answer again
(an `id()` could be reused by the next object at the same address) and age out of the LRU."""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace

from bot import blocks as b
from knowledge import Knowledge, SearchResult
from knowledge.text import clean_query


@dataclass(frozen=True)
class Reply:
    result: SearchResult
    blocks: list[dict]  # shared between requests: never mutate
    text: str


class Answerer:
    """Answers with the Knowledge passed per call (the asker's workspace's), or with the one
    given here when a call passes none."""

    def __init__(self, knowledge: Knowledge | None = None, cache_size: int = 2048) -> None:
        self.knowledge = knowledge
        self._size = cache_size
        self._cache: OrderedDict[tuple[int, str, bool], Reply] = OrderedDict()
        self._lock = threading.Lock()
        # Weak: the cache never keeps a swapped-out Knowledge (and its index) alive.
        self._generations: weakref.WeakKeyDictionary[Knowledge, int] = weakref.WeakKeyDictionary()
        self._counter = itertools.count()

    def _generation(self, knowledge: Knowledge) -> int:
        with self._lock:
            generation = self._generations.get(knowledge)
            if generation is None:
                generation = self._generations[knowledge] = next(self._counter)
            return generation

    def _which(self, knowledge: Knowledge | None) -> Knowledge:
        chosen = knowledge if knowledge is not None else self.knowledge
        if chosen is None:
            raise ValueError("no knowledge to answer with: pass one")
        return chosen

    def cached(
        self, query: str, *, shareable: bool, knowledge: Knowledge | None = None
    ) -> Reply | None:
        key = (self._generation(self._which(knowledge)), query, shareable)
        with self._lock:
            reply = self._cache.get(key)
            if reply is not None:
                self._cache.move_to_end(key)
            return reply

    def answer(self, query: str, *, shareable: bool, knowledge: Knowledge | None = None) -> Reply:
        knowledge = self._which(knowledge)
        reply = self.cached(query, shareable=shareable, knowledge=knowledge)
        if reply is not None:
            return reply
        # The knowledge's query cleaner drops Slack markup, mentions and emoji before search;
        # the question is shown back as the user wrote it (escaped when rendered).
        result = replace(knowledge.search(query), query=clean_query(query)[0])
        reply = Reply(
            result,
            b.answer_blocks(result, knowledge.get, shareable=shareable),
            b.answer_text(result),
        )
        if self._size == 0:
            return reply
        with self._lock:
            self._cache[(self._generations[knowledge], query, shareable)] = reply
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return reply
