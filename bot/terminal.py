"""Search results as text for a terminal (the offline `ask` command)."""

from __future__ import annotations

from bot import messages as m
from knowledge import Entry, SearchResult
from knowledge.text import MAX_QUERY_CHARS


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
        lines.append(m.TRUNCATED[lang].format(limit=MAX_QUERY_CHARS))
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
    lines.append(f"■ {entry.title}")
    if entry.kind == "term":
        names = " · ".join(n for n in (entry.en, entry.abbr) if n)
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
