"""The curated glossary (glossary.toml): its terms, validated, and their entries.

A term has names (Chinese, abbreviation, English, aliases), a definition, a theme and links
to the article sections that discuss it. Every name belongs to one term only.

Terms, and article sections through `[[section]]` tables, also carry everyday phrasings: the
words people type instead of the article's own ("版权"/"归谁所有" for 知识产权). A phrasing
belongs to one entry, unless every entry that lists it lists it under `shared_phrasings`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.model import THEMES
from knowledge.text import compact, fold, has_han, pinyin_key


class GlossaryError(ValueError):
    """The glossary cannot be used; the message names the file and the term."""


@dataclass
class Term:
    id: str
    zh: str
    en: str
    abbr: str
    aliases: list[str]
    theme: str
    definition: str
    gloss: str
    sections: list[str]
    related: list[str]
    line: int
    phrasings: list[str] = field(default_factory=list)
    shared_phrasings: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Every name the term answers to, most canonical first, without duplicates."""
        seen: dict[str, str] = {}
        for name in [self.zh, self.abbr, self.en, *self.aliases]:
            if name and compact(name) and compact(name) not in seen:
                seen[compact(name)] = name
        return list(seen.values())

    @property
    def title(self) -> str:
        return (
            f"{self.zh}({self.abbr})"
            if self.abbr and compact(self.abbr) != compact(self.zh)
            else self.zh
        )


@dataclass
class SectionPhrasings:
    """A `[[section]]` table: everyday phrasings for the article entries under one heading."""

    heading: str  # as in a term's `sections`: a heading, or "file-stem#heading"
    phrasings: list[str]
    shared_phrasings: list[str]


@dataclass
class Glossary:
    terms: list[Term]
    sections: list[SectionPhrasings]


def read_glossary(path: Path) -> list[Term]:
    return load_glossary(path).terms


def load_glossary(path: Path) -> Glossary:
    try:
        raw = path.read_text(encoding="utf-8")
        data = tomllib.loads(raw)
    except FileNotFoundError as exc:
        raise GlossaryError(f"{path}: glossary not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"{path}: not valid TOML: {exc}") from exc
    lines = raw.splitlines()
    terms = []
    for index, item in enumerate(data.get("term", [])):
        term_id = str(item.get("id", "")).strip()
        where = f"{path}: term #{index + 1} ({term_id or item.get('zh', '?')})"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", term_id):
            raise GlossaryError(f"{where}: id must be a lowercase ascii slug like 'synthetic-data'")
        definition = str(item.get("definition", "")).strip()
        if not definition:
            raise GlossaryError(f"{where}: the definition is empty")
        zh = str(item.get("zh", "")).strip()
        if not zh:
            raise GlossaryError(f"{where}: the Chinese name (zh) is empty")
        line = next(
            (n + 1 for n, text in enumerate(lines) if re.match(rf'\s*id\s*=\s*"{term_id}"', text)),
            0,
        )
        terms.append(
            Term(
                id=term_id,
                zh=zh,
                en=str(item.get("en", "")).strip(),
                abbr=str(item.get("abbr", "")).strip(),
                aliases=[str(a).strip() for a in item.get("aliases", []) if str(a).strip()],
                theme=str(item.get("theme", "")).strip() or THEMES[0],
                definition=definition,
                gloss=str(item.get("gloss", "")).strip(),
                sections=[str(s) for s in item.get("sections", [])],
                related=[str(r) for r in item.get("related", [])],
                line=line,
                phrasings=_phrases(item, "phrasings", where),
                shared_phrasings=_phrases(item, "shared_phrasings", where),
            )
        )
    _validate_glossary(path, terms)
    sections = []
    for index, item in enumerate(data.get("section", [])):
        heading = str(item.get("heading", "")).strip()
        where = f"{path}: section #{index + 1} ({heading or '?'})"
        if not heading:
            raise GlossaryError(f"{where}: the heading is empty")
        phrasings = _phrases(item, "phrasings", where)
        shared = _phrases(item, "shared_phrasings", where)
        if not phrasings and not shared:
            raise GlossaryError(f"{where}: no phrasings (a [[section]] table exists to add them)")
        sections.append(SectionPhrasings(heading, phrasings, shared))
    return Glossary(terms, sections)


# A phrasing names a topic; how people ask about it is the query parser's job, for every entry.
_QUESTION_WORDS = re.compile(r"[哪吗呢啥谁几么]|为何|如何|是否|能否|怎样|怎么")


@lru_cache(maxsize=1)
def _question_phrases() -> frozenset[str]:
    from knowledge.cleaning import query_words

    words = query_words()
    return frozenset(
        compact(p) for p in (*words.all_phrases(), *(a for i in words.intents for a in i.ask))
    )


def _phrases(item: dict, key: str, where: str) -> list[str]:
    values = item.get(key, [])
    if not isinstance(values, list):
        raise GlossaryError(f'{where}: {key} must be a list of strings, like {key} = ["版权"]')
    phrases = [str(v).strip() for v in values]
    if any(not compact(p) for p in phrases):
        raise GlossaryError(f"{where}: {key} has an empty phrase")
    for phrase in phrases:
        if compact(phrase) in _question_phrases():
            raise GlossaryError(
                f"{where}: the phrase '{phrase}' is how people ask about any entry (an intent "
                "or filler in knowledge/query_words.toml), not an everyday name for this one"
            )
        asks = _QUESTION_WORDS.search(fold(phrase))
        if asks:
            raise GlossaryError(
                f"{where}: the phrase '{phrase}' asks a question ('{asks.group()}'); a phrasing "
                "names the topic in everyday words (应用场景, not 有哪些应用): the question "
                "words are understood for every entry alike"
            )
    return phrases


def _validate_glossary(path: Path, terms: list[Term]) -> None:
    ids: set[str] = set()
    owner: dict[str, str] = {}
    for term in terms:
        if term.id in ids:
            raise GlossaryError(f"{path}: term id '{term.id}' is used twice")
        ids.add(term.id)
        for name in term.names:
            key = compact(name)
            if key in owner and owner[key] != term.id:
                raise GlossaryError(
                    f"{path}: alias '{name}' is claimed by two terms: '{owner[key]}' and '{term.id}'"
                )
            owner[key] = term.id
    for term in terms:
        for other in term.related:
            if other not in ids:
                raise GlossaryError(
                    f"{path}: term '{term.id}' is related to unknown term '{other}'"
                )


def resolve_links(
    glossary_path: Path, terms: list[Term], sections: list[dict]
) -> dict[str, list[str]]:
    """Each term's section links → the ids of the entries under those headings that discuss it."""
    by_heading: dict[str, list[dict]] = {}
    by_file_heading: dict[str, list[dict]] = {}
    for entry in sections:
        for depth in range(len(entry["source"]["heading_path"])):
            key = compact(entry["source"]["heading_path"][depth])
            by_heading.setdefault(key, []).append(entry)
            file_key = f"{Path(entry['source']['file']).stem}#{key}"
            by_file_heading.setdefault(file_key, []).append(entry)
    links: dict[str, list[str]] = {}
    for term in terms:
        ids: list[str] = []
        keys = [compact(n) for n in term.names]
        for link in term.sections:
            stem, _, heading = link.rpartition("#")
            found = (by_file_heading.get(f"{stem}#{compact(heading)}") if stem else None) or (
                by_heading.get(compact(link)) if not stem else None
            )
            if not found:
                raise GlossaryError(
                    f"{glossary_path}: term '{term.id}' links to section '{link}', "
                    "which no article has (use a heading exactly as the article writes it, "
                    "or 'file-stem#heading')"
                )
            answerable = [e for e in found if not e["figure_only"]]
            mentioning = [e for e in answerable if any(k in compact(e["text"]) for k in keys)]
            for entry in mentioning or answerable[:1] or found[:1]:
                if entry["id"] not in ids:
                    ids.append(entry["id"])
        links[term.id] = ids
    return links


def resolve_phrasings(
    glossary_path: Path, glossary: Glossary, sections: list[dict]
) -> dict[str, list[str]]:
    """Entry id → its everyday phrasings, checked: no phrase on two entries unless every one
    of them lists it as shared, none that is already a term's name, no unknown heading."""
    by_heading: dict[str, list[dict]] = {}
    for entry in sections:  # a table names the entry's own heading, not a parent's
        own = compact(entry["source"]["heading_path"][-1])
        by_heading.setdefault(own, []).append(entry)
        by_heading.setdefault(f"{Path(entry['source']['file']).stem}#{own}", []).append(entry)
    # (who, entry ids, exclusive phrasings, shared phrasings)
    claims: list[tuple[str, list[str], list[str], list[str]]] = [
        (f"term '{t.id}'", [f"term:{t.id}"], t.phrasings, t.shared_phrasings)
        for t in glossary.terms
    ]
    for table in glossary.sections:
        stem, _, heading = table.heading.rpartition("#")
        key = f"{stem}#{compact(heading)}" if stem else compact(table.heading)
        found = by_heading.get(key)
        if not found:
            raise GlossaryError(
                f"{glossary_path}: [[section]] '{table.heading}' names a heading no article has "
                "(use the entry's own heading exactly as the knowledge file titles it, "
                "or 'file-stem#heading')"
            )
        ids = [e["id"] for e in found]
        claims.append((f"section '{table.heading}'", ids, table.phrasings, table.shared_phrasings))

    names = {compact(n): t.id for t in glossary.terms for n in t.names}
    owners: dict[str, tuple[str, bool]] = {}  # phrase key → (who, shared)
    phrasings: dict[str, list[str]] = {}
    for who, ids, exclusive, shared in claims:
        mine: set[str] = set()
        for phrase, is_shared in [(p, False) for p in exclusive] + [(p, True) for p in shared]:
            key = compact(phrase)
            if key in mine:
                raise GlossaryError(f"{glossary_path}: {who} lists the phrase '{phrase}' twice")
            mine.add(key)
            if key in names:
                raise GlossaryError(
                    f"{glossary_path}: {who} has the phrase '{phrase}', which is a name of term "
                    f"'{names[key]}' (a name already finds its term; drop the phrase)"
                )
            if key in owners:
                other, other_shared = owners[key]
                if not (is_shared and other_shared):
                    raise GlossaryError(
                        f"{glossary_path}: the phrase '{phrase}' is claimed by two entries: "
                        f"{other} and {who} (keep it on one, or list it under "
                        "shared_phrasings in both)"
                    )
            owners[key] = (who, is_shared)
        for entry_id in ids:
            if entry_id in phrasings:
                raise GlossaryError(
                    f"{glossary_path}: {who} gives phrasings to an entry that another "
                    "[[section]] table already gives them to; merge the two tables"
                )
            phrasings[entry_id] = [*exclusive, *shared]
    return phrasings


def term_entry(
    term: Term, glossary_file: str, links: list[str], phrasings: list[str] | None = None
) -> dict:
    names = term.names
    pinyin = sorted({pinyin_key(n) for n in names if has_han(n)} - {""})
    return {
        "id": f"term:{term.id}",
        "kind": "term",
        "title": term.title,
        "text": term.definition,
        "source": {
            "file": glossary_file,
            "article": "术语表",
            "heading_path": [term.theme],
            "lines": [term.line, term.line],
            "url": None,
        },
        "aliases": names,
        "phrasings": phrasings or [],
        "keywords": [],
        "zh": term.zh,
        "en": term.en,
        "abbr": term.abbr,
        "gloss": term.gloss,
        "theme": term.theme,
        "related": [f"term:{r}" for r in term.related],
        "sections": links,
        "pinyin": pinyin,
    }
