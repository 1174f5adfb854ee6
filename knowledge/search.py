"""Query → a confident answer or none, plus up to three alternatives.

Three signals are fused:
- names: a glossary term's names, English names, abbreviations and pinyin, and section
  titles, matched exactly or within a small edit distance (typos);
- BM25 (bm25s) over jieba tokens of every entry, for topic questions no name covers;
- coverage: the share of the query's information (IDF-weighted) that an entry contains.
  A wrong answer is worse than none, so an entry only answers when it covers most of what
  was asked; partial matches become suggestions.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from knowledge.index import EntryList, KnowledgeDataError, KnowledgeIndex, load_index
from knowledge.model import Article, Entry, Fact, Hit, SearchResult
from knowledge.paths import default_paths, index_cache_dir
from knowledge.query import ParsedQuery, parse_query
from knowledge.stopwords import STOPWORDS
from knowledge.text import Segmenter, clean_query, compact, content_tokens, has_han

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 3
ACCEPT_COVERAGE = 0.6  # share of the query an entry must cover to answer it
SUGGEST_COVERAGE = 0.5  # ...to be offered as "did you mean"
MIN_SPECIFICITY = 0.3  # share of a one-entry word's weight the matched words must reach
CANDIDATES = 30
MAX_QUERY_GROUPS = 24  # query words scored at most  # entries scored for coverage, by BM25 rank
TITLE_ACCEPT = 90  # rapidfuzz ratio of the whole query to a section title
REBUILD_HINT = "python -m bot build"


class KnowledgeFileError(RuntimeError):
    """The knowledge file is missing or unusable. The message names the path and the fix."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(
            f"The knowledge file {path} {problem}. Rebuild it with: {REBUILD_HINT} "
            f"(知识文件不可用，请运行 {REBUILD_HINT} 重新生成)"
        )


@dataclass
class _Scored:
    index: int
    bm25: float = 0.0
    coverage: float = 0.0
    matched: float = 0.0  # IDF mass of the query words found: how specific the match is
    name: float = 0.0  # 1.0 exact name, less for a typo or a fuzzy title


def allowed_edits(length: int) -> int:
    """Typos tolerated in a name of this length: none in very short names."""
    if length < 4:
        return 0
    if length <= 6:
        return 1
    if length <= 12:
        return 2
    return 3


class Knowledge:
    """The loaded knowledge file: entries, their index and the search over them."""

    def __init__(self, index: KnowledgeIndex, path: Path | None = None) -> None:
        self.path = path
        self._index = index
        self.entries: Sequence[Entry] = EntryList(index.entry_json)
        self._position = {entry_id: i for i, entry_id in enumerate(index.entry_ids)}
        self.articles: tuple[Article, ...] = tuple(
            Article(
                file=a["file"],
                title=a["title"],
                keywords=tuple(a.get("keywords", ())),
                url=a.get("url"),
                entry_ids=tuple(a["entry_ids"]),
            )
            for a in index.articles
        )
        self.segmenter = Segmenter(
            ((w, int(f)) for w, f in index.vocabulary["words"]), index.vocabulary["total"]
        )
        self._bm25 = index.bm25
        self._answerable = index.answerable
        self._names = index.names
        self._term_names = index.term_names
        self._term_name_owner = index.term_name_owner
        self._section_titles = index.section_titles
        self._doc_count = len(index.answerable)
        self._df = index.df
        self._haystacks: dict[int, str] = {}
        self._name_key_cache: dict[int, list[str]] = {}
        # A lone word as common as "AI" or "模型" is too vague to answer, only to suggest from.
        self._min_specificity = MIN_SPECIFICITY * self._idf(1)

    @classmethod
    def from_data(cls, data: dict) -> Knowledge:
        """Knowledge from an already parsed knowledge file (tests, benchmarks)."""
        return cls(KnowledgeIndex.from_data(data))

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None, *, cache: bool = True) -> Knowledge:
        """Load a knowledge file (default: the one shipped in the package).

        The derived search index is cached in the user's cache directory unless `cache` is off.
        """
        path = path or default_paths().knowledge_file
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KnowledgeFileError(path, "does not exist") from None
        except OSError as exc:
            raise KnowledgeFileError(path, f"cannot be read ({exc})") from None
        try:
            index = load_index(raw, index_cache_dir() if cache else None)
        except UnicodeDecodeError:
            raise KnowledgeFileError(path, "is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise KnowledgeFileError(path, f"is not valid JSON (line {exc.lineno})") from None
        except KnowledgeDataError as exc:
            raise KnowledgeFileError(path, f"is {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KnowledgeFileError(path, f"is damaged ({type(exc).__name__}: {exc})") from None
        return cls(index, path)

    # --- lookups ----------------------------------------------------------------------------

    def get(self, entry_id: str) -> Entry | None:
        position = self._position.get(entry_id)
        return None if position is None else self.entries[position]

    def terms(self) -> list[Entry]:
        return [self.entries[i] for i in self._index.term_positions]

    def facts(self) -> list[Fact]:
        """Sentences that carry figures, in article order (the digest's 数字看趋势)."""
        return [Fact(f["id"], f["entry_id"], f["text"]) for f in self._index.facts]

    def sections(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "section"]

    def find_terms(self, text: str, limit: int = 10) -> list[Entry]:
        """Every glossary term named in `text`, most specific (longest name) first."""
        haystack = compact(clean_query(text)[0]) if len(text) <= 5000 else compact(text[:5000])
        found: dict[int, int] = {}
        for key, owners in self._names.items():
            if len(key) < 2 or key not in haystack:
                continue
            for i in owners:
                if self.entries[i].kind == "term":
                    found[i] = max(found.get(i, 0), len(key))
        # A name inside a longer name ("合成数据" in "合成数据即服务") only counts on its own.
        ordered = sorted(found, key=lambda i: (-found[i], i))
        picked: list[int] = []
        covered = haystack
        for i in ordered:
            hits = [k for k in self._name_keys(i)[1:] if k in covered]
            if not hits:
                continue
            picked.append(i)
            for k in hits:
                covered = covered.replace(k, "\0")
        return [self.entries[i] for i in picked[:limit]]

    # --- search -----------------------------------------------------------------------------

    def search(self, query: str) -> SearchResult:
        text, truncated = clean_query(query)
        language = "en" if text and not has_han(text) and any(c.isalpha() for c in text) else "zh"
        if not text:
            return SearchResult(query=text, status="empty", truncated=truncated, language=language)
        parsed = parse_query(text)
        key = compact(parsed.core)
        base = {"query": text, "truncated": truncated, "language": language, "normalized": key}
        if not key:
            return SearchResult(status="no_answer", **base)

        if parsed.compares:
            named = self.find_terms(parsed.core, limit=MAX_ALTERNATIVES)
            if len(named) >= 2:  # each side has its own entry; none answers the comparison
                hits = tuple(Hit(e, 0.9) for e in named)
                return SearchResult(status="no_answer", alternatives=hits, **base)
        groups = self._query_groups(parsed)
        scored = self._score_bm25(groups)
        exact = next(
            (found for k in parsed.name_variants(key) if (found := self._names.get(k))), []
        )
        for i in exact:
            scored.setdefault(i, _Scored(i)).name = 1.0
        if not exact:
            for i, similarity in self._typo_matches(key):
                item = scored.setdefault(i, _Scored(i))
                item.name = max(item.name, similarity)
            for i, similarity in self._title_matches(key):
                item = scored.setdefault(i, _Scored(i))
                item.name = max(item.name, similarity)

        answer, score = self._choose(parsed, scored, exact)
        alternatives = self._alternatives(answer, scored)
        if answer is None:
            return SearchResult(status="no_answer", alternatives=alternatives, **base)
        return SearchResult(
            status="answered",
            answer=Hit(self.entries[answer], score),
            alternatives=alternatives,
            **base,
        )

    def _query_groups(self, parsed: ParsedQuery) -> list[tuple[str, ...]]:
        """Each group is satisfied by any one of its tokens; intents form one group.

        A word the knowledge does not know that hides a question word ("分几层") is replaced
        by its meaningful pieces ("分", "层"); other unknown words stay whole and are looked
        for as substrings, so a segmentation difference never hides a match.
        """
        tokens: list[str] = []
        for token in self.segmenter.tokens(parsed.core):
            if token not in self._df and has_han(token) and len(token) > 1:
                pieces = self.segmenter.pieces(token)
                if any(p in STOPWORDS for p in pieces):
                    tokens += content_tokens(pieces)
                    continue
            tokens.append(token)
        groups = [(t,) for t in dict.fromkeys(tokens)]
        if parsed.intent_words:
            groups.append(parsed.intent_words)
        return groups

    def _idf(self, df: int) -> float:
        n = self._doc_count
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _haystack(self, doc: int) -> str:
        """An entry's searchable text as one compact string, for substring checks."""
        cached = self._haystacks.get(doc)
        if cached is None:
            e = self.entries[self._answerable[doc]]
            parts = [e.title, e.text, *e.aliases, *e.source.heading_path, *e.figures, e.gloss]
            cached = self._haystacks[doc] = compact(" ".join(parts))
        return cached

    def _group_weight(self, group: tuple[str, ...]) -> float:
        dfs = [self._df.get(t, 0) for t in group]
        # A word the knowledge never uses as a token weighs as much as the rarest one.
        weight = max((self._idf(df) for df in dfs if df), default=self._idf(0))
        if all(len(t) == 1 and has_han(t) for t in group):
            weight *= 0.3  # single characters say little on their own
        return weight

    def _score_bm25(self, groups: Sequence[tuple[str, ...]]) -> dict[int, _Scored]:
        if not groups:
            return {}
        weighted = [(self._group_weight(g), g) for g in groups]
        # A pasted paragraph is searched by its most telling words; this bounds the work.
        if len(weighted) > MAX_QUERY_GROUPS:
            weighted = sorted(weighted, key=lambda wg: -wg[0])[:MAX_QUERY_GROUPS]
        total = np.zeros(self._doc_count, dtype=np.float32)
        hits_by_group: list[list[tuple[str, np.ndarray | None]]] = []
        for _, group in weighted:
            group_hits: list[tuple[str, np.ndarray | None]] = []
            for token in group:
                if self._df.get(token):
                    scores = self._bm25.get_scores([token])
                    total += scores
                    group_hits.append((token, scores > 0))
                else:
                    if has_han(token) and len(token) > 1:
                        # Unknown as a token: let its pieces find candidates.
                        total += 0.5 * self._bm25.get_scores(self.segmenter.pieces(token))
                    group_hits.append((token, None))
            hits_by_group.append(group_hits)
        weight_sum = sum(w for w, _ in weighted)
        k = min(CANDIDATES, self._doc_count)
        top = np.argpartition(-total, k - 1)[:k] if self._doc_count > k else np.arange(k)
        top = sorted((int(d) for d in top if total[d] > 0), key=lambda d: (-total[d], d))
        result = {}
        for d in top:
            covered = 0.0
            for (weight, _), group_hits in zip(weighted, hits_by_group, strict=True):
                if any(
                    (hits is not None and hits[d])
                    or (has_han(token) and token in self._haystack(d))
                    for token, hits in group_hits
                ):
                    covered += weight
            index = self._answerable[d]
            result[index] = _Scored(
                index, bm25=float(total[d]), coverage=covered / weight_sum, matched=covered
            )
        return result

    def _typo_matches(self, key: str) -> Iterable[tuple[int, float]]:
        budget = allowed_edits(len(key))
        if not budget or not self._term_names:
            return []
        found: dict[int, float] = {}
        for name, distance, position in process.extract(
            key,
            self._term_names,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=budget,
            limit=10,
        ):
            if distance > allowed_edits(min(len(name), len(key))):
                continue
            # Short names must start the same way: "mass" → "maas", but "chip" is not "clip".
            prefix = 2 if len(key) <= 5 else 1
            if name[:prefix] != key[:prefix]:
                continue
            similarity = 1 - distance / max(len(name), len(key))
            owner = self._term_name_owner[position]
            found[owner] = max(found.get(owner, 0.0), similarity)
        return found.items()

    def _title_matches(self, key: str) -> Iterable[tuple[int, float]]:
        if len(key) < 4:
            return []
        return [
            (self._answerable[position], score / 100)
            for _, score, position in process.extract(
                key, self._section_titles, scorer=fuzz.ratio, score_cutoff=80, limit=3
            )
        ]

    def _choose(
        self, parsed: ParsedQuery, scored: dict[int, _Scored], exact: list[int]
    ) -> tuple[int | None, float]:
        top_bm25 = max((s.bm25 for s in scored.values()), default=0.0) or 1.0
        key = compact(parsed.core)
        by_topic = sorted(
            scored.values(),
            key=lambda s: (
                -(s.coverage + 0.1 * s.bm25 / top_bm25 + 0.2 * self._name_similarity(key, s.index)),
                s.index,
            ),
        )
        best_topic = next((s for s in by_topic if s.bm25 > 0), None)
        if exact:
            chosen = min(exact, key=lambda i: (self.entries[i].kind != "term", i))
            if parsed.intent_words:
                # "合成数据有什么用": the term or one of its own sections that speaks of the use.
                for index in [chosen, *self._section_positions(chosen)]:
                    entry = self.entries[index]
                    if any(w in entry.text for w in parsed.intent_words):
                        return index, 1.0
            return chosen, 1.0
        by_name = max(scored.values(), key=lambda s: (s.name, -s.index), default=None)
        if (
            by_name is not None
            and by_name.name >= 0.75
            and self.entries[by_name.index].kind == "term"
        ):
            return by_name.index, by_name.name
        if (
            best_topic is not None
            and best_topic.coverage >= ACCEPT_COVERAGE
            and best_topic.matched >= self._min_specificity
        ):
            return best_topic.index, best_topic.coverage
        if by_name is not None and by_name.name >= TITLE_ACCEPT / 100:
            return by_name.index, by_name.name
        return None, 0.0

    def _section_positions(self, index: int) -> list[int]:
        ids = self.entries[index].sections
        return [self._position[i] for i in ids if i in self._position]

    def _name_keys(self, index: int) -> list[str]:
        """Compact forms of an entry's title and names, folded once per entry."""
        keys = self._name_key_cache.get(index)
        if keys is None:
            entry = self.entries[index]
            names = [entry.title, *entry.aliases] if entry.kind == "term" else [entry.title]
            keys = self._name_key_cache[index] = [k for k in map(compact, names) if k]
        return keys

    def _name_similarity(self, key: str, index: int) -> float:
        """How close the whole query is to the entry's title or one of its names (0..1)."""
        result = process.extractOne(key, self._name_keys(index), scorer=fuzz.ratio)
        return result[1] / 100 if result else 0.0

    def _alternatives(self, answer: int | None, scored: dict[int, _Scored]) -> tuple[Hit, ...]:
        picked: list[Hit] = []
        seen = {answer}
        if answer is not None:
            # A term's own sections are the natural next read.
            for index in self._section_positions(answer):
                if index not in seen and len(picked) < MAX_ALTERNATIVES:
                    item = scored.get(index)
                    score = item.coverage if item else 0.5
                    picked.append(Hit(self.entries[index], round(score, 4)))
                    seen.add(index)
        ranked = sorted(
            scored.values(), key=lambda s: (-(max(s.coverage, s.name)), -s.bm25, s.index)
        )
        for item in ranked:
            if len(picked) >= MAX_ALTERNATIVES:
                break
            if item.index in seen:
                continue
            if max(item.coverage, item.name) < SUGGEST_COVERAGE:
                continue
            picked.append(Hit(self.entries[item.index], round(max(item.coverage, item.name), 4)))
            seen.add(item.index)
        return tuple(picked)
