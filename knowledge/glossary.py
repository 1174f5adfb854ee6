"""The curated glossary (glossary.toml): its terms, validated, and their entries.

A term has names (Chinese, abbreviation, English, aliases), a definition, a theme and links
to the article sections that discuss it. Every name belongs to one term only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from knowledge.model import THEMES
from knowledge.text import compact, has_han, pinyin_key


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


def read_glossary(path: Path) -> list[Term]:
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
            )
        )
    _validate_glossary(path, terms)
    return terms


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


def term_entry(term: Term, glossary_file: str, links: list[str]) -> dict:
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
