"""Article sections → chat-sized entries.

A section is cut at its natural sub-points ("第一,…", "其二…"), packed up to a comfortable
length, and never left longer than MAX_CHARS. Each piece becomes a section entry with a stable
id derived from its heading path.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.articles import Paragraph, ParsedArticle, Section, is_enumerated
from knowledge.text import compact, first_sentence, split_sentences

TARGET_CHARS = 600  # an answer should read comfortably in chat
MAX_CHARS = 1500  # and never be longer than this
TINY_CHARS = 80  # pieces shorter than this join a neighbour
TITLE_CHARS = 48  # a sub-point's title: its first sentence, cut to this
FIGURE_NOTE = "(原文此处是一张图表，图表内容在知识库中不可用，请查看原文。)"
_CLAUSE_END = re.compile(r"(?<=[，,、：:])|(?<=\s)")


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
        for sentence in _short_sentences(paragraph.text):
            if not parts or parts[-1].chars + len(sentence) > TARGET_CHARS:
                parts.append(Chunk(paragraphs=[Paragraph(sentence, paragraph.line)]))
            elif parts[-1].paragraphs[-1].line == paragraph.line:
                last = parts[-1].paragraphs[-1]
                parts[-1].paragraphs[-1] = Paragraph(last.text + sentence, last.line)
            else:
                parts[-1].paragraphs.append(Paragraph(sentence, paragraph.line))
    parts[0].captions = piece.captions
    return parts


def _short_sentences(text: str, limit: int = TARGET_CHARS) -> list[str]:
    """The sentences of a paragraph; one longer than `limit` (a paste with no sentence
    punctuation) is cut at clause marks or spaces, and failing those every `limit` characters,
    so that no answer outgrows MAX_CHARS."""
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        for clause in _CLAUSE_END.split(sentence):
            pieces += [clause[i : i + limit] for i in range(0, len(clause), limit)]
    return [p for p in pieces if p.strip()]


def entry_id(stem: str, heading_path: list[str], taken: set[str]) -> str:
    """`<article stem>#<hash of the heading path>`: stable while the headings stay; a repeated
    heading in one article gets `-2`, `-3`…"""
    digest = hashlib.sha1("/".join(compact(h) for h in heading_path).encode()).hexdigest()[:10]
    base = f"{stem}#{digest}"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}-{n}"
    taken.add(found)
    return found


def section_entries(article: ParsedArticle) -> list[dict]:
    """An article's entries in reading order: one per chunk, one per figure-only heading."""
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
                    entry_id(stem, section.heading_path, taken),
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
                title = first_sentence(chunk.paragraphs[0].text, TITLE_CHARS)
                path = [*section.heading_path, title]
            lines = (chunk.paragraphs[0].line if index else section.line, chunk.paragraphs[-1].line)
            entries.append(
                _section_entry(
                    entry_id(stem, path, taken),
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
    article: ParsedArticle,
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
        "phrasings": [],  # from the glossary's [[section]] tables
        "keywords": [],
        "figures": captions,
        "figure_only": figure_only,
    }
