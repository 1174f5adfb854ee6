"""The data the knowledge engine hands out: entries, hits and search results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntryKind = Literal["term", "section"]
# Glossary themes, in the order the glossary and the App Home list them.
THEMES = (
    "基础概念",
    "技术与模型",
    "产业生态",
    "企业与产品",
    "应用与场景",
    "合成数据",
    "治理与风险",
)
# "best_match": one entry clearly leads but covers the question only in part; it is shown as an
# answer with a note that it may not be exactly what was asked.
Status = Literal["answered", "best_match", "no_answer", "empty"]


@dataclass(frozen=True)
class Source:
    file: str
    article: str
    heading_path: tuple[str, ...]
    lines: tuple[int, int]
    url: str | None = None

    def label(self) -> str:
        """Human-readable origin: article and heading path."""
        path = " › ".join(self.heading_path)
        return f"{self.article} › {path}" if path else self.article

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "article": self.article,
            "heading_path": list(self.heading_path),
            "lines": list(self.lines),
            "url": self.url,
        }


@dataclass(frozen=True)
class Entry:
    id: str
    kind: EntryKind
    title: str
    text: str
    source: Source
    aliases: tuple[str, ...] = ()
    phrasings: tuple[str, ...] = ()  # everyday words for it (glossary); may be shared
    keywords: tuple[str, ...] = ()
    # terms
    zh: str = ""
    en: str = ""
    abbr: str = ""
    gloss: str = ""
    theme: str = ""
    related: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    pinyin: tuple[str, ...] = ()
    # sections
    figures: tuple[str, ...] = ()
    figure_only: bool = False
    terms: tuple[str, ...] = ()
    summary: str = ""  # at most three of its own sentences, for the digest
    # team terms (knowledge.overlay): who approved the entry in Slack, and when (ISO date)
    approved_by: str = ""
    approved_on: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Entry:
        src = data["source"]
        return cls(
            id=data["id"],
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            source=Source(
                file=src["file"],
                article=src.get("article", ""),
                heading_path=tuple(src.get("heading_path", ())),
                lines=tuple(src.get("lines", (0, 0)))[:2],  # type: ignore[arg-type]
                url=src.get("url"),
            ),
            aliases=tuple(data.get("aliases", ())),
            phrasings=tuple(data.get("phrasings", ())),
            keywords=tuple(data.get("keywords", ())),
            zh=data.get("zh", ""),
            en=data.get("en", ""),
            abbr=data.get("abbr", ""),
            gloss=data.get("gloss", ""),
            theme=data.get("theme", ""),
            related=tuple(data.get("related", ())),
            sections=tuple(data.get("sections", ())),
            pinyin=tuple(data.get("pinyin", ())),
            figures=tuple(data.get("figures", ())),
            figure_only=bool(data.get("figure_only", False)),
            terms=tuple(data.get("terms", ())),
            summary=data.get("summary", ""),
            approved_by=data.get("approved_by", ""),
            approved_on=data.get("approved_on", ""),
        )


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResult:
    query: str  # the query as searched (control characters dropped, cut to the limit)
    status: Status
    answer: Hit | None = None
    alternatives: tuple[Hit, ...] = ()
    truncated: bool = False
    language: Literal["zh", "en"] = "zh"
    normalized: str = ""  # what was matched after folding and question words were removed

    def as_json(self, query: str | None = None) -> dict:
        """The CLI's JSON contract; `query` echoes the input as given (default: as searched)."""
        answer = None
        if self.answer:
            e = self.answer.entry
            answer = {
                "id": e.id,
                "kind": e.kind,
                "title": e.title,
                "text": e.text,
                "source": e.source.as_dict(),
                "score": round(self.answer.score, 4),
            }
        return {
            "query": self.query if query is None else query,
            "answer": answer,
            "alternatives": [
                {
                    "id": h.entry.id,
                    "kind": h.entry.kind,
                    "title": h.entry.title,
                    "score": round(h.score, 4),
                }
                for h in self.alternatives
            ],
            "status": self.status,
            "truncated": self.truncated,
        }


@dataclass(frozen=True)
class Article:
    """An article as listed in the knowledge file (the build's parsed form is
    `knowledge.articles.ParsedArticle`)."""

    file: str
    title: str
    keywords: tuple[str, ...] = ()
    url: str | None = None
    entry_ids: tuple[str, ...] = ()  # its sections, in reading order


@dataclass(frozen=True)
class Fact:
    """A sentence of an article that carries a figure (market size, forecast, count)."""

    id: str
    entry_id: str
    text: str
