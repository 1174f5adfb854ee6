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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from knowledge.cleaning import NUMBER_CUE, YEAR_CUE, query_words, remove_filler, strip_markup
from knowledge.index import EntryList, KnowledgeDataError, KnowledgeIndex, load_index
from knowledge.model import Article, Entry, Fact, Hit, SearchResult, Status
from knowledge.paths import default_paths, index_cache_dir
from knowledge.query import ParsedQuery, parse_query
from knowledge.sounds import SoundIndex
from knowledge.stopwords import STOPWORDS
from knowledge.text import (
    MAX_QUERY_CHARS,
    Segmenter,
    clean_query,
    compact,
    content_tokens,
    fold,
    has_han,
)
from knowledge.tuning import DEFAULT_TUNING, SearchTuning

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 3
CANDIDATES = 20  # entries scored for coverage, by BM25 rank
MAX_QUERY_GROUPS = 24  # query words scored at most
MAX_NAME_CHARS = 40  # longest name looked for inside a question
FIND_TERMS_CHARS = 5000  # of a message, read for the terms it names
MAX_NAME_KEYS = 3  # other names of a named entry whose words find candidates too
AMBIGUOUS = -1  # a question about "the article" when there are several and it names none
MAX_REMEMBERED = 4096  # typo look-ups remembered per process
MAX_RESPELLED = 4  # unknown English words of one question checked for a misspelled name
_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_LATIN_WORD = re.compile(r"[a-z][a-z0-9.+\-]{2,}")
_GLUED = re.compile(r"(?<![a-z])[a-z]{8,}(?![a-z])")
# A year an entry dates something by: "2022 年", "in 2023", "2030年前".
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
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
    intent: float = 0.0  # how many of the question's intents the entry speaks to
    intent_title: bool = False  # ...and its title says so ("…的风险", "…的应用")
    intent_list: bool = False  # the question asks for a list ("有哪些…")
    owner: bool = False  # a name found in the question is this entry's own


@dataclass(frozen=True)
class _Anchor:
    """A name of the knowledge found inside the question."""

    surface: str  # as typed (compact)
    name: str  # the name it is (compact): differs for a homophone or a typo
    owners: tuple[int, ...]  # entries with this name
    how: str  # "exact", "sound" or "typo"


@dataclass(frozen=True)
class _Group:
    """Part of the question an answer should cover; any one of its tokens or keys does."""

    kind: str  # "name", "word" or "intent"
    tokens: tuple[str, ...]
    weight: float
    name: str = ""  # intents: which one
    keys: tuple[str, ...] = ()  # names: compact forms that count when the entry contains one
    owners: frozenset[int] = frozenset()
    terms: frozenset[str] = frozenset()  # names: term ids a section may list as mentioned


def _mentions(text: tuple[str, set[int], set[int]], key: str) -> bool:
    """Whether text (compact, with its word bounds) names `key`: a Chinese name of two
    characters or more anywhere, a Latin one only as whole words ("fl" is not in "flow",
    "pgc" is in "PGC、UGC")."""
    haystack, starts, ends = text
    if len(key) < 2:
        return False
    if not key.isascii():
        return key in haystack
    at = haystack.find(key)
    while at >= 0:
        if at in starts and at + len(key) in ends:
            return True
        at = haystack.find(key, at + 1)
    return False


def _compact_with_bounds(text: str) -> tuple[str, set[int], set[int]]:
    """The compact form of folded text, with where its words start and end.

    A Latin name may only match whole words; every Chinese character is a word boundary.
    """
    chars: list[str] = []
    starts: set[int] = set()
    ends: set[int] = set()
    previous_latin = False
    for ch in text:
        if not _WORD_CHAR.match(ch):
            if previous_latin:
                ends.add(len(chars))
            previous_latin = False
            continue
        latin = ch.isascii()
        if not latin or not previous_latin:
            starts.add(len(chars))
            if previous_latin:
                ends.add(len(chars))
        if not latin:
            ends.add(len(chars) + 1)
        chars.append(ch)
        previous_latin = latin
    ends.add(len(chars))
    return "".join(chars), starts, ends


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

    def __init__(
        self,
        index: KnowledgeIndex,
        path: Path | None = None,
        tuning: SearchTuning = DEFAULT_TUNING,
    ) -> None:
        self.path = path
        self.tuning = tuning
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
        self._latin_words: list[str] | None = None
        self._title_keys: dict[int, str] = {}
        self._mentioned: dict[tuple[int, str], bool] = {}
        self._mentioned_any: dict[tuple[int, tuple[str, ...]], bool] = {}
        self._meets: dict[tuple[int, tuple[str, ...]], bool] = {}
        self._name_token_cache: dict[str, tuple[str, ...]] = {}
        self._typos: dict[str, list[tuple[int, float]]] = {}
        self._own_haystacks: dict[int, tuple[str, set[int], set[int]]] = {}
        self._name_key_cache: dict[int, list[str]] = {}
        self._doc_of = {index: doc for doc, index in enumerate(index.answerable)}
        # For spotting names inside a question: which characters start one, how long they get.
        self._name_initials = index.name_initials
        self._longest_name = min(MAX_NAME_CHARS, index.longest_name)
        self._short_names = index.short_names
        self._overviews = frozenset(index.overviews)
        self._synonyms = index.synonyms
        self._with_figures = frozenset(
            self._position[f["entry_id"]] for f in index.facts if f["entry_id"] in self._position
        )
        self._sounds = SoundIndex(index.name_sounds) if index.name_sounds else None
        self._longer_names = index.longer_names

    @classmethod
    def from_data(cls, data: dict, tuning: SearchTuning = DEFAULT_TUNING) -> Knowledge:
        """Knowledge from an already parsed knowledge file (tests, benchmarks)."""
        return cls(KnowledgeIndex.from_data(data), tuning=tuning)

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def load(
        cls, path: Path | None = None, *, cache: bool = True, tuning: SearchTuning = DEFAULT_TUNING
    ) -> Knowledge:
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
        return cls(index, path, tuning)

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
        """Every glossary term named in `text`, most specific (longest name) first: the same
        spotting search uses, exact names only ("合成数据" inside "合成数据即服务" is not one)."""
        cleaned = fold(strip_markup(text[:FIND_TERMS_CHARS]))
        anchors = self._spot_names(cleaned, core="")  # no question: nothing to hear
        picked: list[int] = []
        for anchor in sorted(anchors, key=lambda a: -len(a.name)):
            if anchor.how != "exact":
                continue
            for i in anchor.owners:
                if self.entries[i].kind == "term" and i not in picked:
                    picked.append(i)
        return [self.entries[i] for i in picked[:limit]]

    # --- search -----------------------------------------------------------------------------

    def search(self, query: str) -> SearchResult:
        # Markup first, so a paste of mentions is no question and the length limit counts words;
        # of a huge paste only a generous head is read.
        head = query[: MAX_QUERY_CHARS * 8]
        text, truncated = clean_query(strip_markup(head))
        truncated = truncated or (len(query) > len(head) and bool(text))
        if not text:
            return SearchResult(query=text, status="empty", truncated=truncated)
        cleaned = self._respell(self._unglue(remove_filler(fold(text))))  # markup is out
        language = (
            "en" if cleaned and not has_han(cleaned) and any(c.isalpha() for c in cleaned) else "zh"
        )
        parsed = parse_query(cleaned)
        key = compact(parsed.core)
        base = {"query": text, "truncated": truncated, "language": language, "normalized": key}
        if not key:
            return SearchResult(status="no_answer", **base)

        anchors = self._spot_names(cleaned, parsed.core)
        groups = self._query_groups(parsed, anchors)
        scored = self._score(groups, anchors, parsed.intents)
        if parsed.compares:
            named = self._distinct_owners(anchors, kind="term")
            if len(named) >= 2:
                return self._compare(named, scored, base)
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

        answer, score, status = self._choose(parsed, scored, exact, anchors, groups)
        if (
            answer is not None
            and not exact
            and (
                self._names_something_unknown(cleaned, anchors)
                or self._asks_of_something_unknown(parsed.core, anchors)
            )
        ):
            # "Sora 那种视频生成模型是什么原理": the question is about a thing the knowledge has
            # never heard of; an answer about the words around it would be a guess.
            answer, status = None, "no_answer"
        alternatives = self._alternatives(answer, scored)
        if answer is None:
            # What the question names is worth offering even when the rest of it is not
            # covered ("合成数据能代替真实数据吗"): the named entries come first.
            named = self._focus(exact, anchors, groups)
            alternatives = self._named_first(named, alternatives, scored)
            return SearchResult(status="no_answer", alternatives=alternatives, **base)
        return SearchResult(
            status=status,
            answer=Hit(self.entries[answer], score),
            alternatives=alternatives,
            **base,
        )

    def _compare(self, named: list[int], scored: dict[int, _Scored], base: dict) -> SearchResult:
        """ "UGC vs PGC": an entry that speaks of both sides answers as a best match (the
        knowledge has no comparison as such); each side's own entry is offered too."""
        sides = tuple(Hit(self.entries[i], 0.9) for i in named[:MAX_ALTERNATIVES])
        both = [s for s in scored.values() if all(self._about(s.index, i) for i in named)]
        if not both:
            return SearchResult(status="no_answer", alternatives=sides, **base)
        # A side's own entry that names the other first (a definition that contrasts them).
        best = min(both, key=lambda s: (s.index not in named, -s.coverage, s.index))
        others = tuple(h for h in sides if h.entry.id != self.entries[best.index].id)
        return SearchResult(
            status="best_match",
            answer=Hit(self.entries[best.index], max(best.coverage, 0.5)),
            alternatives=others,
            **base,
        )

    def _unglue(self, cleaned: str) -> str:
        """English words typed without their space ("autonomousdriving", "syntheticdata")
        split where both halves are words the knowledge or the lexicon knows."""

        def split(match: re.Match) -> str:
            word = match.group()
            if self._known_latin(word):
                return word
            for cut in range(3, len(word) - 2):
                left, right = word[:cut], word[cut:]
                if self._known_latin(left) and self._known_latin(right):
                    return f"{left} {right}"
            return word

        return _GLUED.sub(split, cleaned)

    def _respell(self, cleaned: str) -> str:
        """A misspelled word of an English name, in a question that says more than the name
        ("Stable Difusion 是开源的吗"), spelled as the name spells it, so the name is found:
        a word the knowledge does not know, within the typos its length allows of exactly one
        word of a name, starting with the same letter."""
        words = self._latin_name_words()
        if not words or not _LATIN_WORD.search(cleaned):
            return cleaned

        looked = 0

        def fix(match: re.Match) -> str:
            nonlocal looked
            word = match.group(0)
            budget = allowed_edits(len(word))
            if len(word) < 5 or word in words or self._known_latin(word):
                return word
            looked += 1
            if looked > MAX_RESPELLED:  # a pasted paragraph: its names are spelled right
                return word
            close = [
                w
                for w, distance, _ in process.extract(
                    word, words, scorer=DamerauLevenshtein.distance, score_cutoff=budget, limit=3
                )
                if w[0] == word[0] and distance <= allowed_edits(min(len(w), len(word)))
            ]
            return close[0] if len(close) == 1 else word

        return _LATIN_WORD.sub(fix, cleaned)

    def _latin_name_words(self) -> list[str]:
        """The English words of every name (title, alias) of the knowledge, once per process."""
        if self._latin_words is None:
            found = {
                w
                for e in self.entries
                for name in (e.title, *e.aliases)
                for w in re.findall(r"[a-z][a-z0-9\-]{3,}", fold(name))
            }
            self._latin_words = sorted(found)
        return self._latin_words

    def _known_latin(self, word: str) -> bool:
        """A Latin word the knowledge or the lexicon knows (never a bare "the" or "and")."""
        if word in STOPWORDS:
            return False
        if word in self._names:
            return True
        stem = content_tokens([word])
        return bool(stem) and (stem[0] in self._df or stem[0] in self._synonyms)

    # --- names inside the question ------------------------------------------------------------

    def _spot_names(self, cleaned: str, core: str) -> list[_Anchor]:
        """Every name of the knowledge inside the question: exactly, by sound, or misspelled.

        Longest first, without overlaps; a Latin name only as whole words ("ai" is not found
        inside "chain").
        """
        key, starts, ends = _compact_with_bounds(cleaned)
        if not key:
            return []
        found: list[_Anchor] = []
        # Every window that is a name, then the longest first without overlaps.
        hits: list[tuple[int, int]] = []
        for start, ch in enumerate(key):
            if ch not in self._name_initials:
                continue
            for end in range(min(len(key), start + self._longest_name), start + 1, -1):
                window = key[start:end]
                if window not in self._names:
                    continue
                if window.isascii() and not (start in starts and end in ends):
                    continue
                if window.isascii() and len(window) < 3 and window not in self._short_names:
                    continue
                hits.append((start, end))
        taken = [False] * len(key)
        for start, end in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
            if any(taken[start:end]):
                continue
            window = key[start:end]
            if all(a.name != window for a in found):  # a name said twice is one name
                found.append(_Anchor(window, window, tuple(self._names[window]), "exact"))
            for i in range(start, end):
                taken[i] = True
        # Homophones: runs of Chinese characters that sound like a name, looked for only in
        # what the question asks about ("什么是" never needs the sound table). A longer name
        # heard wins over a shorter one read: "预训练魔性" is 预训练模型, not 预训练.
        free = compact(core)
        for anchor in found:
            if not self._longer_names.get(anchor.surface):
                free = free.replace(anchor.surface, "\0" * len(anchor.surface))
        if self._sounds is not None and has_han(free):
            for match in self._sounds.find(free):
                # A name heard (和成数据), or a longer word of the knowledge (渐冻证 → 渐冻症),
                # which then counts as that word.
                owners = self._names.get(match.name, ())
                surface = free[match.start : match.end]
                found = [a for a in found if a.surface not in surface]
                found.append(_Anchor(surface, match.name, tuple(owners), "sound"))
        # Misspelled English words: "transfomer", "chatgtp" inside a longer question.
        for word in _LATIN_WORD.findall(cleaned):
            word_key = compact(word)
            if len(word_key) < 4 or word_key in self._names or self._df.get(word_key):
                continue
            if any(word_key in a.surface or a.surface in word_key for a in found):
                continue
            for owner, similarity in self._typo_matches(word_key):
                if similarity >= self.tuning.typo_accept:
                    name = self._name_keys(owner)[0] if self._name_keys(owner) else word_key
                    found.append(_Anchor(word_key, name, (owner,), "typo"))
                    break
        return found

    def _asks_of_something_unknown(self, core: str, anchors: Sequence[_Anchor]) -> bool:
        """ "大语言模型的幻觉问题": in "X的Y" the question is about Y. When X is a name of the
        knowledge but Y is a word it never uses, the name was only a qualifier."""
        folded = compact(core)
        for anchor in anchors:
            at = folded.find(anchor.surface + "的")
            if at < 0:
                continue
            rest = folded[at + len(anchor.surface) + 1 :]
            head = next(iter(self.segmenter.tokens(rest)), "")
            if (
                head
                and has_han(head)
                and len(head) > 1
                and head not in query_words().generic_nouns
                and self._unknown_word(head)
            ):
                return True
        return False

    def _unknown_word(self, word: str) -> bool:
        """Not a token, name or phrasing of the knowledge, nor a synonym of one."""
        if self._df.get(word) or word in self._names:
            return False
        return not any(self._df.get(t) for t in self._synonyms.get(word, ()))

    def _names_something_unknown(self, cleaned: str, anchors: Sequence[_Anchor]) -> bool:
        """A Chinese question that names a product or technique in Latin letters the
        knowledge does not know (not a word of it, not a name, not a misspelled name)."""
        if not has_han(cleaned):
            return False  # in an English question unknown words are just English
        spotted = {a.surface for a in anchors}
        for word in _LATIN_WORD.findall(cleaned):
            key = compact(word)
            if len(key) < 2 or key in STOPWORDS or key in spotted or key in self._names:
                continue
            if self._df.get(key) or self._df.get(content_tokens([key])[0] if key else key):
                continue
            if any(
                similarity >= self.tuning.typo_accept for _, similarity in self._typo_matches(key)
            ):
                continue
            return True
        return False

    def _distinct_owners(self, anchors: Sequence[_Anchor], kind: str) -> list[int]:
        out: list[int] = []
        for anchor in anchors:
            for i in anchor.owners:
                if self.entries[i].kind == kind and i not in out:
                    out.append(i)
        return out

    def _query_groups(self, parsed: ParsedQuery, anchors: Sequence[_Anchor]) -> list[_Group]:
        """What an answer must cover: each name found, each other word, each intent.

        A word the knowledge does not know that hides a question word ("分几层") is replaced
        by its meaningful pieces ("分", "层"); other unknown words stay whole and are looked
        for as substrings, so a segmentation difference never hides a match.
        """
        groups: list[_Group] = []
        for anchor in anchors:
            if not anchor.owners:  # a word heard, not a name: one word group, like typed
                token = anchor.name
                groups.append(_Group("word", tokens=(token,), weight=self._group_weight((token,))))
                continue
            keys = set()
            terms = set()
            for owner in anchor.owners:
                entry = self.entries[owner]
                if entry.kind == "term":
                    terms.add(entry.id)
                # Its other names: a term's, or those a section defines (not its heading).
                keys.update(k for k in self._name_keys(owner)[1:] if len(k) >= 2)
            keys.add(anchor.name)
            tokens = self._name_tokens(anchor.name)
            weight = self._group_weight(tokens)
            # Entries that use another of its names ("RAG" asked, "检索增强生成" in a heading)
            # are candidates too.
            for key in sorted(keys)[:MAX_NAME_KEYS]:
                tokens += tuple(t for t in self._name_tokens(key) if t not in tokens)
            groups.append(
                _Group(
                    "name",
                    tokens=tokens,
                    keys=tuple(sorted(keys)),
                    owners=frozenset(anchor.owners),
                    terms=frozenset(terms),
                    weight=weight,
                )
            )
        surfaces = [a.surface for a in anchors]
        words: list[str] = []
        for token in self.segmenter.tokens(parsed.core):
            if token not in self._df and has_han(token) and len(token) > 1:
                pieces = self.segmenter.pieces(token)
                if any(p in STOPWORDS for p in pieces):
                    # "分几层" → "分", "层"; but "过拟合" stays "拟合": single characters
                    # of an unknown word would match nearly everything.
                    content = content_tokens(pieces)
                    if all(len(p) > 1 or p in self._df for p in content):
                        words += content
                    elif content:
                        words.append("".join(content))
                    continue
            words.append(token)
        # Words that are part of a name already looked for count with the name; a generic noun
        # the knowledge never uses ("思路", "门道") says nothing about the topic.
        generic = query_words().generic_nouns
        english = not has_han(parsed.core)
        words = [
            w
            for w in words
            if not any(compact(w) in s for s in surfaces)
            and not (w in generic and w not in self._df)
        ]
        for token in dict.fromkeys(words):
            # A word people use for one of the knowledge's words (病人 → 患者) counts as it.
            synonyms = tuple(self._synonyms.get(token, ())) if self.tuning.synonyms else ()
            tokens = (token, *synonyms)
            weight = self._group_weight((token,))
            if english and not synonyms and token not in self._df and token.isascii():
                # An English question to Chinese articles: a word neither they nor the lexicon
                # know ("bring", "does") is glue more often than topic.
                weight *= self.tuning.english_unknown_weight
            groups.append(_Group("word", tokens=tokens, weight=weight))
        if groups:
            for intent, answer_words in zip(parsed.intents, parsed.intent_groups, strict=False):
                groups.append(
                    _Group(
                        "intent",
                        tokens=answer_words,
                        weight=self.tuning.intent_weight * self._idf(1),
                        name=intent,
                    )
                )
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

    def _own_haystack(self, doc: int) -> str:
        """What the entry itself says, without the headings above it: a sub-point of
        "…消费互联网、产业互联网和社会价值领域…" does not speak of 社会价值 by that."""
        return self._own_text(doc)[0]

    def _name_tokens(self, name: str) -> tuple[str, ...]:
        """A name's search tokens, remembered (names recur across questions)."""
        tokens = self._name_token_cache.get(name)
        if tokens is None:
            if len(self._name_token_cache) > MAX_REMEMBERED:
                self._name_token_cache.clear()
            tokens = tuple(self.segmenter.tokens(name)) or (name,)
            self._name_token_cache[name] = tokens
        return tokens

    def _doc_names_any(self, doc: int, keys: tuple[str, ...]) -> bool:
        cached = self._mentioned_any.get((doc, keys))
        if cached is None:
            if len(self._mentioned_any) > MAX_REMEMBERED * 16:
                self._mentioned_any.clear()
            cached = any(self._doc_mentions(doc, k) for k in keys)
            self._mentioned_any[(doc, keys)] = cached
        return cached

    def _doc_mentions(self, doc: int, key: str) -> bool:
        """Whether an entry's own text names `key`, remembered: the same names are asked about
        again and again."""
        cached = self._mentioned.get((doc, key))
        if cached is None:
            if len(self._mentioned) > MAX_REMEMBERED * 16:
                self._mentioned.clear()
            cached = self._mentioned[(doc, key)] = _mentions(self._own_text(doc), key)
        return cached

    def _own_text(self, doc: int) -> tuple[str, set[int], set[int]]:
        """The entry's own text, compact, with where its words start and end."""
        cached = self._own_haystacks.get(doc)
        if cached is None:
            e = self.entries[self._answerable[doc]]
            parts = [e.title, e.text, *e.aliases, *e.figures, e.gloss]
            cached = self._own_haystacks[doc] = _compact_with_bounds(fold(" ".join(parts)))
        return cached

    def _group_weight(self, group: tuple[str, ...]) -> float:
        dfs = [self._df.get(t, 0) for t in group]
        # A word the knowledge never uses weighs like its rarest words (unknown_weight: 1), or
        # less: a chatty word the articles never use is not always the topic.
        weight = max(
            (self._idf(df) for df in dfs if df),
            default=self.tuning.unknown_weight * self._idf(0),
        )
        if all(len(t) == 1 and has_han(t) for t in group):
            weight *= self.tuning.single_char_weight  # single characters say little alone
        return weight

    def _score(
        self,
        groups: Sequence[_Group],
        anchors: Sequence[_Anchor],
        intents: Sequence[str] = (),
    ) -> dict[int, _Scored]:
        if not groups:
            return {}
        searched = [g for g in groups if g.kind != "intent"]
        # A pasted paragraph is searched by its most telling words; this bounds the work.
        if len(searched) > MAX_QUERY_GROUPS:
            keep = {id(g) for g in sorted(searched, key=lambda g: -g.weight)[:MAX_QUERY_GROUPS]}
            groups = [g for g in groups if g.kind == "intent" or id(g) in keep]
        total = np.zeros(self._doc_count, dtype=np.float32)
        token_hits: dict[str, np.ndarray] = {}
        for group in groups:
            if group.kind == "intent":
                # Entries that speak to the intent are candidates too, but the topic leads.
                known = [w for w in group.tokens if self._df.get(w)]
                if known:
                    total += self.tuning.intent_bm25 * self._bm25.get_scores(known)
                continue
            for token in group.tokens:
                if token in token_hits:
                    continue
                if self._df.get(token):
                    scores = self._bm25.get_scores([token])
                    total += scores
                    token_hits[token] = scores > 0
                elif has_han(token) and len(token) > 1:
                    # Unknown as a token: let its pieces find candidates.
                    pieces = self.segmenter.pieces(token)
                    total += self.tuning.unknown_piece_weight * self._bm25.get_scores(pieces)
        weight_sum = sum(g.weight for g in groups)
        k = min(CANDIDATES, self._doc_count)
        top = np.argpartition(-total, k - 1)[:k] if self._doc_count > k else np.arange(k)
        candidates = {int(d) for d in top if total[d] > 0}
        # The entries a name belongs to, and their own sections, are always candidates.
        for anchor in anchors:
            for owner in anchor.owners:
                for index in (owner, *self._section_positions(owner)):
                    doc = self._doc_of.get(index)
                    if doc is not None:
                        candidates.add(doc)
        asks_list = "list" in intents
        result = {}
        for d in sorted(candidates, key=lambda d: (-total[d], d)):
            index = self._answerable[d]
            entry_terms = None
            covered = intent = 0.0
            for group in groups:
                if group.kind == "name":
                    if index in group.owners:
                        hit = True
                    else:
                        if entry_terms is None:
                            entry_terms = set(self.entries[index].terms)
                        # A section lists the terms it mentions (the build found them); only
                        # terms, and names that are not terms', are read for the name.
                        hit = bool(group.terms & entry_terms) or (
                            (not group.terms or self.entries[index].kind == "term")
                            and self._doc_names_any(d, group.keys)
                        )
                elif group.kind == "intent":
                    hit = self._speaks_to(d, group.tokens)
                    intent += hit
                else:
                    found = [
                        i
                        for i, token in enumerate(group.tokens)
                        if ((hits := token_hits.get(token)) is not None and bool(hits[d]))
                        or (has_han(token) and token in self._haystack(d))
                    ]
                    if found and found[0] > 0:  # only through a synonym: partly the same
                        covered += self.tuning.synonym_credit * group.weight
                        continue
                    hit = bool(found)
                if hit:
                    covered += group.weight
            owner = any(index in a.owners for a in anchors)
            title = self._title_key(index)
            intent_title = any(w in title for g in groups if g.kind == "intent" for w in g.tokens)
            result[index] = _Scored(
                index,
                bm25=float(total[d]),
                coverage=covered / weight_sum,
                matched=covered,
                intent=intent,
                intent_title=intent_title,
                intent_list=asks_list,
                owner=owner,
            )
        return result

    def _speaks_to(self, doc: int, answer_words: tuple[str, ...]) -> bool:
        """Whether an entry's text meets an intent: one of its answer words, or a figure
        (remembered per entry and intent)."""
        key = (doc, answer_words)
        cached = self._meets.get(key)
        if cached is None:
            if len(self._meets) > MAX_REMEMBERED * 16:
                self._meets.clear()
            cached = self._meets[key] = self._find_answer_words(doc, answer_words)
        return cached

    def _find_answer_words(self, doc: int, answer_words: tuple[str, ...]) -> bool:
        haystack = self._own_haystack(doc)
        for word in answer_words:
            if word == NUMBER_CUE:
                # The build already found the sentences that carry figures (the digest's facts).
                if self._answerable[doc] in self._with_figures:
                    return True
            elif word == YEAR_CUE:
                if _YEAR.search(haystack):
                    return True
            elif word in haystack:
                return True
        return False

    def _typo_matches(self, key: str) -> list[tuple[int, float]]:
        """Terms whose Latin name is this key misspelled, with their similarity; remembered,
        since one question asks for the same word more than once."""
        cached = self._typos.get(key)
        if cached is None:
            if len(self._typos) > MAX_REMEMBERED:
                self._typos.clear()
            cached = self._typos[key] = list(self._find_typos(key))
        return cached

    def _find_typos(self, key: str) -> Iterable[tuple[int, float]]:
        budget = allowed_edits(len(key))
        # Only Latin spellings: one other Chinese character is another word (滥用 is not 应用);
        # Chinese typos are homophones, found by sound.
        if not budget or not self._term_names or has_han(key):
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
        cutoff = self.tuning.title_suggest * 100
        return [
            (self._answerable[position], score / 100)
            for _, score, position in process.extract(
                key, self._section_titles, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
            )
        ]

    def _rank(self, s: _Scored, key: str, top_bm25: float) -> float:
        t = self.tuning
        return (
            s.coverage
            + t.rank_bm25 * s.bm25 / top_bm25
            + t.rank_name * self._name_similarity(key, s.index)
            + t.rank_intent * min(s.intent, 1.0)
            + t.rank_intent_title * s.intent_title
            + t.rank_term * s.owner
            + t.rank_overview * (s.intent_list and self._is_overview(s.index))
        )

    def _choose(
        self,
        parsed: ParsedQuery,
        scored: dict[int, _Scored],
        exact: list[int],
        anchors: Sequence[_Anchor],
        groups: Sequence[_Group],
    ) -> tuple[int | None, float, Status]:
        t = self.tuning
        top_bm25 = max((s.bm25 for s in scored.values()), default=0.0) or 1.0
        key = compact(parsed.core)
        ranked = sorted(
            (s for s in scored.values() if s.bm25 > 0 or s.owner),
            key=lambda s: (-self._rank(s, key, top_bm25), s.index),
        )
        focus = self._focus(exact, anchors, groups)
        placed = self._by_position(parsed, focus)
        if placed == AMBIGUOUS:
            return None, 0.0, "no_answer"  # which article? the ends of each are suggested
        if placed is not None:
            return placed, 1.0, "answered"
        if focus:
            return self._answer_about(focus, parsed, ranked, scored, exact)
        by_name = max(scored.values(), key=lambda s: (s.name, -s.index), default=None)
        if (
            by_name is not None
            and by_name.name >= t.typo_accept
            and self.entries[by_name.index].kind == "term"
        ):
            return by_name.index, by_name.name, "answered"
        best_topic = ranked[0] if ranked else None
        if (
            best_topic is not None
            and best_topic.coverage >= t.accept_coverage
            and best_topic.matched >= t.min_specificity * self._idf(1)
        ):
            return best_topic.index, best_topic.coverage, "answered"
        if by_name is not None and by_name.name >= t.title_accept:
            return by_name.index, by_name.name, "answered"
        enumerating = self._enumerating(parsed, ranked, groups)
        if enumerating is not None:
            return enumerating, scored[enumerating].coverage, "best_match"
        if best_topic is not None and self._clear_lead(ranked, key, top_bm25):
            return best_topic.index, best_topic.coverage, "best_match"
        return None, 0.0, "no_answer"

    def _enumerating(
        self, parsed: ParsedQuery, ranked: Sequence[_Scored], groups: Sequence[_Group]
    ) -> int | None:
        """ "AIGC有哪些应用": a broad question about a topic too general to pick an entry
        ("AIGC" is in every section) is best met by the one section that enumerates the kind
        of thing asked for: an overview (a heading with sub-sections) covering the question
        whose own heading or everyday phrasings name that kind ("应用场景", "…的风险")."""
        if "list" not in parsed.intents:
            return None
        kinds = {t for g in groups if g.kind == "word" for t in g.tokens if len(t) > 1}
        if not kinds:
            return None
        found = [
            s.index
            for s in ranked
            if s.coverage >= self.tuning.accept_coverage
            and self._is_overview(s.index)
            and any(k in label for k in kinds for label in self._labels(s.index))
        ]
        return found[0] if len(found) == 1 else None

    def _labels(self, index: int) -> list[str]:
        """A section's own heading and everyday phrasings, compact: what it says it is about."""
        entry = self.entries[index]
        return [compact(x) for x in (entry.title, *entry.phrasings)]

    def _by_position(self, parsed: ParsedQuery, focus: list[int]) -> int | None:
        """ "文章开头那段说了啥", "最后是怎么总结的": the opening or closing section of the
        article the question is about (the one its names appear in, or the only one)."""
        wanted = [n for n in ("opening", "closing") if n in parsed.intents]
        if len(wanted) != 1:
            return None
        ends = self._index.article_ends
        if not ends:
            return None
        files = {self.entries[i].source.file for i in focus}
        if focus and self.entries[focus[0]].kind == "term":
            # A term's article: the one whose sections mention it.
            files = {
                self.entries[j].source.file
                for j in self._section_positions(focus[0])
                if self.entries[j].kind == "section"
            }
        if not files and len(ends) == 1:
            files = set(ends)
        if not files:
            return AMBIGUOUS
        if len(files) != 1:
            return None
        first, last = ends.get(next(iter(files)), (None, None))
        return first if wanted[0] == "opening" else last

    def _focus(
        self, exact: list[int], anchors: Sequence[_Anchor], groups: Sequence[_Group]
    ) -> list[int]:
        """The entries the question is about: the whole question is a name, or it names
        something specific (a rare name, not "AIGC"); most specific first, one per name."""
        if exact:
            return [min(exact, key=lambda i: (self.entries[i].kind != "term", i))]
        floor = self.tuning.focus_specificity * self._idf(1)
        named = [
            (group.weight, len(anchor.name), anchor)
            for anchor, group in zip(anchors, groups, strict=False)
            if group.kind == "name" and group.weight >= floor
        ]
        focus: list[int] = []
        for _, _, anchor in sorted(named, key=lambda n: (-n[0], -n[1])):
            owner = min(anchor.owners, key=lambda i: (self.entries[i].kind != "term", i))
            if owner not in focus:
                focus.append(owner)
        return focus

    def _about(self, index: int, focus: int) -> bool:
        """Whether an entry speaks of the focus entry: is it, lists it, is its section or
        names it."""
        if index == focus:
            return True
        entry, target = self.entries[index], self.entries[focus]
        if target.id in entry.terms or entry.id in target.sections:
            return True
        doc = self._doc_of.get(index)
        if doc is None or (target.kind == "term" and entry.kind == "section"):
            return False  # a section lists the terms it mentions
        names = self._name_keys(focus)[1:] if target.kind == "term" else self._name_keys(focus)
        return any(self._doc_mentions(doc, k) for k in names)

    def _answer_about(
        self,
        focus: list[int],
        parsed: ParsedQuery,
        ranked: Sequence[_Scored],
        scored: dict[int, _Scored],
        exact: list[int],
    ) -> tuple[int | None, float, Status]:
        """The answer to a question about named things: the intent picks which entry."""
        t = self.tuning
        pool = [s for s in ranked if all(self._about(s.index, f) for f in focus)]
        wanted = len(parsed.intent_groups)
        if wanted:
            meeting = [s for s in pool if s.intent >= wanted]
            # The thing itself, when its own text answers as much of the question as anything;
            # else what speaks of it best.
            itself = next((s for s in meeting if s.index == focus[0]), None)
            best = meeting[0] if meeting else None
            # …unless another is titled for it ("三、X的风险": the name and the intent).
            asked = self._asked_words(parsed)
            titled = next(
                (
                    s
                    for s in meeting
                    if s.index != focus[0]
                    and any(w in self._title_key(s.index) for w in asked)
                    and self._title_names(s.index, focus[0])
                ),
                None,
            )
            if titled is not None and not (itself and itself.intent_title):
                chosen = titled
            elif itself and best and itself.coverage >= best.coverage:
                chosen = itself
            else:
                chosen = best
        elif len(focus) > 1:
            chosen = pool[0] if pool else None  # "X 和 Y 的关系": an entry about both
        else:
            chosen = scored.get(focus[0])
        if chosen is None:
            # Nothing speaks to what was asked of it: the thing itself is the best match.
            chosen = scored.get(focus[0]) or _Scored(focus[0])
            status: Status = "answered" if exact and not wanted else "best_match"
            return chosen.index, max(chosen.coverage, 0.5), status
        if exact or chosen.coverage >= t.accept_coverage:
            return chosen.index, max(chosen.coverage, 1.0 if exact else 0.0), "answered"
        if chosen.coverage < t.focus_min_coverage:
            return None, 0.0, "no_answer"  # a name in passing, in a question about other things
        return chosen.index, chosen.coverage, "best_match"

    def _clear_lead(self, ranked: Sequence[_Scored], key: str, top_bm25: float) -> bool:
        """A best match: partial coverage, but by telling words and ahead of the rest."""
        t = self.tuning
        best = ranked[0]
        if best.coverage < t.best_match_coverage:
            return False
        # Telling words, or every word of a question asked in the knowledge's own common words
        # ("AIGC 有哪些应用" in an article about AIGC's applications).
        specific = best.matched >= t.best_match_specificity * self._idf(1)
        if not specific and best.coverage < t.complete_coverage:
            return False
        # A term and its own section say the same thing: the lead is over the first entry
        # about something else.
        rivals = [s for s in ranked[1:] if not self._same_topic(best.index, s.index)]
        if not rivals:
            return True
        first = self._rank(best, key, top_bm25)
        second = self._rank(rivals[0], key, top_bm25)
        return first - second >= t.best_match_lead * first

    def _same_topic(self, a: int, b: int) -> bool:
        """A glossary term and a section it is drawn from (its `sections`)."""
        first, second = self.entries[a], self.entries[b]
        return first.id in second.sections or second.id in first.sections

    @staticmethod
    def _asked_words(parsed: ParsedQuery) -> list[str]:
        """The intent words the question itself used, and answer words it says literally
        (风险 in "X有哪些风险"): a heading that repeats one is written for that question."""
        said = compact(parsed.folded)
        english = not has_han(said)  # an English question: its intent's Chinese words
        words = [
            w for g in parsed.intent_groups for w in g if len(w) >= 2 and (english or w in said)
        ]
        words += [compact(p) for p in parsed.intent_phrases if len(compact(p)) >= 2]
        return [w for w in words if not w.isascii()]

    def _title_names(self, index: int, named: int) -> bool:
        """Whether an entry's own title names another entry ("三、检索增强生成的风险")."""
        title = self._title_key(index)
        target = self.entries[named]
        keys = self._name_keys(named)[1:] if target.kind == "term" else self._name_keys(named)
        return any(len(k) >= 2 and k in title for k in keys)

    def _is_overview(self, index: int) -> bool:
        """A section whose heading has sub-sections: where an article enumerates."""
        return index in self._overviews

    def _title_key(self, index: int) -> str:
        # Its own heading only: a term's heading is its theme, a sub-point's the part it is in.
        key = self._title_keys.get(index)
        if key is None:
            key = self._title_keys[index] = compact(self.entries[index].title)
        return key

    def _section_positions(self, index: int) -> list[int]:
        ids = self.entries[index].sections
        return [self._position[i] for i in ids if i in self._position]

    def _name_keys(self, index: int) -> list[str]:
        """Compact forms of an entry's title and names, folded once per entry."""
        keys = self._name_key_cache.get(index)
        if keys is None:
            entry = self.entries[index]
            names = [entry.title, *entry.aliases]
            keys = self._name_key_cache[index] = [k for k in map(compact, names) if k]
        return keys

    def _name_similarity(self, key: str, index: int) -> float:
        """How close the whole query is to the entry's title or one of its names (0..1)."""
        floor = self.tuning.name_similarity_floor
        # fuzz.ratio is at most 2·min/(sum of lengths): skip names too long or short to reach it.
        names = [
            n
            for n in self._name_keys(index)
            if 2 * min(len(n), len(key)) >= floor * (len(n) + len(key))
        ]
        result = process.extractOne(key, names, scorer=fuzz.ratio) if names else None
        similarity = result[1] / 100 if result else 0.0
        # "aigc应用" is not "aigc安全": only a close likeness says anything.
        return similarity if similarity >= self.tuning.name_similarity_floor else 0.0

    def _named_first(
        self, named: Sequence[int], alternatives: tuple[Hit, ...], scored: dict[int, _Scored]
    ) -> tuple[Hit, ...]:
        offered = {h.entry.id for h in alternatives}
        first = []
        for index in named:
            entry = self.entries[index]
            if entry.id in offered or entry.figure_only:
                continue
            item = scored.get(index)
            first.append(Hit(entry, round(max(item.coverage if item else 0.0, 0.5), 4)))
            offered.add(entry.id)
        return (*first, *alternatives)[:MAX_ALTERNATIVES]

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
            if max(item.coverage, item.name) < self.tuning.suggest_coverage:
                continue
            picked.append(Hit(self.entries[item.index], round(max(item.coverage, item.name), 4)))
            seen.add(item.index)
        return tuple(picked)
