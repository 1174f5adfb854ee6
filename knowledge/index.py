"""The search index derived from a knowledge file, cached per user so big files start fast.

Parsing a 100,000-entry knowledge file and indexing it takes seconds; unpickling the
finished index takes a fraction of that. The cache key is a hash of the file's bytes, so a
rebuilt knowledge file never meets a stale index. Entries stay as JSON text until asked for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s

from knowledge.articles import strip_enumeration
from knowledge.model import Entry
from knowledge.text import compact, has_han, is_han

log = logging.getLogger(__name__)

SUPPORTED_FORMAT = 1
INDEX_SCHEMA = 13  # bump when KnowledgeIndex changes shape


class KnowledgeDataError(ValueError):
    """The knowledge data is not what the build writes."""


@dataclass
class KnowledgeIndex:
    entry_json: list[str]  # one JSON object per entry, decoded on demand
    entry_ids: list[str]
    term_positions: list[int]
    answerable: list[int]  # entries that may answer (figure-only headings may not)
    articles: list[dict]
    vocabulary: dict
    names: dict[str, list[int]]  # compact name → entry positions
    term_names: list[str]  # compact names typos are matched against
    term_name_owner: list[int]
    section_titles: list[str]  # compact titles, aligned with `answerable`
    bm25: bm25s.BM25
    df: dict[str, int]  # in how many answerable entries each token occurs
    facts: list[dict]
    # Chinese names with their toneless syllables, for homophone matching (knowledge.sounds).
    name_sounds: list[tuple[str, tuple[str, ...]]]
    # Chinese names inside longer ones (预训练 in 预训练模型): a homophone of the longer may hide
    # behind an exact match of the shorter.
    longer_names: dict[str, list[str]]
    name_initials: frozenset[str]  # characters a name starts with (spotting skips the rest)
    longest_name: int
    short_names: frozenset[str]  # two-letter abbreviations, the only Latin names that short
    overviews: list[int]  # sections whose heading has sub-sections (they enumerate)
    synonyms: dict[str, list[str]]  # a word people use → the knowledge's words for it
    article_ends: dict[str, tuple[int, int]]  # article file → its first and last section

    @classmethod
    def from_data(
        cls, data: dict, known_sounds: Mapping[str, tuple[str, ...]] | None = None
    ) -> KnowledgeIndex:
        """The index of parsed knowledge data. `known_sounds`: syllables of names already worked
        out (a base index's `name_sounds`), reused instead of asking pypinyin again."""
        if not isinstance(data, dict) or data.get("format") != SUPPORTED_FORMAT:
            raise KnowledgeDataError(f"not a format-{SUPPORTED_FORMAT} knowledge file")
        raw_entries = data["entries"]
        entries = [Entry.from_dict(e) for e in raw_entries]
        answerable = [i for i, e in enumerate(entries) if not e.figure_only]
        bm25 = bm25s.BM25()
        corpus = [raw_entries[i].get("tokens", "").split() or ["∅"] for i in answerable]
        bm25.index(corpus, show_progress=False)
        df: dict[str, int] = {}
        for tokens in corpus:
            for token in set(tokens):
                df[token] = df.get(token, 0) + 1

        names: dict[str, list[int]] = {}
        term_names: list[str] = []
        term_name_owner: list[int] = []
        for i in answerable:
            entry = entries[i]
            is_term = entry.kind == "term"
            own_names = (
                [*entry.aliases, *entry.pinyin]
                if is_term
                else [entry.title, strip_enumeration(entry.title), *entry.aliases]
            )
            # Everyday phrasings are found in questions like names, but never as typos.
            for name in [*own_names, *entry.phrasings]:
                key = compact(name)
                if not key:
                    continue
                owners = names.setdefault(key, [])
                if i not in owners:
                    owners.append(i)
                if is_term and name in own_names:
                    term_names.append(key)
                    term_name_owner.append(i)
        vocabulary = data["vocabulary"]
        return cls(
            entry_json=[json.dumps(e, ensure_ascii=False) for e in raw_entries],
            entry_ids=[e.id for e in entries],
            term_positions=[i for i, e in enumerate(entries) if e.kind == "term"],
            answerable=answerable,
            articles=[
                {
                    **article,
                    "entry_ids": [
                        e.id
                        for e in entries
                        if e.kind == "section" and e.source.file == article["file"]
                    ],
                }
                for article in data.get("articles", [])
            ],
            vocabulary={"total": int(vocabulary["total"]), "words": vocabulary["words"]},
            names=names,
            term_names=term_names,
            term_name_owner=term_name_owner,
            section_titles=[compact(entries[i].title) for i in answerable],
            bm25=bm25,
            df=df,
            facts=list(data.get("facts", [])),
            name_sounds=(
                sounds := _name_sounds(
                    [*names, *(t for t in df if 3 <= len(t) <= 8 and t not in names)],
                    known_sounds,
                )
            ),
            longer_names=_longer_names(n for n, _ in sounds),
            name_initials=frozenset(k[0] for k in names if k),
            longest_name=max((len(k) for k in names), default=0),
            overviews=_overviews(entries),
            article_ends=_article_ends(entries, answerable),
            # Targets are looked for as tokens, and Chinese ones also inside the text.
            synonyms={
                word: [t for t in targets if t in df or has_han(t)]
                for word, targets in data.get("synonyms", {}).items()
            },
            short_names=frozenset(
                k for k in (compact(entries[i].abbr) for i in answerable) if len(k) == 2
            ),
        )


def _article_ends(entries: list[Entry], answerable: list[int]) -> dict[str, tuple[int, int]]:
    ends: dict[str, tuple[int, int]] = {}
    for i in answerable:
        entry = entries[i]
        if entry.kind == "section":
            first, _ = ends.get(entry.source.file, (i, i))
            ends[entry.source.file] = (first, i)
    return ends


def _overviews(entries: list[Entry]) -> list[int]:
    paths = {(e.source.file, e.source.heading_path) for e in entries if e.kind == "section"}
    prefixes = {(file, path[:n]) for file, path in paths for n in range(1, len(path))}
    return [
        i
        for i, e in enumerate(entries)
        if e.kind == "section" and (e.source.file, e.source.heading_path) in prefixes
    ]


def _longer_names(names: Iterable[str]) -> dict[str, list[str]]:
    known = set(names)
    longer: dict[str, list[str]] = {}
    for name in sorted(known):
        for size in range(2, len(name)):
            for start in range(len(name) - size + 1):
                part = name[start : start + size]
                if part in known:
                    longer.setdefault(part, []).append(name)
    return longer


def _name_sounds(
    names: Iterable[str], known: Mapping[str, tuple[str, ...]] | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """Toneless syllables of every all-Chinese name (and longer word of the knowledge), one per
    character (phrase-aware)."""
    han_names = [k for k in names if 2 <= len(k) <= 12 and is_han(k)]
    if not han_names:
        return []
    known = known or {}
    if any(name not in known for name in han_names):
        from pypinyin import Style, lazy_pinyin  # slow to import: only when an index is built

    out = []
    for name in sorted(han_names):
        syllables = known.get(name) or tuple(
            s.replace("ü", "v") for s in lazy_pinyin(name, style=Style.NORMAL)
        )
        if len(syllables) == len(name):
            out.append((name, syllables))
    return out


class EntryList(Sequence[Entry]):
    """The entries, decoded from JSON the first time each is used."""

    def __init__(self, entry_json: list[str]) -> None:
        self._json = entry_json
        self._decoded: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self._json)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        entry = self._decoded.get(index)
        if entry is None:
            entry = self._decoded[index] = Entry.from_dict(json.loads(self._json[index]))
        return entry

    def __iter__(self) -> Iterator[Entry]:
        return (self[i] for i in range(len(self)))


def load_index(raw: bytes, cache_dir: Path | None) -> KnowledgeIndex:
    """The index for these knowledge-file bytes: from the cache, or built (and cached)."""
    key = hashlib.sha1(raw).hexdigest()
    cache_file = None
    if cache_dir is not None:
        cache_file = cache_dir / f"index-{INDEX_SCHEMA}-{bm25s.__version__}-{key}.pickle"
        try:
            with cache_file.open("rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            pass
        except Exception as exc:  # a damaged cache is rebuilt, never fatal
            log.warning("ignoring unreadable index cache %s: %s", cache_file, exc)
    index = KnowledgeIndex.from_data(json.loads(raw))
    if cache_file is not None:
        _write_cache(cache_file, index)
    return index


def _write_cache(path: Path, index: KnowledgeIndex) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Keep the few most recent indexes (tests and benchmarks load several files).
        cached = sorted(path.parent.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in cached[:-3]:
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, path)
    except OSError as exc:  # a read-only home still answers, only slower to start
        log.warning("could not cache the search index in %s: %s", path.parent, exc)
