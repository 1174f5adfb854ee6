"""Block Kit rendering: pure functions from knowledge data to Slack blocks (plain dicts).

Everything built here goes through slack_sdk's block models, whose `to_dict()` refuses text over
Slack's limits; long knowledge text is split or clipped first so that never happens. User text
echoed back is escaped with `escape()` so it can never mention, link or notify anyone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import messages as m
from bot import slack_errors
from bot.settings import DEFAULT_QUERY_LOG_DAYS
from bot.wording import (
    clip,
    definition,
    digest_date,
    other_names,
    trend_summary,
    truncation_notice,
)
from knowledge import Article, Entry, SearchResult
from knowledge.model import THEMES

if TYPE_CHECKING:
    from bot.digest import DigestItems
    from bot.store import EntryStat, Subscription, TopicStat

MAX_BLOCKS = 50  # per message
MAX_HOME_BLOCKS = 100  # per App Home view
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_TEXT = 2000
QUERY_IN_VALUE = 200  # characters of the query carried in a button value
TERMS_PER_PAGE = 15
MAX_SHORTCUT_TERMS = 10

# Action ids, matched by the listeners in bot/listeners/actions.py.
SHARE_ACTION = "share_answer"
ALTERNATIVE_ACTION = "show_alternative"  # followed by _0, _1, _2 (ids must be unique in a block)
TERMS_PAGE_ACTION = "terms_page"  # followed by _prev / _next
DIGEST_READ_ACTION = "digest_read"  # the trend section, whole, as an ephemeral answer
DIGEST_TERM_ACTION = "digest_term"  # the term of the day, as an ephemeral answer
# Feedback under every answer and the ways into the suggest modal (bot/listeners/teach.py).
VOTE_UP_ACTION = "vote_up"
VOTE_DOWN_ACTION = "vote_down"
CORRECT_ACTION = "correct_entry"  # the suggest modal, prefilled with the entry
TEACH_ACTION = "teach_term"  # the suggest modal, prefilled with the question's words
QUESTIONS_SHOWN = 5  # per list in the digest's weekly section
STATS_SHOWN = 10  # per list in /aigc stats
HOME_SHOWN = 10  # per list in the App Home


@dataclass(frozen=True)
class Asked:
    """What a shared surface may show about questions: an entry's title or an unanswered
    topic, how often it was asked and by how many people. Never anyone's own words."""

    label: str
    count: int
    askers: int


def asked_entries(stats: Sequence[EntryStat], lookup: Callable[[str], Entry | None]) -> list[Asked]:
    """The entries questions were answered with, by title; entries a rebuild removed are left
    out (their ids mean nothing to a reader)."""
    asked = []
    for stat in stats:
        entry = lookup(stat.entry_id)
        if entry is not None:
            asked.append(Asked(entry.title, stat.count, stat.askers))
    return asked


def asked_topics(stats: Sequence[TopicStat]) -> list[Asked]:
    """Unanswered topics (already limited to those enough people asked), by normalised words."""
    return [Asked(stat.topic, stat.count, stat.askers) for stat in stats]


Lookup = Callable[[str], Entry | None]


def escape(text: str) -> str:
    """Make text safe inside mrkdwn: `<!channel>`, `<@U…>`, `<#C…>` and links become plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def carried_query(query: str) -> str:
    """The query as carried in a button value: clipped and already escaped, so even the
    payloads the app sends hold no live mention."""
    return escape(query[:QUERY_IN_VALUE])


def encode_value(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def decode_value(value: str) -> dict:
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _dicts(blocks: Iterable[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT)))


def _context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(t, CONTEXT_TEXT)) for t in texts])


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=clip(text, HEADER_TEXT))


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=clip(text, BUTTON_TEXT), action_id=action_id, value=value[:BUTTON_VALUE], style=style
    )


def _text_sections(text: str, limit: int = SECTION_TEXT) -> list[SectionBlock]:
    """Split long text into sections at paragraph or line breaks, each within Slack's limit."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:  # a single over-long line: cut it
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current.strip():
        chunks.append(current)
    return [_section(c.strip("\n")) for c in chunks if c.strip()]


def _lines_as_sections(lines: Iterable[str]) -> list[SectionBlock]:
    return _text_sections("\n".join(lines))


# --- answers ------------------------------------------------------------------------------------


def answer_blocks(result: SearchResult, lookup: Lookup, *, shareable: bool) -> list[dict]:
    """The reply to a query: the answer, or a kind no-answer with suggestions, or the usage."""
    lang = result.language
    if result.status == "empty" or (result.answer is None and not result.query):
        return help_blocks()
    if result.answer is None:
        return no_answer_blocks(result, shareable=shareable)
    return entry_blocks(
        result.answer.entry,
        lang,
        lookup,
        query=result.query,
        shareable=shareable,
        alternatives=[h.entry for h in result.alternatives],
        truncated=result.truncated,
        best_match=result.status == "best_match",
    )


def entry_blocks(
    entry: Entry,
    lang: str,
    lookup: Lookup,
    *,
    query: str,
    shareable: bool,
    alternatives: Sequence[Entry] = (),
    truncated: bool = False,
    best_match: bool = False,
) -> list[dict]:
    blocks: list[Block] = []
    if truncated:
        blocks.append(_context(truncation_notice(lang)))
    if best_match:
        blocks.append(_context(f":mag: {m.BEST_MATCH_NOTE[lang]}"))
    # Only the asker sees a private answer; a mention there pings nobody.
    blocks += _entry_body(entry, lang, lookup, mention_approver=shareable)
    carried = carried_query(unescape(query))
    row: list[ButtonElement] = []
    if shareable:
        share = encode_value(id=entry.id, q=carried, l=lang)
        row.append(_button(m.SHARE_BUTTON[lang], SHARE_ACTION, share, "primary"))
    blocks.append(ActionsBlock(elements=row + feedback_buttons(entry, lang, carried)))
    if alternatives:
        blocks.append(_context((m.ALSO_SEE if best_match else m.DID_YOU_MEAN)[lang]))
        blocks.append(
            ActionsBlock(elements=_alternative_buttons(alternatives, lang, carried, shareable))
        )
    return _dicts(blocks[:MAX_BLOCKS])


def feedback_buttons(entry: Entry, lang: str, carried: str) -> list[ButtonElement]:
    """👍 / 👎 (and 纠正 for a term) under an answer; whoever presses votes for themselves.
    `carried`: the question as carried in button values (already escaped)."""
    value = encode_value(id=entry.id, q=carried, l=lang)
    buttons = [
        _button(m.VOTE_UP_BUTTON[lang], VOTE_UP_ACTION, value),
        _button(m.VOTE_DOWN_BUTTON[lang], VOTE_DOWN_ACTION, value),
    ]
    if entry.kind == "term":
        buttons.append(
            _button(m.CORRECT_BUTTON[lang], CORRECT_ACTION, encode_value(id=entry.id, l=lang))
        )
    return buttons


def team_addition(entry: Entry, lang: str, *, mention: bool = True) -> str | None:
    """ "团队补充 · approved by <@U…> on 2026-12-01" for an approved team term, else None. The
    approver is shown as a mention only when asked and when it is a Slack user id (never text
    to escape)."""
    if not (entry.approved_by or entry.approved_on):
        return None
    day = escape(entry.approved_on)
    if mention and _USER_ID.fullmatch(entry.approved_by):
        return m.TEAM_ADDITION[lang].format(user=entry.approved_by, date=day)
    return m.TEAM_ADDITION_UNNAMED[lang].format(date=day)


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def _alternative_buttons(
    alternatives: Sequence[Entry], lang: str, query: str, shareable: bool
) -> list[ButtonElement]:
    return [
        _button(
            alt.title,
            f"{ALTERNATIVE_ACTION}_{i}",
            encode_value(id=alt.id, q=query, l=lang, s=int(shareable)),
        )
        for i, alt in enumerate(alternatives[:3])
    ]


def _entry_body(
    entry: Entry, lang: str, lookup: Lookup, *, mention_approver: bool = False
) -> list[Block]:
    """Title, text and the context line (source, English name, related terms), and for a team
    term who approved it: as a mention only where no one else sees it (a mention in a message
    others see notifies the approver every time the answer is shared or replied in a thread)."""
    blocks: list[Block] = [_header(entry.title)]
    text = entry.text
    if entry.kind == "term" and lang == "en" and entry.gloss:
        text = f"{entry.gloss}\n\n{text}"
    if entry.figure_only or not text.strip():
        text = m.FIGURE_UNAVAILABLE
    # Leave room for the notices, header, context, share button and alternatives.
    blocks += _text_sections(escape(text))[: MAX_BLOCKS - 8]
    context = [f"{m.SOURCE_LABEL[lang]}: {escape(entry.source.label())}"]
    if entry.kind == "term":
        names = other_names(entry)
        if names:
            context.append(f"{m.ENGLISH_NAME_LABEL[lang]}: {escape(names)}")
        related = [e.title for e in map(lookup, entry.related) if e is not None]
        if related:
            context.append(f"{m.RELATED_LABEL[lang]}: {escape('、'.join(related[:8]))}")
    blocks.append(_context(*context))
    addition = team_addition(entry, lang, mention=mention_approver)
    if addition is not None:
        blocks.append(_context(addition))
    return blocks


def no_answer_blocks(result: SearchResult, *, shareable: bool) -> list[dict]:
    """Sorry, the suggestions (if any), and 教我这个词: the question's words, prefilled in the
    suggest modal (after the suggestions, in their row)."""
    lang = result.language
    blocks: list[Block] = []
    if result.truncated:
        blocks.append(_context(truncation_notice(lang)))
    blocks.append(_section(m.NO_ANSWER[lang].format(query=escape(clip(result.query, 300)))))
    carried = carried_query(result.query)
    teach = _button(m.TEACH_BUTTON[lang], TEACH_ACTION, encode_value(q=carried, l=lang))
    if result.alternatives:
        blocks.append(_section(m.SUGGESTIONS_HEADING[lang]))
        alternatives = [h.entry for h in result.alternatives]
        row = _alternative_buttons(alternatives, lang, carried, shareable)
        blocks.append(ActionsBlock(elements=[*row, teach]))
    else:
        blocks.append(_context(m.NO_SUGGESTIONS[lang]))
        blocks.append(ActionsBlock(elements=[teach]))
    return _dicts(blocks)


def shared_answer_blocks(
    entry: Entry, lang: str, lookup: Lookup, *, user: str, query: str
) -> list[dict]:
    """The public copy posted by the share button: who asked, what, and the answer.

    `query` comes from a button value (escaped); it is normalised, never escaped twice."""
    asked = m.ASKED_BY[lang].format(user=user, query=escape(clip(unescape(query), 300)))
    body = [_context(asked), *_entry_body(entry, lang, lookup)][: MAX_BLOCKS - 1]
    feedback = ActionsBlock(elements=feedback_buttons(entry, lang, carried_query(unescape(query))))
    return _dicts([*body, feedback])


def answer_text(result: SearchResult) -> str:
    """Plain notification text that goes beside the blocks."""
    if result.answer is not None:
        if result.status == "best_match":
            return f"{m.BEST_MATCH_NOTE[result.language]} {result.answer.entry.title}"
        return result.answer.entry.title
    if result.status == "empty":
        return m.USAGE[result.language]
    return m.NO_ANSWER[result.language].format(query=escape(clip(result.query, 300)))


# --- help, glossary, contents ----------------------------------------------------------------------


def help_blocks(query_log_days: int = DEFAULT_QUERY_LOG_DAYS) -> list[dict]:
    examples = "\n".join(f"• `/aigc {q}`" for q in m.USAGE_EXAMPLES)
    return _dicts(
        [
            _header(m.HELP_TITLE),
            _section(m.HELP_INTRO),
            _section(m.HELP_WAYS),
            _section(m.HELP_COMMANDS),
            _section(f"{m.HELP_EXAMPLES_LABEL}\n{examples}"),
            _section(m.HELP_PRIVACY.format(days=query_log_days)),
        ]
    )


def notice_blocks(text: str) -> list[dict]:
    return _dicts([_section(text)])


def page_count(total: int, per_page: int = TERMS_PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def terms_page_blocks(terms: Sequence[Entry], *, keyword: str, page: int) -> list[dict]:
    """One page of the glossary (all terms, or those matching `keyword`), with page buttons."""
    keyword = clip(keyword, 100)
    if not terms:
        return notice_blocks(m.TERMS_NONE.format(keyword=escape(keyword)))
    pages = page_count(len(terms))
    page = min(max(page, 0), pages - 1)
    shown = terms[page * TERMS_PER_PAGE : (page + 1) * TERMS_PER_PAGE]
    summary = (
        m.TERMS_FILTERED.format(keyword=escape(keyword), count=len(terms))
        if keyword
        else m.TERMS_ALL.format(count=len(terms))
    )
    blocks: list[Block] = [
        _header(m.TERMS_TITLE),
        _context(f"{summary} · {m.TERMS_PAGE.format(page=page + 1, pages=pages)}"),
    ]
    blocks += [_section(_term_line(t, "zh")) for t in shown]
    buttons = []
    if page > 0:
        buttons.append(
            _button(
                m.PREVIOUS_PAGE,
                f"{TERMS_PAGE_ACTION}_prev",
                encode_value(k=carried_query(keyword), p=page - 1),
            )
        )
    if page < pages - 1:
        buttons.append(
            _button(
                m.NEXT_PAGE,
                f"{TERMS_PAGE_ACTION}_next",
                encode_value(k=carried_query(keyword), p=page + 1),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return _dicts(blocks)


def _term_line(term: Entry, lang: str) -> str:
    names = other_names(term)
    head = f"*{escape(term.title)}*" + (f"  _{escape(names)}_" if names else "")
    return f"{head}\n{escape(definition(term, lang))}"


def toc_blocks(articles: Sequence[Article], lookup: Lookup) -> list[dict]:
    """Each article and its section headings, indented by depth."""
    if not articles:
        return notice_blocks(m.TOC_EMPTY)
    blocks: list[Block] = [_header(m.TOC_TITLE)]
    for article in articles:
        lines = [f"*{escape(article.title)}*"]
        seen: set[tuple[str, ...]] = set()
        for entry in map(lookup, article.entry_ids):
            if entry is None or entry.kind != "section":
                continue
            path = entry.source.heading_path or (entry.title,)
            for depth in range(1, len(path) + 1):
                if path[:depth] not in seen:
                    seen.add(path[:depth])
                    lines.append("    " * (depth - 1) + f"• {escape(path[depth - 1])}")
        blocks += _lines_as_sections(lines)
    return _dicts(blocks[:MAX_BLOCKS])


def home_view(
    terms: Sequence[Entry],
    most_asked: Sequence[Asked] = (),
    own_questions: Sequence[str] = (),
    teaching: Sequence[dict] = (),
) -> dict:
    """The App Home tab of one person: welcome, the ways in, `teaching` (bot/teach_blocks.py:
    an editor's review queue, or how to name editors), the entries most asked about, that
    person's own recent questions (the Home is theirs alone), the glossary by theme."""
    blocks: list[Block | dict] = [
        _header(m.APP_NAME),
        _section(m.HOME_WELCOME),
        _section(m.HELP_WAYS),
        _section(m.HELP_COMMANDS),
    ]
    if teaching:
        blocks += [DividerBlock(), *teaching]
    if most_asked:
        blocks += [DividerBlock(), _header(m.HOME_TOP_QUESTIONS)]
        blocks += _lines_as_sections(_asked_lines(most_asked, HOME_SHOWN))
    if own_questions:
        blocks += [DividerBlock(), _section(f"*{m.HOME_YOUR_QUESTIONS}*")]
        blocks += _lines_as_sections(
            f"• {escape(clip(q, 200))}" for q in own_questions[:HOME_SHOWN]
        )
    blocks += [DividerBlock(), _header(m.HOME_GLOSSARY)]
    order = {theme: i for i, theme in enumerate(THEMES)}
    by_theme = sorted(terms, key=lambda t: (order.get(t.theme, len(order)), t.theme))
    for theme, group in groupby(by_theme, key=lambda t: t.theme):
        lines = [f"*{escape(theme or '其他')}*"]
        for t in group:
            en = f" · {escape(t.en)}" if t.en and t.en != t.title else ""
            lines.append(f"• {escape(t.title)}{en}")
        blocks += _lines_as_sections(lines)
    shown = blocks[:MAX_HOME_BLOCKS]
    return {"type": "home", "blocks": [b if isinstance(b, dict) else b.to_dict() for b in shown]}


def shortcut_blocks(terms: Sequence[Entry], lang: str, text: str = "") -> list[dict]:
    """The terms found in a message, most specific first, each with its one-line definition;
    with the message's `text`, a 教我一个新词 button that opens the suggest modal."""
    if not terms:
        blocks: list[Block] = [_section(m.SHORTCUT_NONE[lang])]
    else:
        blocks = [_section(f"*{m.SHORTCUT_TITLE[lang]}*")]
        blocks += [_section(_term_line(t, lang)) for t in terms[:MAX_SHORTCUT_TERMS]]
        blocks.append(_context(m.SHORTCUT_MORE[lang]))
    if text.strip():
        value = encode_value(q=carried_query(text), l=lang, o="shortcut")
        blocks.append(
            ActionsBlock(elements=[_button(m.SHORTCUT_TEACH_BUTTON[lang], TEACH_ACTION, value)])
        )
    return _dicts(blocks)


# --- daily digest, stats, subscriptions --------------------------------------------------------


def _asked_lines(asked: Sequence[Asked], limit: int = QUESTIONS_SHOWN) -> list[str]:
    return [
        f"• {escape(clip(a.label, 120))}  _{m.ASKED_COUNTS.format(count=a.count, askers=a.askers)}_"
        for a in asked[:limit]
    ]


def digest_blocks(
    items: DigestItems,
    *,
    asked: Sequence[Asked] = (),
    gaps: Sequence[Asked] = (),
) -> list[dict]:
    """The daily digest: trend, term and figure of the day, buttons to read on, and on the
    weekly day what the team asked. A dozen blocks, readable in half a minute."""
    blocks: list[Block] = [_header(m.DIGEST_TITLE.format(date=digest_date(items.local_date)))]
    buttons: list[ButtonElement] = []
    if items.trend is not None:
        trend = items.trend
        path = " › ".join(trend.source.heading_path) or trend.title
        blocks.append(
            _section(f"*{m.DIGEST_TREND}* · {escape(path)}\n{escape(trend_summary(trend))}")
        )
        blocks.append(_context(f"{m.SOURCE_LABEL['zh']}: {escape(trend.source.article)}"))
        buttons.append(
            _button(m.DIGEST_READ_MORE, DIGEST_READ_ACTION, encode_value(id=trend.id), "primary")
        )
    if items.term is not None:
        term = items.term
        names = other_names(term)
        head = f"*{m.DIGEST_TERM}* · *{escape(term.title)}*" + (
            f"  _{escape(names)}_" if names else ""
        )
        blocks += [DividerBlock(), _section(f"{head}\n{escape(definition(term, 'zh'))}")]
        buttons.append(_button(m.DIGEST_LOOK_UP_TERM, DIGEST_TERM_ACTION, encode_value(id=term.id)))
    if items.fact is not None:
        blocks += [DividerBlock(), _section(f"*{m.DIGEST_FACT}*\n{escape(items.fact.text)}")]
        if items.fact_entry is not None:
            source = items.fact_entry.source.label()
            blocks.append(_context(f"{m.SOURCE_LABEL['zh']}: {escape(source)}"))
    if len(blocks) == 1:
        blocks.append(_section(m.DIGEST_EMPTY))
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    if items.weekly:
        blocks += [DividerBlock(), _section(f"*{m.DIGEST_WEEKLY}*")]
        if asked:
            blocks += _lines_as_sections([f"_{m.DIGEST_WEEKLY_TOP}_", *_asked_lines(asked)])
        if gaps:
            blocks += _lines_as_sections([f"_{m.DIGEST_WEEKLY_GAPS}_", *_asked_lines(gaps)])
        if not asked and not gaps:
            blocks.append(_context(m.DIGEST_WEEKLY_NONE))
    blocks.append(_context(m.DIGEST_FOOTER))
    return _dicts(blocks[:MAX_BLOCKS])


def digest_text(items: DigestItems) -> str:
    """The notification text beside the digest's blocks."""
    title = m.DIGEST_TITLE.format(date=digest_date(items.local_date))
    return f"{title}：{items.trend.title}" if items.trend is not None else title


def digest_preview_blocks(items: DigestItems, digest: list[dict]) -> list[dict]:
    """The digest as `/aigc digest` shows it: a note saying it is a preview, then the digest."""
    note = _context(m.DIGEST_PREVIEW_NOTE.format(date=digest_date(items.local_date)))
    return [note.to_dict(), *digest][:MAX_BLOCKS]


def stats_blocks(
    asked: Sequence[Asked], gaps: Sequence[Asked], votes: Sequence[str] = ()
) -> list[dict]:
    """`/aigc stats`: the week's most asked entries and the topics the knowledge lacks (asked
    by enough people), from public channels only, and the answers' 👍/👎 counts (`votes`,
    rendered lines). Titles, topics and counts; no one's words or name."""
    blocks: list[Block] = [_header(m.STATS_TITLE)]
    if not asked and not gaps and not votes:
        blocks.append(_section(m.STATS_NONE))
        return _dicts(blocks)
    if asked:
        blocks += _lines_as_sections([f"*{m.STATS_TOP}*", *_asked_lines(asked, STATS_SHOWN)])
    if gaps:
        blocks += _lines_as_sections([f"*{m.STATS_GAPS}*", *_asked_lines(gaps, STATS_SHOWN)])
    else:
        blocks.append(_section(m.STATS_NO_GAPS))
    if votes:
        blocks += _lines_as_sections([f"*{m.STATS_VOTES}*", *votes[:STATS_SHOWN]])
    blocks.append(_context(m.STATS_FOOTER))
    return _dicts(blocks)


def pause_reason(code: str | None) -> str:
    return slack_errors.pause_reason(code)


def subscriptions_blocks(subscriptions: Sequence[Subscription]) -> list[dict]:
    if not subscriptions:
        return notice_blocks(m.SUBSCRIPTIONS_NONE)
    lines = [f"*{m.SUBSCRIPTIONS_TITLE}*"]
    for sub in subscriptions:
        line = m.SUBSCRIPTION_LINE.format(
            channel=sub.channel_id, time=sub.post_time, tz=sub.timezone
        )
        if not sub.active:
            line += m.SUBSCRIPTION_PAUSED.format(reason=escape(pause_reason(sub.paused_reason)))
        lines.append(line)
    return _dicts(_lines_as_sections(lines)[:MAX_BLOCKS])
