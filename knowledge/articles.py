"""Source articles → clean sections.

Articles arrive as text copied from web pages (.txt) or as Markdown (.md). This module
strips what is not the article (source/date lines, a duplicated table of contents, the
repeated title, copyright notices, "相关文章" teasers), recognises headings and figure
captions, and returns the article as a list of sections of paragraphs with line numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ARTICLE_SUFFIXES = (".txt", ".md")

_KEYWORDS_LINE = re.compile(
    r"^\s*(关键词|关键字|keywords|tags|标签)\s*[:：]\s*(?P<words>.+)$", re.I
)
_SOURCE_LINE = re.compile(
    r"(文章来源|原文链接|原文地址|来源\s*[:：]\s*https?://|^\s*\S*/\d{4}/\d{1,2}/\d{1,2}\b|发布于\s*\d{4})"
)
# A by-line as pages print them: "来源：某社区 2025-03-18 10:21", "作者：…", "发布时间：…".
_META_LINE = re.compile(
    r"^\s*(来源|出处|作者|编辑|责任编辑|发布时间|发布日期|发表于|时间|日期|阅读|浏览)\s*[:：]"
)
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_MAX_META_LINE = 80
_URL = re.compile(r"https?://\S+")
_TOC_LINE = re.compile(r"^\s*(目录|目\s+录|table of contents|contents)\s*[:：]?\s*$", re.I)
# First line of the page furniture that follows an article; everything from there on goes.
_TRAILER = re.compile(
    r"^\s*(本文来自|本文由|本文转载|如若转载|如若内容造成侵权|版权声明|免责声明|相关文章|相关推荐|推荐阅读|"
    r"猜你喜欢|延伸阅读|热门文章|上一篇|下一篇|原创声明)"
)
_CAPTION = re.compile(r"^\s*(图|圖|表|figure|fig\.|table)\s*\d*\s*[:：.]", re.I)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# Punctuation a body sentence has and a bare heading does not.
_SENTENCE_PUNCT = re.compile(r"[，。！？；：,.!?;:、“”\"]")
_ENUMERATED = re.compile(
    r"^\s*(第[一二三四五六七八九十]+|其[一二三四五六七八九十]|[一二三四五六七八九十]是|首先|其次|再次|最后|"
    r"\d+[.、)]|[(（][一二三四五六七八九十\d]+[)）])"
)
# A heading's numbering: "一、", "（二）", "第三,", "1.2 ".
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十\d]+[）)]|"
    r"第[一二三四五六七八九十]+[,，、.．]?|\d+(?:\.\d+)*\s*[、.．]?)\s*"
)
_MAX_INFERRED_HEADING = 60
# Headings too short to infer from their shape, but articles use them as headings.
_STANDARD_HEADINGS = frozenset(
    [
        "引言",
        "前言",
        "导语",
        "导读",
        "摘要",
        "概述",
        "背景",
        "结语",
        "结论",
        "总结",
        "小结",
        "展望",
        "参考文献",
    ]
)
_TOC_WITHIN = 4  # lines of the body the table of contents may come after


class ArticleError(ValueError):
    """An article that cannot be used; the message names the file."""


@dataclass
class Paragraph:
    text: str
    line: int  # 1-based line number in the source file
    caption: bool = False


@dataclass
class Section:
    heading_path: list[str]
    line: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def body(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if not p.caption]

    @property
    def captions(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.caption]


@dataclass
class ParsedArticle:
    """An article as read from its seed file, for the build (the search hands out
    `knowledge.model.Article`, an article's listing in the knowledge file)."""

    file: str
    title: str
    keywords: list[str]
    source_url: str | None
    sections: list[Section]


def is_enumerated(text: str) -> bool:
    return bool(_ENUMERATED.match(text))


def _norm_line(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def read_article(path: Path) -> ParsedArticle:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    lines = [(i + 1, line.rstrip()) for i, line in enumerate(raw.splitlines())]
    if path.suffix.lower() == ".md":
        article = _parse_markdown(path.name, lines)
    else:
        article = _parse_web_text(path.name, lines)
    if not any(s.body for s in article.sections):
        raise ArticleError(f"{path}: the article has no text (only headings or boilerplate)")
    return article


def _split_keywords(words: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,，、;；|]", words) if w.strip()]


def _strip_furniture(
    lines: list[tuple[int, str]],
) -> tuple[list[tuple[int, str]], list[str], str | None]:
    """Drop source lines, keep keywords aside, cut the trailer. Returns (lines, keywords, url)."""
    keywords: list[str] = []
    url = None
    kept = []
    for number, text in lines:
        if _TRAILER.match(text):
            break
        match = _KEYWORDS_LINE.match(text)
        if match:
            keywords.extend(_split_keywords(match.group("words")))
            continue
        if _is_source_line(text):
            found = _URL.search(text)
            url = url or (found.group(0) if found else None)
            continue
        kept.append((number, text))
    return kept, keywords, url


def _is_source_line(text: str) -> bool:
    """Page furniture naming where and when the article appeared (never a sentence)."""
    if _SOURCE_LINE.search(text):
        return True
    short = len(text.strip()) <= _MAX_META_LINE and "。" not in text
    return short and bool(_META_LINE.match(text) or (_DATE.search(text) and len(text) <= 40))


def _parse_web_text(name: str, lines: list[tuple[int, str]]) -> ParsedArticle:
    lines, keywords, url = _strip_furniture(lines)
    nonblank = [(n, t.strip()) for n, t in lines if t.strip()]
    if not nonblank:
        raise ArticleError(f"{name}: the article has no text")
    title = _norm_line(nonblank[0][1])
    body = nonblank[1:]

    toc: list[str] = []
    # The table of contents opens the body, after at most a few lines of furniture.
    toc_at = next((i for i, (_, t) in enumerate(body[:_TOC_WITHIN]) if _TOC_LINE.match(t)), None)
    if toc_at is not None:
        body = body[toc_at + 1 :]
        # The table of contents runs until the title (or its first entry) is repeated.
        while body:
            text = _norm_line(body[0][1])
            if toc and (text == title or text == toc[0]):
                break
            toc.append(text)
            body = body[1:]
        else:
            raise ArticleError(f"{name}: the table of contents never ends; the article has no text")
    # The repeated title that opens the body.
    if body and _norm_line(body[0][1]) == title:
        body = body[1:]
    toc_headings = {t for t in toc if t != title}

    normalised = [_norm_line(text) for _, text in body]
    is_heading = [
        norm in toc_headings or _looks_like_heading(norm, normalised, index)
        for index, norm in enumerate(normalised)
    ]
    sections: list[Section] = []
    parent: str | None = None
    for index, (number, _) in enumerate(body):
        norm = normalised[index]
        if is_heading[index]:
            # A heading directly followed by another (or the end) lost its figure or table.
            figure_only = index + 1 == len(body) or is_heading[index + 1]
            # Enumerated headings ("第一,…", "第二层是…") nest under the last plain heading.
            if parent is not None and is_enumerated(norm):
                path = [parent, norm]
            else:
                path = [norm]
                if not figure_only:
                    parent = norm
            sections.append(Section(heading_path=path, line=number))
            continue
        if not sections:
            sections.append(Section(heading_path=[title], line=number))
        sections[-1].paragraphs.append(
            Paragraph(text=norm, line=number, caption=bool(_CAPTION.match(norm)))
        )
    return ParsedArticle(
        file=name, title=title, keywords=keywords, source_url=url, sections=sections
    )


def strip_enumeration(heading: str) -> str:
    """A heading without its numbering: "（二）纵向联邦学习" → "纵向联邦学习"."""
    return _NUMBERING.sub("", heading).strip()


def _looks_like_heading(text: str, lines: list[str], index: int) -> bool:
    """A heading the table of contents missed: a short line with no sentence punctuation,
    not a caption, followed by a paragraph."""
    if text in _STANDARD_HEADINGS:
        return index + 1 < len(lines)
    if len(text) > _MAX_INFERRED_HEADING or len(text) < 4 or _CAPTION.match(text):
        return False
    # "一、什么是X", "（二）X": the numbering's own mark is not a sentence's.
    if _SENTENCE_PUNCT.search(strip_enumeration(text)):
        return False
    if index + 1 >= len(lines):
        return False
    following = lines[index + 1]
    return len(following) > len(text) and bool(_SENTENCE_PUNCT.search(following))


def _parse_markdown(name: str, lines: list[tuple[int, str]]) -> ParsedArticle:
    lines, keywords, url = _strip_furniture(lines)
    title = ""
    stack: list[tuple[int, str]] = []  # (level, heading)
    sections: list[Section] = []
    in_code = False
    for number, text in lines:
        if text.strip().startswith("```"):  # a fence, not text ("```python" is no paragraph)
            in_code = not in_code
            continue
        match = None if in_code else _MD_HEADING.match(text)
        if match:
            level, heading = len(match.group(1)), _norm_line(match.group(2))
            if level == 1 and not title:
                title = heading
                continue
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            sections.append(Section(heading_path=[h for _, h in stack], line=number))
            continue
        norm = _norm_line(_strip_markdown(text))
        if not norm:
            continue
        if not sections:
            sections.append(Section(heading_path=[title or Path(name).stem], line=number))
        is_caption = bool(_CAPTION.match(norm)) or text.strip().startswith("![")
        if text.strip().startswith("![") and not norm:
            continue
        sections[-1].paragraphs.append(Paragraph(text=norm, line=number, caption=is_caption))
    return ParsedArticle(
        file=name,
        title=title or Path(name).stem,
        keywords=keywords,
        source_url=url,
        sections=sections,
    )


def _strip_markdown(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images → alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links → their text
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text)  # list markers
    text = re.sub(r"^\s*>\s?", "", text)  # quotes
    return re.sub(r"(\*\*|__|`)", "", text)
