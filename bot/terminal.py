"""Search results and digests as text for a terminal (the offline `ask` and `digest` commands)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import messages as m
from bot.blocks import QUESTIONS_SHOWN, Asked
from bot.wording import definition, digest_date, other_names, trend_summary, truncation_notice
from knowledge import Entry, SearchResult

if TYPE_CHECKING:
    from bot.digest import DigestItems


def source_line(entry: Entry, lang: str = "zh") -> str:
    src = entry.source
    where = f"{src.file}:{src.lines[0]}" + (
        f"-{src.lines[1]}" if src.lines[1] != src.lines[0] else ""
    )
    return f"{m.SOURCE_LABEL[lang]}: {src.label()} ({where})"


def render_result(result: SearchResult) -> str:
    lang = result.language
    lines: list[str] = []
    if result.truncated:
        lines.append(truncation_notice(lang))
    if result.status == "empty":
        lines.append(m.USAGE[lang])
        return "\n".join(lines)
    if result.answer is None:
        lines.append(m.NO_ANSWER[lang].format(query=result.query))
        if result.alternatives:
            lines.append(m.SUGGESTIONS_HEADING[lang])
            lines += [f"  • {h.entry.title}" for h in result.alternatives]
        else:
            lines.append(m.NO_SUGGESTIONS[lang])
        return "\n".join(lines)
    entry = result.answer.entry
    if result.status == "best_match":
        lines.append(f"({m.BEST_MATCH_NOTE[lang]})")
    lines.append(f"■ {entry.title}")
    if entry.kind == "term":
        names = other_names(entry)
        if names:
            lines.append(names)
    lines.append("")
    if entry.kind == "term" and lang == "en" and entry.gloss:
        lines += [entry.gloss, ""]
    lines.append(entry.text)
    lines += ["", source_line(entry, lang)]
    if result.alternatives:
        lines.append(m.ALTERNATIVES_HEADING[lang])
        lines += [f"  • {h.entry.title}" for h in result.alternatives]
    return "\n".join(lines)


def _asked(title: str, asked: Sequence[Asked]) -> list[str]:
    lines = [f"  {title}"]
    lines += [
        f"    • {a.label}（{m.ASKED_COUNTS.format(count=a.count, askers=a.askers)}）"
        for a in asked[:QUESTIONS_SHOWN]
    ]
    return lines


def render_digest(
    items: DigestItems,
    *,
    asked: Sequence[Asked] = (),
    gaps: Sequence[Asked] = (),
) -> str:
    """The same digest as `bot.blocks.digest_blocks`, as plain text."""
    lines = [f"■ {m.DIGEST_TITLE.format(date=digest_date(items.local_date))}", ""]
    if items.trend is not None:
        path = " › ".join(items.trend.source.heading_path) or items.trend.title
        lines += [f"【{m.DIGEST_TREND}】{path}", trend_summary(items.trend)]
        lines += [f"{m.SOURCE_LABEL['zh']}: {items.trend.source.article}", ""]
    if items.term is not None:
        term = items.term
        names = other_names(term)
        lines.append(f"【{m.DIGEST_TERM}】{term.title}" + (f"  ({names})" if names else ""))
        lines += [definition(term, "zh"), ""]
    if items.fact is not None:
        lines += [f"【{m.DIGEST_FACT}】", items.fact.text]
        if items.fact_entry is not None:
            lines.append(f"{m.SOURCE_LABEL['zh']}: {items.fact_entry.source.label()}")
        lines.append("")
    if items.trend is None and items.term is None and items.fact is None:
        lines += [m.DIGEST_EMPTY, ""]
    if items.weekly:
        lines.append(f"【{m.DIGEST_WEEKLY}】")
        if asked:
            lines += _asked(m.DIGEST_WEEKLY_TOP, asked)
        if gaps:
            lines += _asked(m.DIGEST_WEEKLY_GAPS, gaps)
        if not asked and not gaps:
            lines.append("  " + m.DIGEST_WEEKLY_NONE)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
