"""Seeds + curated glossary → the knowledge file (deterministic: same inputs, same bytes).

The knowledge file holds every answerable entry (glossary terms and article sections cut
into chat-sized pieces) with the search tokens precomputed, plus the small jieba
vocabulary the search loads instead of jieba's full dictionary.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from knowledge.articles import (
    ARTICLE_SUFFIXES,
    Article,
    ArticleError,
    Paragraph,
    Section,
    is_enumerated,
    read_article,
)
from knowledge.model import THEMES
from knowledge.paths import default_paths, jieba_cache_dir
from knowledge.stopwords import STOPWORDS
from knowledge.text import Segmenter, compact, fold, has_han, pinyin_key

FORMAT_VERSION = 1
TARGET_CHARS = 600  # an answer should read comfortably in chat
MAX_CHARS = 1500  # and never be longer than this
TINY_CHARS = 80  # pieces shorter than this join a neighbour
FIGURE_NOTE = "(原文此处是一张图表，图表内容在知识库中不可用，请查看原文。)"
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_CLAUSE_END = re.compile(r"(?<=[，,、：:])|(?<=\s)")
_TITLE_CHARS = 48


class BuildError(ValueError):
    """The inputs cannot make a knowledge file; the message names the file and entry."""


@dataclass
class Chunk:
    paragraphs: list[Paragraph]
    captions: list[str] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.paragraphs)

    @property
    def enumerated(self) -> bool:
        return is_enumerated(self.paragraphs[0].text)


# --- glossary -------------------------------------------------------------------------------


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
        raise BuildError(f"{path}: glossary not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML: {exc}") from exc
    lines = raw.splitlines()
    terms = []
    for index, item in enumerate(data.get("term", [])):
        term_id = str(item.get("id", "")).strip()
        where = f"{path}: term #{index + 1} ({term_id or item.get('zh', '?')})"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", term_id):
            raise BuildError(f"{where}: id must be a lowercase ascii slug like 'synthetic-data'")
        definition = str(item.get("definition", "")).strip()
        if not definition:
            raise BuildError(f"{where}: the definition is empty")
        zh = str(item.get("zh", "")).strip()
        if not zh:
            raise BuildError(f"{where}: the Chinese name (zh) is empty")
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
            raise BuildError(f"{path}: term id '{term.id}' is used twice")
        ids.add(term.id)
        for name in term.names:
            key = compact(name)
            if key in owner and owner[key] != term.id:
                raise BuildError(
                    f"{path}: alias '{name}' is claimed by two terms: '{owner[key]}' and '{term.id}'"
                )
            owner[key] = term.id
    for term in terms:
        for other in term.related:
            if other not in ids:
                raise BuildError(f"{path}: term '{term.id}' is related to unknown term '{other}'")


# --- sections -------------------------------------------------------------------------------


def chunk_section(section: Section) -> list[Chunk]:
    """Cut a section into focused pieces at its natural sub-points.

    A piece starts at every enumerated paragraph ("第一,…", "其二…", "首先…") and where an
    enumeration ends; plain paragraphs are packed together up to TARGET_CHARS; tiny pieces
    join a neighbour; anything still over MAX_CHARS is cut between sentences.
    """
    pieces: list[Chunk] = []
    pending_captions: list[str] = []
    for paragraph in section.paragraphs:
        if paragraph.caption:
            if pieces:
                pieces[-1].captions.append(paragraph.text)
            else:
                pending_captions.append(paragraph.text)
            continue
        starts_new = (
            not pieces
            or is_enumerated(paragraph.text)
            or pieces[-1].enumerated
            or pieces[-1].chars + len(paragraph.text) > TARGET_CHARS
        )
        if starts_new:
            pieces.append(Chunk(paragraphs=[paragraph]))
        else:
            pieces[-1].paragraphs.append(paragraph)
    if pieces and pending_captions:
        pieces[0].captions[:0] = pending_captions
    pieces = _merge_tiny(pieces)
    return [part for piece in pieces for part in _split_long(piece)]


def _merge_tiny(pieces: list[Chunk]) -> list[Chunk]:
    merged: list[Chunk] = []
    carry: Chunk | None = None  # a tiny opening piece waits for the next one
    for piece in pieces:
        if carry is not None:
            piece = Chunk(carry.paragraphs + piece.paragraphs, carry.captions + piece.captions)
            carry = None
        if piece.chars < TINY_CHARS:
            if merged and merged[-1].chars + piece.chars <= MAX_CHARS:
                merged[-1].paragraphs += piece.paragraphs
                merged[-1].captions += piece.captions
                continue
            if not merged:
                carry = piece
                continue
        merged.append(piece)
    if carry is not None:
        merged.append(carry)
    return merged


def _split_long(piece: Chunk) -> list[Chunk]:
    if piece.chars <= MAX_CHARS:
        return [piece]
    parts: list[Chunk] = []
    for paragraph in piece.paragraphs:
        for sentence in _sentences(paragraph.text):
            if not parts or parts[-1].chars + len(sentence) > TARGET_CHARS:
                parts.append(Chunk(paragraphs=[Paragraph(sentence, paragraph.line)]))
            elif parts[-1].paragraphs[-1].line == paragraph.line:
                last = parts[-1].paragraphs[-1]
                parts[-1].paragraphs[-1] = Paragraph(last.text + sentence, last.line)
            else:
                parts[-1].paragraphs.append(Paragraph(sentence, paragraph.line))
    parts[0].captions = piece.captions
    return parts


def _sentences(text: str, limit: int = TARGET_CHARS) -> list[str]:
    """The sentences of a paragraph; one longer than `limit` (a paste with no sentence
    punctuation) is cut at clause marks or spaces, and failing those every `limit` characters,
    so that no answer outgrows MAX_CHARS."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        for clause in _CLAUSE_END.split(sentence):
            pieces += [clause[i : i + limit] for i in range(0, len(clause), limit)]
    return [p for p in pieces if p.strip()]


def first_sentence(text: str, limit: int = _TITLE_CHARS) -> str:
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0].strip().rstrip("。！？!?；;，,：:")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip("，,、") + "…"


def _entry_id(stem: str, heading_path: list[str], taken: set[str]) -> str:
    digest = hashlib.sha1("/".join(compact(h) for h in heading_path).encode()).hexdigest()[:10]
    base = f"{stem}#{digest}"
    entry_id, n = base, 1
    while entry_id in taken:  # duplicate headings in one article
        n += 1
        entry_id = f"{base}-{n}"
    taken.add(entry_id)
    return entry_id


def section_entries(article: Article) -> list[dict]:
    stem = Path(article.file).stem
    taken: set[str] = set()
    entries: list[dict] = []
    for section in article.sections:
        heading = section.heading_path[-1]
        captions = [c.text for c in section.captions]
        if not section.body:
            end = section.paragraphs[-1].line if section.paragraphs else section.line
            entries.append(
                _section_entry(
                    _entry_id(stem, section.heading_path, taken),
                    heading,
                    FIGURE_NOTE,
                    article,
                    section.heading_path,
                    (section.line, end),
                    captions,
                    figure_only=True,
                )
            )
            continue
        chunks = chunk_section(section)
        for index, chunk in enumerate(chunks):
            if len(chunks) == 1 or (index == 0 and not chunk.enumerated):
                title, path = heading, section.heading_path
            else:
                title = first_sentence(chunk.paragraphs[0].text)
                path = [*section.heading_path, title]
            lines = (chunk.paragraphs[0].line if index else section.line, chunk.paragraphs[-1].line)
            entries.append(
                _section_entry(
                    _entry_id(stem, path, taken),
                    title,
                    "\n\n".join(p.text for p in chunk.paragraphs),
                    article,
                    path,
                    lines,
                    chunk.captions,
                    figure_only=False,
                )
            )
    return entries


def _section_entry(
    entry_id: str,
    title: str,
    text: str,
    article: Article,
    heading_path: list[str],
    lines: tuple[int, int],
    captions: list[str],
    *,
    figure_only: bool,
) -> dict:
    return {
        "id": entry_id,
        "kind": "section",
        "title": title,
        "text": text,
        "source": {
            "file": article.file,
            "article": article.title,
            "heading_path": heading_path,
            "lines": list(lines),
            "url": article.source_url,
        },
        "aliases": [],
        "keywords": [],
        "figures": captions,
        "figure_only": figure_only,
    }


# --- terms ----------------------------------------------------------------------------------


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
                raise BuildError(
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


# --- vocabulary and tokens ------------------------------------------------------------------


def full_tokenizer(glossary_words: Iterable[str]) -> jieba.Tokenizer:
    """jieba with its full dictionary (cached per user) and the glossary's names kept whole."""
    jieba.setLogLevel(logging.WARNING)
    full = jieba.Tokenizer()
    full.tmp_dir = str(jieba_cache_dir())
    full.initialize()
    for word in glossary_words:
        full.add_word(word)
    return full


def build_vocabulary(
    full: jieba.Tokenizer, texts: Iterable[str], glossary_words: Iterable[str]
) -> tuple[list[list], int]:
    """The words jieba's full dictionary cuts the knowledge into, with their frequencies."""
    seen: dict[str, int] = {}
    for text in texts:
        for word in full.cut_for_search(fold(text), HMM=True):
            word = word.strip()
            if word and full.FREQ.get(word):
                seen[word] = full.FREQ[word]
    for word in glossary_words:
        seen[word] = full.FREQ[word]
    return [[w, seen[w]] for w in sorted(seen)], full.total


def _index_text(entry: dict) -> str:
    """What the index reads for an entry: names and headings count twice."""
    if entry["kind"] == "term":
        names = " ".join([*entry["aliases"], entry["gloss"]])
        return f"{names} {names} {entry['text']}"
    headings = " ".join(entry["source"]["heading_path"])
    return f"{headings} {headings} {entry['text']} {' '.join(entry['figures'])}"


# --- material for the daily digest -----------------------------------------------------------

# A figure worth a headline: an amount with its unit (600 亿, 1100 亿美元, 10%-30%, 100 家, 5 倍).
_QUANTITY = re.compile(r"\d[\d,.]*\s*(%|％|亿|万|千|百|倍|家|个|美元|元|人民币|大)")
# ...or a dated forecast ("到 2030 年合成数据将彻底取代真实数据").
_FORECAST = re.compile(r"\d{4}\s*年.*(将|预计|预测|有望)|(预测|预计).*\d{4}\s*年")
_SENTENCES = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")
SUMMARY_SENTENCES = 3


def sentences(text: str) -> list[str]:
    return [
        m.group(0).strip()
        for m in _SENTENCES.finditer(text.replace("\n", ""))
        if m.group(0).strip()
    ]


def add_digest_material(entries: list[dict], full: jieba.Tokenizer) -> list[dict]:
    """Keywords and a short summary for each section, and the sentences that carry figures.

    Done at build time with jieba's TF-IDF keyword extraction, so posting a digest needs
    nothing heavy.
    """
    import jieba.analyse  # build time only

    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = full
    extractor.stop_words |= STOPWORDS
    sections = [e for e in entries if e["kind"] == "section" and not e["figure_only"]]
    tags = {
        e["id"]: dict(extractor.extract_tags(e["text"], topK=12, withWeight=True)) for e in sections
    }
    # A word in most passages ("AIGC" here) says nothing about any one of them.
    spread: dict[str, int] = {}
    for weights in tags.values():
        for word in weights:
            spread[word] = spread.get(word, 0) + 1
    facts: list[dict] = []
    for entry in sections:
        weights = tags[entry["id"]]
        entry["keywords"] = [
            w for w in weights if not w.isdigit() and spread[w] <= max(2, len(sections) // 2)
        ][:5]
        entry["summary"] = summarize(entry["text"], weights)
        for sentence in sentences(entry["text"]):
            has_figure = _QUANTITY.search(sentence) or _FORECAST.search(sentence)
            if has_figure and 12 <= len(sentence) <= 200:
                digest = hashlib.sha1(f"{entry['id']}|{sentence}".encode()).hexdigest()[:10]
                facts.append({"id": f"fact:{digest}", "entry_id": entry["id"], "text": sentence})
    return facts


def summarize(text: str, weights: dict[str, float]) -> str:
    """At most three of the passage's own sentences: its opening one and the weightiest others."""
    parts = sentences(text)
    if len(parts) <= SUMMARY_SENTENCES:
        return "".join(parts)
    scored = sorted(
        range(1, len(parts)),
        key=lambda i: (
            -sum(w for k, w in weights.items() if k in parts[i]) / len(parts[i]) ** 0.5,
            i,
        ),
    )
    keep = sorted([0, *scored[: SUMMARY_SENTENCES - 1]])
    return "".join(parts[i] for i in keep)


# --- the whole build ------------------------------------------------------------------------


def find_articles(seeds_dir: Path) -> list[Path]:
    if not seeds_dir.is_dir():
        raise BuildError(f"{seeds_dir}: the seeds folder does not exist")
    files = sorted(p for p in seeds_dir.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
    if not files:
        raise BuildError(f"{seeds_dir}: no articles (.txt or .md) to build from")
    return files


def build_knowledge(seeds_dir: Path, glossary_path: Path) -> dict:
    terms = read_glossary(glossary_path)
    articles = []
    for path in find_articles(seeds_dir):
        try:
            articles.append(read_article(path))
        except ArticleError as exc:
            raise BuildError(str(exc)) from exc
    sections = [entry for article in articles for entry in section_entries(article)]
    links = resolve_links(glossary_path, terms, sections)
    entries = [term_entry(t, glossary_path.name, links[t.id]) for t in terms] + sections

    glossary_words = sorted(
        {fold(n) for t in terms for n in t.names if has_han(n) and " " not in fold(n)}
    )
    full = full_tokenizer(glossary_words)
    words, total = build_vocabulary(full, [_index_text(e) for e in entries], glossary_words)
    segmenter = Segmenter(((w, f) for w, f in words), total)
    term_keys = [(t.id, [compact(n) for n in t.names]) for t in terms]
    for entry in entries:
        entry["tokens"] = " ".join(segmenter.index_tokens(_index_text(entry)))
        if entry["kind"] == "section":
            body = compact(entry["text"] + " ".join(entry["figures"]))
            entry["terms"] = [
                f"term:{tid}" for tid, keys in term_keys if any(k in body for k in keys)
            ]
    facts = add_digest_material(entries, full)
    return {
        "format": FORMAT_VERSION,
        "articles": [
            {
                "file": a.file,
                "title": a.title,
                "keywords": a.keywords,
                "url": a.source_url,
            }
            for a in articles
        ],
        "vocabulary": {"total": total, "words": words},
        "entries": entries,
        "facts": facts,
    }


def dump_knowledge(knowledge: dict) -> str:
    return json.dumps(knowledge, ensure_ascii=False, indent=1) + "\n"


def build_command(argv: list[str] | None = None, prog: str = "python -m knowledge build") -> int:
    """`build`: write the knowledge file (or, with --check, say whether it is stale)."""
    import argparse
    import sys

    paths = default_paths()
    parser = argparse.ArgumentParser(prog=prog, description=build_command.__doc__)
    parser.add_argument("--seeds", type=Path, default=paths.seeds, help="folder of articles")
    parser.add_argument("--glossary", type=Path, default=paths.glossary, help="glossary TOML")
    parser.add_argument("--out", type=Path, default=paths.knowledge_file, help="knowledge file")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the knowledge file is not up to date"
    )
    args = parser.parse_args(argv)
    try:
        knowledge = build_knowledge(args.seeds, args.glossary)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = dump_knowledge(knowledge)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(
                f"{args.out} is out of date with the seeds and the glossary. "
                f"Rebuild it with: python -m bot build",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out} is up to date.")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    kinds = [e["kind"] for e in knowledge["entries"]]
    print(
        f"Built {args.out}: {kinds.count('term')} terms, {kinds.count('section')} sections "
        f"from {len(knowledge['articles'])} article(s)."
    )
    return 0
