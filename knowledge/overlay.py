"""Team terms: definitions a team approves in Slack, layered over the knowledge file.

An approved term becomes a glossary term entry built the way the build builds one
(`knowledge.glossary.term_entry`, the build's tokens and vocabulary), so it is found exactly like
a built-in term: by its names, aliases, pinyin, homophones, typos and everyday phrasings. A new
term answers as its key ("team:<n>"); a correction answers as the built-in entry id it replaces,
with the built-in's names plus its own, until its row is gone and the built-in comes back.

`with_overlay` makes a new `Knowledge` from a loaded one and the approved terms, without reading
the knowledge file again and without touching the base (other teams keep using it). Approved
terms the knowledge file already holds (after `export_glossary` → glossary.toml → rebuild) are
skipped and reported as retired, so nothing answers twice.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.cleaning import _BROADCAST_WORD, _MARKUP
from knowledge.index import KnowledgeIndex
from knowledge.model import THEMES, Entry
from knowledge.text import Segmenter, compact, fold, has_han

if TYPE_CHECKING:
    from knowledge.search import Knowledge

MAX_DEFINITION_CHARS = 600
MAX_NAME_CHARS = 40  # the longest name the search looks for inside a question
MAX_ALIASES = 30
OVERLAY_FILE = "team"  # source.file of overlay entries
OVERLAY_ARTICLE = "团队补充"  # source.article of overlay entries
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_SPACES = re.compile(r"\s+")
MAX_REMEMBERED_SOUNDS = 200_000
MAX_REMEMBERED_ENTRIES = 20_000  # overlay entries and token lists remembered per base
# Toneless syllables of names met in earlier merges: an approval merges every term again.
_SOUNDS: dict[str, tuple[str, ...]] = {}
_name_key = lru_cache(maxsize=65_536)(compact)  # names recur in every merge of a team's terms
# Joiners inside emoji sequences are format characters too, and harmless.
_ALLOWED_FORMAT = {"\u200d"}


@dataclass(frozen=True)
class TeamTerm:
    """What a suggestion proposes and an approval makes live."""

    zh: str  # 中文名 (required unless en given)
    en: str = ""
    abbr: str = ""
    aliases: tuple[str, ...] = ()  # aliases and everyday phrasings, one list
    definition: str = ""  # required, ≤ MAX_DEFINITION_CHARS characters
    theme: str = ""  # one of knowledge.model.THEMES
    section_id: str = ""  # an article section entry id it relates to, or ""
    replaces: str = ""  # a built-in entry id this corrects ("term:maas"), or "" for a new term

    def __post_init__(self) -> None:
        # A list given for aliases would make the term unhashable (merges remember terms).
        object.__setattr__(self, "aliases", tuple(self.aliases))

    @property
    def names(self) -> list[str]:
        """Every name it answers to, most canonical first, stripped, without duplicates."""
        seen: dict[str, str] = {}
        for name in (self.zh, self.abbr, self.en, *self.aliases):
            name = name.strip()
            if (key := _name_key(name)) and key not in seen:
                seen[key] = name
        return list(seen.values())


@dataclass(frozen=True)
class ApprovedTerm:
    """One live overlay row."""

    key: str  # the entry id it answers as: `replaces` for a correction, else "team:<n>"
    term: TeamTerm
    approved_by: str  # Slack user id
    approved_on: str  # ISO date "2026-12-01"


@dataclass(frozen=True)
class TermProblem:
    """Why a term cannot be approved as it is. `code` is translated by the caller.

    field: "zh" | "en" | "abbr" | "aliases" | "definition" | "theme" | "section_id" | "replaces"
    code: "required" | "too_long" | "too_short" | "too_many" | "empty_name" | "name_taken" |
    "duplicate_name" | "asks_question" | "question_phrase" | "unknown_theme" |
    "unknown_section" | "unknown_entry" | "unsafe_text"
    detail: the title of the entry that owns a taken name; for an alias, "alias" or
    "alias → owner title"; the length for too_long / too_many.
    """

    field: str
    code: str
    detail: str = ""


@dataclass(frozen=True)
class OverlayResult:
    knowledge: Knowledge  # base + approved, searched exactly like built-in terms
    retired: tuple[str, ...]  # keys of approved terms the knowledge file already holds: skipped
    # keys of approved terms some of whose names a term of the knowledge file now claims (a
    # rebuild added them): those names were left out, the file's own term keeps them
    clashes: tuple[str, ...] = field(default=())


# --- validation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owner:
    entry_id: str
    title: str


# Per Knowledge object: compact name → the entries that claim it (terms' names first, then any
# entry's phrasings). Knowledge objects are immutable, so this is worked out once per object.
_claims_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _claims(knowledge: Knowledge) -> dict[str, list[_Owner]]:
    cached = _claims_cache.get(knowledge)
    if cached is not None:
        return cached
    named: dict[str, list[_Owner]] = {}
    phrased: dict[str, list[_Owner]] = {}
    for entry in knowledge.entries:
        owner = _Owner(entry.id, entry.title)
        if entry.kind == "term":
            for key in {_name_key(n) for n in (entry.zh, entry.abbr, entry.en, *entry.aliases)}:
                if key:
                    named.setdefault(key, []).append(owner)
        for key in {_name_key(p) for p in entry.phrasings}:
            if key:
                phrased.setdefault(key, []).append(owner)
    # The build refuses a name that is any entry's phrasing, shared or not.
    claims = {k: [*named.get(k, ()), *phrased.get(k, ())] for k in {*named, *phrased}}
    _claims_cache[knowledge] = claims
    return claims


def _unsafe(text: str, multiline: bool = False) -> bool:
    """Slack markup that pings or disguises (<!channel>, <@U1>, <https://x|y>, @here) or
    control and invisible characters."""
    if _MARKUP.search(text) or _BROADCAST_WORD.search(text):
        return True
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if ch in _ALLOWED_FORMAT:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            return True
    return False


def check_term(knowledge: Knowledge, term: TeamTerm) -> list[TermProblem]:
    """Everything wrong with `term`, validated like the build validates the glossary: required
    fields and lengths, no name another term of `knowledge` (overlay terms included) or any
    entry's phrasing claims except the entry it replaces, no name twice, aliases that name the
    topic rather than ask about it, Slack-safe text, a known theme and section. Empty: fine."""
    from knowledge.glossary import _QUESTION_WORDS, _question_phrases

    problems: list[TermProblem] = []
    zh, en, abbr = term.zh.strip(), term.en.strip(), term.abbr.strip()
    definition = term.definition.strip()
    if not zh and not en:
        problems.append(TermProblem("zh", "required"))
    if not definition:
        problems.append(TermProblem("definition", "required"))
    elif len(definition) > MAX_DEFINITION_CHARS:
        problems.append(TermProblem("definition", "too_long", str(len(definition))))
    elif _unsafe(definition, multiline=True):
        problems.append(TermProblem("definition", "unsafe_text"))
    theme = term.theme.strip()
    if not theme:
        problems.append(TermProblem("theme", "required"))
    elif theme not in THEMES:
        problems.append(TermProblem("theme", "unknown_theme", theme))
    if term.section_id:
        section = knowledge.get(term.section_id)
        if section is None or section.kind != "section":
            problems.append(TermProblem("section_id", "unknown_section", term.section_id))
    replaced = knowledge.get(term.replaces) if term.replaces else None
    if term.replaces and (replaced is None or replaced.kind != "term"):
        problems.append(TermProblem("replaces", "unknown_entry", term.replaces))
    if len(term.aliases) > MAX_ALIASES:
        problems.append(TermProblem("aliases", "too_many", str(len(term.aliases))))

    claims = _claims(knowledge)
    question_phrases = _question_phrases()
    # A correction keeps what it corrects: its everyday phrasings among the aliases stay
    # phrasings (they may be shared with other entries), never new names.
    its_phrasings = {_name_key(p) for p in replaced.phrasings} if replaced else set()
    # ... and the names it already has pass as they are: the glossary's own rules admitted them
    # (an English name longer than MAX_NAME_CHARS, an alias such as 安全问题).
    its_names = (
        {compact(n) for n in (replaced.zh, replaced.en, replaced.abbr, *replaced.aliases)} - {""}
        if replaced
        else set()
    )
    seen: set[str] = set()
    named = [("zh", zh), ("abbr", abbr), ("en", en)] + [
        ("aliases", a.strip()) for a in term.aliases
    ]
    for field_name, name in named:
        is_alias = field_name == "aliases"
        if not name and not is_alias:
            continue

        def problem(code: str, detail: str = "", _field: str = field_name, _name: str = name):
            if _field == "aliases":
                detail = f"{_name} → {detail}" if detail else _name
            problems.append(TermProblem(_field, code, detail))

        key = compact(name)
        if _unsafe(name):
            problem("unsafe_text")
            continue
        if not key:
            problem("empty_name")
            continue
        kept = key in its_names
        if len(name) > MAX_NAME_CHARS and not kept:
            problem("too_long", "" if is_alias else str(len(name)))
            continue
        if len(key) < 2 and not kept:
            problem("too_short")
            continue
        if key in seen:
            # zh, abbr and en may coincide (an English-only term); an alias adds a new name.
            if is_alias:
                problem("duplicate_name")
            continue
        seen.add(key)
        if is_alias and key in its_phrasings:
            continue
        if is_alias and not kept:
            # Aliases double as everyday phrasings: they name the topic, never ask about it.
            if key in question_phrases:
                problem("question_phrase")
                continue
            if _QUESTION_WORDS.search(fold(name)):
                problem("asks_question")
                continue
        others = [o for o in claims.get(key, ()) if o.entry_id != term.replaces]
        if others:
            problem("name_taken", others[0].title)
    return problems


# --- the overlay ----------------------------------------------------------------------------


def _normalized(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _names(term: TeamTerm, aliases: Iterable[str], phrasings: Iterable[str]) -> list[str]:
    """A correction's names: its own, but for the corrected entry's everyday phrasings (they
    stay phrasings), then the corrected entry's names."""
    phrased = {_name_key(p) for p in phrasings}
    head = {_name_key(n) for n in (term.zh, term.abbr, term.en)}
    own = [n for n in term.names if _name_key(n) in head or _name_key(n) not in phrased]
    seen = {_name_key(n) for n in own}
    return own + [n for n in aliases if n and _name_key(n) not in seen]


def _names_of(entry: Entry) -> set[str]:
    return {
        k for k in (_name_key(n) for n in (entry.zh, entry.abbr, entry.en, *entry.aliases)) if k
    }


def _already_in(base: Knowledge, approved: ApprovedTerm) -> bool:
    """Whether a term of the knowledge file says the same: the same definition and every name
    of the approved term (it was exported and the file rebuilt)."""
    definition = _normalized(approved.term.definition)
    names = {_name_key(n) for n in approved.term.names}
    return any(
        names <= _names_of(e) | {_name_key(p) for p in e.phrasings}
        for e in _file_terms_by_text(base).get(definition, ())
    )


_by_text_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _file_terms_by_text(base: Knowledge) -> dict[str, list[Entry]]:
    cached = _by_text_cache.get(base)
    if cached is None:
        cached = {}
        for entry in base.terms():
            if entry.source.file != OVERLAY_FILE:
                cached.setdefault(_normalized(entry.text), []).append(entry)
        _by_text_cache[base] = cached
    return cached


class _Memo:
    """What merges over one base knowledge remember: an approval merges all of a team's terms
    again, and most of them are as they were (their entries, their tokens)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, str] = OrderedDict()  # (row, names, link) → JSON
        self.tokens: OrderedDict[tuple, str] = OrderedDict()  # (text, added words in it) → tokens
        self.frequencies: dict[str, int] = {}  # a new word → its vocabulary frequency
        self._texts: tuple[dict[str, str], str] | None = None

    @staticmethod
    def remember(table: OrderedDict, key: tuple, value: str) -> None:
        table[key] = value
        if len(table) > MAX_REMEMBERED_ENTRIES:
            table.popitem(last=False)

    def base_texts(self, index: KnowledgeIndex) -> tuple[dict[str, str], str]:
        """The base entries' index texts, folded, by id, and all of them joined."""
        from knowledge.build import _index_text

        if self._texts is None:
            base = (json.loads(raw) for raw in index.entry_json)
            texts = {e["id"]: fold(_index_text(e)) for e in base}
            self._texts = (texts, "\n".join(texts.values()))
        return self._texts


_memos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo(base: Knowledge) -> _Memo:
    memo = _memos.get(base)
    if memo is None:
        memo = _memos[base] = _Memo()
    return memo


def _live(approved: Sequence[ApprovedTerm]) -> list[ApprovedTerm]:
    """One row per key, the last given winning, in the order given."""
    last = {a.key: a for a in approved}
    return [a for a in approved if last[a.key] is a]


def with_overlay(base: Knowledge, approved: Sequence[ApprovedTerm]) -> OverlayResult:
    """`base` with the approved terms as glossary term entries, searched like built-in ones.

    The base data is rebuilt from the loaded index (never from the file), the approved terms'
    entries are made as the build makes term entries, their Chinese names join the vocabulary so
    questions cut them whole, the entries whose text holds a new word are tokenized again, and
    sections list the overlay terms they mention, as the build lists terms. `base` is unchanged.
    """
    from knowledge.build import _index_text
    from knowledge.search import Knowledge

    rows = _live(approved)
    retired = tuple(a.key for a in rows if _already_in(base, a))
    rows = [a for a in rows if a.key not in retired]
    if not rows:
        return OverlayResult(base, retired)

    index: KnowledgeIndex = base._index  # the loaded data; decoded afresh, so base stays as is
    entries: list[dict] = [json.loads(raw) for raw in index.entry_json]
    position = {e["id"]: i for i, e in enumerate(entries)}
    # Names the knowledge file's terms own: a rebuild may have given one to its own term.
    file_names: dict[str, str] = {}
    for entry in entries:
        if entry["kind"] == "term":
            for name in entry["aliases"]:
                file_names.setdefault(_name_key(name), entry["id"])

    memo = _memo(base)
    clashes: list[str] = []
    overlay: list[dict] = []
    claimed: dict[str, str] = {}  # compact name → overlay key
    for row in rows:
        term = row.term
        replaced = entries[position[row.key]] if row.key in position else None
        if replaced is not None and replaced["kind"] != "term":
            replaced = None
        names = _names(term, replaced["aliases"], replaced["phrasings"]) if replaced else term.names
        kept: dict[str, str] = {}  # compact → name
        for name in names:
            key = _name_key(name)
            owner = file_names.get(key)
            if (owner is not None and owner != row.key) or claimed.get(key, row.key) != row.key:
                if row.key not in clashes:
                    clashes.append(row.key)
                continue
            kept.setdefault(key, name)
        if not kept:
            continue
        claimed.update(dict.fromkeys(kept, row.key))
        section = entries[position[term.section_id]] if term.section_id in position else None
        linked = section["id"] if section is not None and section["kind"] == "section" else ""
        remembered = (row, tuple(kept.values()), linked)
        made = memo.entries.get(remembered)
        if made is None:
            made = json.dumps(_term_entry(row, replaced, kept, linked), ensure_ascii=False)
            memo.remember(memo.entries, remembered, made)
        overlay.append(json.loads(made))

    # Corrections take their built-in's place; new terms follow the built-in terms, as the
    # build puts terms before sections.
    new_terms = []
    for entry in overlay:
        if entry["id"] in position and entries[position[entry["id"]]]["kind"] == "term":
            entries[position[entry["id"]]] = entry
        else:
            new_terms.append(entry)
    last_term = max((i for i, e in enumerate(entries) if e["kind"] == "term"), default=-1)
    entries[last_term + 1 : last_term + 1] = new_terms
    touched = {e["id"] for e in overlay}

    # A name a term claims is no longer a name a section defines (the build gives it the term).
    for entry in entries:
        if entry["kind"] == "section" and entry.get("aliases"):
            own = [a for a in entry["aliases"] if _name_key(a) not in claimed]
            if len(own) != len(entry["aliases"]):
                entry["aliases"] = own
                touched.add(entry["id"])

    # The overlay's Chinese names are cut whole, as the build adds glossary names to jieba.
    vocabulary = index.vocabulary
    total = int(vocabulary["total"])
    frequencies = {w: int(f) for w, f in vocabulary["words"]}
    names = (n for e in overlay for n in e["aliases"])
    added = _vocabulary_words(base.segmenter, frequencies, total, names, memo.frequencies)
    if added:
        frequencies.update(added)
        words = sorted([w, f] for w, f in frequencies.items())
        segmenter = Segmenter(((w, f) for w, f in words), total)
        # The knowledge's own entries that hold a new word are cut again, as a rebuild would.
        texts, everything = memo.base_texts(index)
        found = [word for word in added if word in everything]
        for entry_id, text in texts.items():
            if entry_id not in touched and any(word in text for word in found):
                touched.add(entry_id)
    else:
        words = [list(w) for w in vocabulary["words"]]
        segmenter = base.segmenter
    # A text's tokens depend only on the vocabulary's words inside it: the base's, and the added
    # ones found in it, so they are remembered under the text and those added words.
    sizes = sorted({len(w) for w in added})
    for entry in entries:
        if entry["id"] in touched:
            text = _index_text(entry)
            remembered = (text, _words_inside(fold(text), added, sizes))
            tokens = memo.tokens.get(remembered)
            if tokens is None:
                tokens = " ".join(segmenter.index_tokens(text))
                memo.remember(memo.tokens, remembered, tokens)
            entry["tokens"] = tokens

    _list_mentioned_terms(entries, overlay)
    data = {
        "format": 1,
        "articles": [{k: v for k, v in a.items() if k != "entry_ids"} for a in index.articles],
        "vocabulary": {"total": total, "words": words},
        "entries": entries,
        "facts": [dict(f) for f in index.facts],
        "synonyms": {word: list(targets) for word, targets in index.synonyms.items()},
    }
    # Syllables already worked out (the base's names, earlier merges' names) are not asked again.
    known = {**_SOUNDS, **dict(index.name_sounds)}
    merged = KnowledgeIndex.from_data(data, known_sounds=known)
    if len(_SOUNDS) > MAX_REMEMBERED_SOUNDS:
        _SOUNDS.clear()
    _SOUNDS.update(merged.name_sounds)
    knowledge = Knowledge(merged, base.path, base.tuning)
    return OverlayResult(knowledge, retired, tuple(clashes))


def _term_entry(
    row: ApprovedTerm, replaced: dict | None, kept: dict[str, str], linked: str
) -> dict:
    """The entry of an approved term, made as the build makes a glossary term's entry: its
    names the kept ones, a correction keeping its built-in's links, related terms and phrasings
    (and gloss, while the definition says the same)."""
    from knowledge.glossary import Term, term_entry
    from knowledge.text import pinyin_key

    term = row.term
    definition = term.definition.strip()
    links = list(replaced["sections"]) if replaced else []
    if linked and linked not in links:
        links.append(linked)
    same_text = replaced is not None and _normalized(replaced["text"]) == _normalized(definition)
    glossary_term = Term(
        id=row.key,
        zh=term.zh.strip() or term.en.strip(),
        en=term.en.strip(),
        abbr=term.abbr.strip(),
        # Its names are the kept ones, in order (zh, abbr, en first, as Term.names orders).
        aliases=list(kept.values()),
        theme=term.theme.strip() or (replaced["theme"] if replaced else THEMES[0]),
        definition=definition,
        gloss=replaced["gloss"] if replaced and same_text else "",
        sections=[],
        related=[],
        line=0,
    )
    phrasings = [p for p in (replaced["phrasings"] if replaced else ()) if _name_key(p) not in kept]
    entry = term_entry(glossary_term, OVERLAY_FILE, links, phrasings)
    if len(entry["aliases"]) != len(kept):  # a clash dropped its zh, abbr or en
        entry["aliases"] = list(kept.values())
        entry["pinyin"] = sorted({pinyin_key(n) for n in kept.values() if has_han(n)} - {""})
    entry.update(
        id=row.key,
        related=list(replaced["related"]) if replaced else [],
        approved_by=row.approved_by,
        approved_on=row.approved_on,
    )
    entry["source"].update(article=OVERLAY_ARTICLE, lines=[0, 0])
    return entry


def _words_inside(text: str, words: dict[str, int], sizes: list[int]) -> tuple[str, ...]:
    found = set()
    for size in sizes:
        for start in range(len(text) - size + 1):
            if text[start : start + size] in words:
                found.add(text[start : start + size])
    return tuple(sorted(found))


def _vocabulary_words(
    segmenter: Segmenter,
    frequencies: dict[str, int],
    total: int,
    names: Iterable[str],
    known: dict[str, int],
) -> dict[str, int]:
    """Frequencies that make jieba cut each Chinese name whole: jieba's `suggest_freq` over the
    knowledge's vocabulary (the build asks jieba's full dictionary; the search only has this).
    `known`: what earlier merges over the same vocabulary found (0: already a word)."""
    added: dict[str, int] = {}
    for name in names:
        word = fold(name)
        if not has_han(word) or " " in word or word in added:
            continue
        suggested = known.get(word)
        if suggested is None:
            pieces = segmenter.pieces(word)
            if pieces == [word]:
                suggested = 0  # already a word of the vocabulary
            else:
                probability = math.prod((frequencies.get(p) or 1) / total for p in pieces)
                suggested = max(int(probability * total) + 1, frequencies.get(word) or 1)
            if len(known) < MAX_REMEMBERED_ENTRIES:
                known[word] = suggested
        if suggested:
            added[word] = suggested
    return added


def _list_mentioned_terms(entries: list[dict], overlay: list[dict]) -> None:
    """Each section lists the overlay terms its text names, as the build lists glossary terms."""
    sections = [e for e in entries if e["kind"] == "section"]
    bodies = [compact(e["text"] + " ".join(e.get("figures", ()))) for e in sections]
    everything = "\n".join(bodies)
    ids = {e["id"] for e in overlay}
    mentioned: dict[int, set[str]] = {}
    for entry in overlay:
        keys = [k for k in (_name_key(n) for n in entry["aliases"]) if k and k in everything]
        for n, body in enumerate(bodies):
            if any(k in body for k in keys):
                mentioned.setdefault(n, set()).add(entry["id"])
    order = {e["id"]: i for i, e in enumerate(entries)}
    for n, section in enumerate(sections):
        found = mentioned.get(n, set())
        terms = [t for t in section.get("terms", []) if t not in ids]
        if found or len(terms) != len(section.get("terms", [])):
            section["terms"] = sorted([*terms, *found], key=lambda t: order.get(t, len(order)))


# --- back to the glossary -------------------------------------------------------------------


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug if _SLUG.fullmatch(slug) else ""


def _order(row: ApprovedTerm) -> tuple:
    """Corrections by the id they correct, then new terms by their number."""
    prefix, _, number = row.key.partition(":")
    return (prefix == "team", int(number) if number.isdigit() else 0, row.key)


def _heading_link(entry: Entry) -> str:
    """A section entry as a glossary `sections` link: "file-stem#its own heading"."""
    heading = entry.source.heading_path[-1] if entry.source.heading_path else entry.title
    return f"{Path(entry.source.file).stem}#{heading}"


def export_glossary(approved: Sequence[ApprovedTerm], base: Knowledge | None = None) -> str:
    """The approved terms as glossary.toml `[[term]]` tables, in a stable order, each with a
    comment naming who approved it and when. A correction keeps its built-in's id (its table
    replaces the built-in's: `merge_glossary` does that); a new term gets an id from its English
    name or abbreviation, else "team-<n>".

    With `base` (the knowledge file the terms were approved against), terms it already holds are
    left out, a correction keeps its built-in's related terms, phrasings and links, and the
    related article section is written as a heading link; without it, sections and related
    terms are left out.
    """
    rows = sorted(_live(approved), key=_order)
    if base is not None:
        rows = [a for a in rows if not _already_in(base, a)]
    taken = {e.id.removeprefix("term:") for e in base.terms()} if base is not None else set()
    blocks = []
    for row in rows:
        term = row.term
        replaced = base.get(row.key) if base is not None else None
        if replaced is not None and replaced.kind != "term":
            replaced = None
        correction = row.key.startswith("term:") and (base is None or replaced is not None)
        if correction:
            term_id = row.key.removeprefix("term:")
        else:
            number = row.key.partition(":")[2]
            term_id = next(
                (
                    s
                    for s in (_slug(term.en), _slug(term.abbr))
                    if s and s not in taken and not s.startswith("team-")
                ),
                f"team-{_slug(number) or len(taken) + 1}",
            )
        taken.add(term_id)
        zh = term.zh.strip() or term.en.strip()
        en, abbr = term.en.strip(), term.abbr.strip()
        names = _names(term, replaced.aliases, replaced.phrasings) if replaced else term.names
        head = {_name_key(zh), _name_key(en), _name_key(abbr)}
        aliases: list[str] = []
        for name in names:
            if _name_key(name) not in head and _name_key(name) not in {
                _name_key(a) for a in aliases
            }:
                aliases.append(name)
        definition = term.definition.strip()
        lines = [f"# {OVERLAY_ARTICLE} · approved by {row.approved_by} on {row.approved_on}"]
        if correction:
            lines.append(f"# corrects term '{term_id}': this table replaces the built-in one")
        lines += ["[[term]]", f"id = {_toml_string(term_id)}", f"zh = {_toml_string(zh)}"]
        if en:
            lines.append(f"en = {_toml_string(en)}")
        if abbr:
            lines.append(f"abbr = {_toml_string(abbr)}")
        lines.append(f"aliases = {_toml_list(aliases)}")
        if replaced is not None and base is not None:
            keys = {_name_key(n) for n in names}
            phrasings = [p for p in replaced.phrasings if _name_key(p) not in keys]
            # A phrasing another entry has too is a shared one (the build insists).
            shared = [p for p in phrasings if len(_claims(base).get(_name_key(p), ())) > 1]
            if own := [p for p in phrasings if p not in shared]:
                lines.append(f"phrasings = {_toml_list(own)}")
            if shared:
                lines.append(f"shared_phrasings = {_toml_list(shared)}")
        theme = term.theme.strip() or (replaced.theme if replaced else THEMES[0])
        lines += [f"theme = {_toml_string(theme)}", f"definition = {_toml_string(definition)}"]
        if replaced and replaced.gloss and _normalized(replaced.text) == _normalized(definition):
            lines.append(f"gloss = {_toml_string(replaced.gloss)}")
        sections: list[str] = []
        if base is not None:
            ids = [*(replaced.sections if replaced else ()), term.section_id]
            for section_id in ids:
                section = base.get(section_id) if section_id else None
                if section is not None and section.kind == "section":
                    link = _heading_link(section)
                    if link not in sections:
                        sections.append(link)
        if sections:
            lines.append(f"sections = {_toml_list(sections)}")
        related = [
            r.removeprefix("term:")
            for r in (replaced.related if replaced else ())
            if r.startswith("term:") and base is not None and base.get(r) is not None
        ]
        if related:
            lines.append(f"related = {_toml_list(related)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def merge_glossary(
    glossary_text: str, approved: Sequence[ApprovedTerm], base: Knowledge | None = None
) -> str:
    """glossary.toml text with the approved terms in: the tables of corrected terms removed,
    the export appended. What `python -m bot knowledge export --into` writes."""
    exported = export_glossary(approved, base)
    corrected = set(re.findall(r"^# corrects term '([^']+)'", exported, flags=re.M))
    lines = glossary_text.splitlines()
    keep = [True] * len(lines)
    n = 0
    while n < len(lines):
        if lines[n].strip() != "[[term]]":
            n += 1
            continue
        end = n + 1
        while end < len(lines) and not lines[end].lstrip().startswith("["):
            end += 1
        body = lines[n:end]
        term_id = next(
            (m.group(1) for line in body if (m := re.match(r'\s*id\s*=\s*"([^"]*)"', line))), ""
        )
        if term_id in corrected:
            # The table, without the comments and blank lines that lead into the next one.
            stop = end
            while stop > n + 1 and (
                not lines[stop - 1].strip() or lines[stop - 1].lstrip().startswith("#")
            ):
                stop -= 1
            for i in range(n, stop):
                keep[i] = False
        n = end
    text = "\n".join(line for line, k in zip(lines, keep, strict=True) if k).rstrip("\n")
    return f"{text}\n\n{exported}" if exported else f"{text}\n"
