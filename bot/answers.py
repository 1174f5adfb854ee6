"""Query -> the rendered reply, remembered: the knowledge does not change while the app runs,
and teams ask the same questions again and again, so a repeat costs a dictionary lookup."""

from __future__ import annotations

import threading
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
    def __init__(self, knowledge: Knowledge, cache_size: int = 2048) -> None:
        self.knowledge = knowledge
        self._size = cache_size
        self._cache: OrderedDict[tuple[str, bool], Reply] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, query: str, *, shareable: bool) -> Reply | None:
        key = (query, shareable)
        with self._lock:
            reply = self._cache.get(key)
            if reply is not None:
                self._cache.move_to_end(key)
            return reply

    def answer(self, query: str, *, shareable: bool) -> Reply:
        reply = self.cached(query, shareable=shareable)
        if reply is not None:
            return reply
        # The knowledge's query cleaner drops Slack markup, mentions and emoji before search;
        # the question is shown back as the user wrote it (escaped when rendered).
        result = replace(self.knowledge.search(query), query=clean_query(query)[0])
        reply = Reply(
            result,
            b.answer_blocks(result, self.knowledge.get, shareable=shareable),
            b.answer_text(result),
        )
        if self._size == 0:
            return reply
        with self._lock:
            self._cache[(query, shareable)] = reply
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return reply
