"""Block Kit for teaching the bot (pure): the 👎 feedback modal, the suggest / correct modal and
what its submission says, the reject modal, and the App Home's review queue with each
suggestion's diff against the entry it would change.

Modals are built with slack_sdk's view and block models, whose `to_dict()` refuses what Slack
refuses (a title over 24 characters, more than 100 options ...). Text a person typed is escaped
wherever it is shown as mrkdwn; plain-text fields (input values, labels) show it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import messages as m
from bot.blocks import _button, clip, decode_value, encode_value, escape, unescape
from knowledge import Entry, Knowledge
from knowledge.cleaning import clean_question
from knowledge.model import THEMES
from knowledge.overlay import (
    MAX_ALIASES,
    MAX_DEFINITION_CHARS,
    MAX_NAME_CHARS,
    TeamTerm,
    TermProblem,
)
from knowledge.query import parse_query
from knowledge.text import compact, has_han

if TYPE_CHECKING:
    from bot.store import Suggestion, VoteCount

# Callback ids of the modals (bot/listeners/teach.py listens for their submissions).
FEEDBACK_VIEW = "teach_feedback"
SUGGEST_VIEW = "teach_suggest"
REJECT_VIEW = "teach_reject"
# Buttons of the review queue in App Home; each carries the suggestion id.
APPROVE_ACTION = "review_approve"
EDIT_ACTION = "review_edit"
REJECT_ACTION = "review_reject"

# The suggest modal's input blocks are named after knowledge.overlay.TeamTerm's fields, so
# check_term's TermProblem.field is the block an error is shown under.
FIELDS = ("zh", "en", "abbr", "aliases", "definition", "theme", "section_id")
INPUT_ACTION = "value"  # the action id of the one element in each input block
WANTED_BLOCK = "wanted"  # 👎 modal: what the person was looking for
MORE_BLOCK = "more"  # 👎 modal: the "suggest a better explanation" checkbox
SUGGEST_OPTION = "suggest"
REASON_BLOCK = "reason"  # reject modal

MAX_ABBR_CHARS = 30
MAX_ALIASES_CHARS = 1000
MAX_WISH_CHARS = 500
MAX_REASON_CHARS = 500
MAX_PREFILL_WORDS = 60  # a question's words prefilled as a name
REVIEW_SHOWN = 8  # suggestions in one App Home (4 blocks each; the Home holds 100)
VOTES_SHOWN = 10
OPTION_TEXT = 75  # Slack's limit on an option's text and an option group's label
_ALIAS_SEPARATORS = re.compile(r"[\n,，、;；]+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

Lookup = Callable[[str], Entry | None]


@dataclass(frozen=True)
class SuggestContext:
    """What the suggest modal carries in its private_metadata: where it was opened from (a
    Store origin), the language of its words, the entry a correction replaces, and for an
    editor's edit-then-approve the suggestion it approves."""

    origin: str
    lang: str = "zh"
    replaces: str = ""
    suggestion_id: int | None = None

    def metadata(self) -> str:
        return encode_value(o=self.origin, l=self.lang, r=self.replaces, s=self.suggestion_id)

    @classmethod
    def of_view(cls, view: dict) -> SuggestContext:
        data = decode_value(view.get("private_metadata") or "")
        suggestion = data.get("s")
        return cls(
            origin=str(data.get("o") or "teach"),
            lang=_lang(data.get("l")),
            replaces=str(data.get("r") or ""),
            suggestion_id=suggestion if isinstance(suggestion, int) else None,
        )


@dataclass(frozen=True)
class Feedback:
    """What the 👎 modal says on submission."""

    entry_id: str
    query: str  # as carried in button values: escaped
    lang: str
    wanted: str  # the optional free text, as typed
    suggest: bool  # "建议一个更好的解释" ticked


def _lang(value: object) -> str:
    return "en" if value == "en" else "zh"


def _plain(text: str, limit: int = 2000) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def _modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    submit: str | None,
    close: str,
    metadata: str,
) -> dict:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=_plain(title, 24),
        submit=_plain(submit, 24) if submit else None,
        close=_plain(close, 24),
        blocks=list(blocks),
        private_metadata=metadata,
    )
    return view.to_dict()


# --- prefilling ----------------------------------------------------------------------------------


def words_of_question(query: str) -> str:
    """What a question asks about, as the asker typed it: `什么是Sora` -> `Sora`; politeness,
    markup and question words dropped (the same parsing the search uses)."""
    typed = unescape(query)
    core = parse_query(clean_question(typed)).core.strip()
    if not core:
        return ""
    found = re.search(re.escape(core), typed, re.IGNORECASE)  # the typed case: Sora, not sora
    return clip(found.group() if found else core, MAX_PREFILL_WORDS)


def prefill_for_question(query: str, section_id: str = "") -> TeamTerm:
    """A new term named by the question's words (Chinese words as 中文名, else English)."""
    words = words_of_question(query)
    if has_han(words):
        return TeamTerm(zh=words, section_id=section_id)
    return TeamTerm(zh="", en=words, section_id=section_id)


def prefill_for_entry(entry: Entry) -> TeamTerm:
    """A correction of `entry`: its names, aliases and everyday phrasings, text and theme."""
    return TeamTerm(
        zh=entry.zh or entry.title,
        en=entry.en,
        abbr=entry.abbr,
        aliases=aliases_of(entry),
        definition=entry.text,  # whole: shortening it is the person's choice, not ours
        theme=entry.theme if entry.theme in THEMES else "",
        section_id=entry.sections[0] if entry.sections else "",
        replaces=entry.id,
    )


def aliases_of(entry: Entry) -> tuple[str, ...]:
    """An entry's aliases and everyday phrasings, one list, without its own names."""
    names = {compact(n) for n in (entry.zh or entry.title, entry.en, entry.abbr)}
    both = (*entry.aliases, *entry.phrasings)
    return tuple(dict.fromkeys(a for a in both if compact(a) not in names))


def term_name(term: TeamTerm) -> str:
    """How a suggestion is named in lists and messages: its Chinese name, else English."""
    return term.zh or term.en or term.abbr or "?"


# --- the suggest / correct modal ------------------------------------------------------------------


def _text_input(
    field: str,
    lang: str,
    value: str,
    *,
    max_length: int,
    optional: bool,
    multiline: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=field,
        label=_plain(m.FIELD_LABELS[field][lang]),
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            initial_value=value or None,
            multiline=multiline or None,
            # Never cut a prefilled value: check_term says inline what is too long.
            max_length=min(max(max_length, len(value)), 3000),
        ),
        hint=_plain(hint) if hint else None,
        optional=optional,
    )


def _option(text: str, value: str) -> Option:
    return Option(text=_plain(clip(text, OPTION_TEXT)), value=value)


def _theme_input(lang: str, theme: str) -> InputBlock:
    options = [_option(t, t) for t in THEMES]
    chosen = next((o for o in options if o.value == theme), None)
    return InputBlock(
        block_id="theme",
        label=_plain(m.FIELD_LABELS["theme"][lang]),
        element=StaticSelectElement(
            action_id=INPUT_ACTION,
            placeholder=_plain(m.PICK_ONE[lang]),
            options=options,
            initial_option=chosen,
        ),
    )


def section_label(entry: Entry) -> str:
    return " › ".join(entry.source.heading_path) or entry.title


def _section_input(lang: str, sections: Sequence[Entry], section_id: str) -> InputBlock | None:
    """The article headings to relate a term to, grouped by article (at most 100 groups of
    100, Slack's limits)."""
    shown = [s for s in sections if not s.figure_only]
    if not shown:
        return None
    by_article: dict[str, list[Entry]] = {}
    for entry in shown:
        by_article.setdefault(entry.source.article, []).append(entry)
    groups: list[OptionGroup] = []
    chosen: Option | None = None
    for article, entries in list(by_article.items())[:100]:
        options = []
        for entry in entries[:100]:
            option = _option(section_label(entry), entry.id)
            options.append(option)
            if entry.id == section_id:
                chosen = option
        groups.append(OptionGroup(label=_plain(clip(article or "—", OPTION_TEXT)), options=options))
    return InputBlock(
        block_id="section_id",
        label=_plain(m.FIELD_LABELS["section_id"][lang]),
        element=StaticSelectElement(
            action_id=INPUT_ACTION,
            placeholder=_plain(m.PICK_ONE[lang]),
            option_groups=groups,
            initial_option=chosen,
        ),
        optional=True,
    )


def suggest_modal(
    knowledge: Knowledge,
    prefill: TeamTerm,
    context: SuggestContext,
    *,
    submitter: str = "",
) -> dict:
    """The glossary's fields, prefilled: a new term, a correction of `context.replaces`, or an
    editor's edit of suggestion `context.suggestion_id` (submitted, it approves)."""
    lang = context.lang
    context = replace(context, replaces=context.replaces or prefill.replaces)
    current = knowledge.get(context.replaces) if context.replaces else None
    if context.suggestion_id is not None:
        who = submitter if _USER_ID.fullmatch(submitter) else "?"
        title, submit = m.EDIT_TITLE[lang], m.APPROVE_SUBMIT[lang]
        intro = m.EDIT_INTRO[lang].format(id=context.suggestion_id, user=who)
    elif current is not None:
        title, submit = m.CORRECT_TITLE[lang], m.SUGGEST_SUBMIT[lang]
        intro = m.CORRECT_INTRO[lang].format(title=escape(clip(current.title, 200)))
    else:
        title, submit = m.SUGGEST_TITLE[lang], m.SUGGEST_SUBMIT[lang]
        intro = m.SUGGEST_INTRO[lang]
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=intro)]),
        _text_input(
            "zh", lang, prefill.zh, max_length=MAX_NAME_CHARS, optional=True, hint=m.NAME_HINT[lang]
        ),
        _text_input("en", lang, prefill.en, max_length=MAX_NAME_CHARS, optional=True),
        _text_input("abbr", lang, prefill.abbr, max_length=MAX_ABBR_CHARS, optional=True),
        _text_input(
            "aliases",
            lang,
            "\n".join(prefill.aliases),
            max_length=MAX_ALIASES_CHARS,
            optional=True,
            multiline=True,
            hint=m.ALIASES_HINT[lang],
        ),
        _text_input(
            "definition",
            lang,
            prefill.definition,
            max_length=MAX_DEFINITION_CHARS,
            optional=False,
            multiline=True,
            hint=m.DEFINITION_HINT[lang].format(limit=MAX_DEFINITION_CHARS),
        ),
        _theme_input(lang, prefill.theme),
    ]
    section = _section_input(lang, knowledge.sections(), prefill.section_id)
    if section is not None:
        blocks.append(section)
    return _modal(
        SUGGEST_VIEW,
        title,
        blocks,
        submit=submit,
        close=m.CANCEL[lang],
        metadata=context.metadata(),
    )


def _input_value(values: dict, block: str) -> str:
    element = (values.get(block) or {}).get(INPUT_ACTION) or {}
    if element.get("type") == "static_select":
        return str((element.get("selected_option") or {}).get("value") or "")
    return str(element.get("value") or "").strip()


def split_aliases(text: str) -> tuple[str, ...]:
    """Aliases typed one a line or separated by commas / 顿号, each once, in order."""
    words = (w.strip() for w in _ALIAS_SEPARATORS.split(text))
    return tuple(dict.fromkeys(w for w in words if w))


def term_from_submission(view: dict) -> tuple[TeamTerm, SuggestContext]:
    """The term a submitted suggest modal proposes, and the modal's context."""
    context = SuggestContext.of_view(view)
    values = (view.get("state") or {}).get("values") or {}
    term = TeamTerm(
        zh=_input_value(values, "zh"),
        en=_input_value(values, "en"),
        abbr=_input_value(values, "abbr"),
        aliases=split_aliases(_input_value(values, "aliases")),
        definition=_input_value(values, "definition"),
        theme=_input_value(values, "theme"),
        section_id=_input_value(values, "section_id"),
        replaces=context.replaces,
    )
    return term, context


def problem_errors(
    problems: Iterable[TermProblem], lang: str, term: TeamTerm | None = None
) -> dict[str, str]:
    """check_term's problems as view_submission errors: block id -> message, the first problem
    of each field (the entry a correction replaces is shown under the Chinese name)."""
    errors: dict[str, str] = {}
    for problem in problems:
        block = problem.field if problem.field in FIELDS else "zh"
        errors.setdefault(block, problem_message(problem, lang, term))
    return errors


def problem_message(problem: TermProblem, lang: str, term: TeamTerm | None = None) -> str:
    """One problem in words. An alias's detail is "alias" or "alias → owner title"; a name's
    is the owner's title (name_taken) or its length (too_long), the name itself is the term's
    field."""
    code = problem.code
    if code == "required" and problem.field == "zh":
        code = "name_required"
    name, _, owner = problem.detail.partition(" → ")
    if problem.field != "aliases":
        owner = problem.detail
        named = problem.field in ("zh", "en", "abbr") and term is not None
        name = getattr(term, problem.field).strip() if named else ""
    limit = ""
    if code == "too_long":
        most = MAX_DEFINITION_CHARS if problem.field == "definition" else MAX_NAME_CHARS
        limit = m.TOO_LONG_LIMIT[lang].format(limit=most)
    elif code == "too_many":
        limit = str(MAX_ALIASES)
    template = m.TERM_PROBLEMS.get(code, m.TERM_PROBLEMS["other"])[lang]
    text = template.format(name=clip(name, 60), owner=clip(owner, 60), limit=limit, code=code)
    return text.rstrip("：: ")


# --- the 👎 modal and the reject modal --------------------------------------------------------------


def feedback_modal(entry: Entry, lang: str, query: str) -> dict:
    """After a 👎: what the person was looking for (optional) and a way on to suggesting a
    better explanation. `query`: as carried in the button (escaped)."""
    about = m.FEEDBACK_ABOUT[lang].format(title=escape(clip(entry.title, 200)))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=about)),
        InputBlock(
            block_id=WANTED_BLOCK,
            label=_plain(m.FEEDBACK_WANTED_LABEL[lang]),
            element=PlainTextInputElement(
                action_id=INPUT_ACTION, multiline=True, max_length=MAX_WISH_CHARS
            ),
            hint=_plain(m.FEEDBACK_WANTED_HINT[lang]),
            optional=True,
        ),
        InputBlock(
            block_id=MORE_BLOCK,
            label=_plain(m.FEEDBACK_MORE_LABEL[lang]),
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[_option(m.FEEDBACK_SUGGEST_OPTION[lang], SUGGEST_OPTION)],
            ),
            optional=True,
        ),
    ]
    metadata = encode_value(id=entry.id, q=query[:200], l=lang)
    return _modal(
        FEEDBACK_VIEW,
        m.FEEDBACK_TITLE[lang],
        blocks,
        submit=m.SEND[lang],
        close=m.CLOSE[lang],
        metadata=metadata,
    )


def feedback_from_submission(view: dict) -> Feedback:
    data = decode_value(view.get("private_metadata") or "")
    values = (view.get("state") or {}).get("values") or {}
    ticked = ((values.get(MORE_BLOCK) or {}).get(INPUT_ACTION) or {}).get("selected_options")
    return Feedback(
        entry_id=str(data.get("id") or ""),
        query=str(data.get("q") or ""),
        lang=_lang(data.get("l")),
        wanted=_input_value(values, WANTED_BLOCK)[:MAX_WISH_CHARS],
        suggest=any(o.get("value") == SUGGEST_OPTION for o in ticked or ()),
    )


def reject_modal(suggestion: Suggestion, lang: str = "zh") -> dict:
    """An editor's reason for rejecting a suggestion (sent to the submitter)."""
    about = m.REJECT_ABOUT[lang].format(
        id=suggestion.id, name=escape(clip(term_name(suggestion.term), 200))
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=about)),
        InputBlock(
            block_id=REASON_BLOCK,
            label=_plain(m.REJECT_REASON_LABEL[lang]),
            element=PlainTextInputElement(
                action_id=INPUT_ACTION, multiline=True, max_length=MAX_REASON_CHARS
            ),
        ),
    ]
    return _modal(
        REJECT_VIEW,
        m.REJECT_TITLE[lang],
        blocks,
        submit=m.REJECT_SUBMIT[lang],
        close=m.CANCEL[lang],
        metadata=encode_value(s=suggestion.id, l=lang),
    )


def rejection_from_submission(view: dict) -> tuple[int | None, str]:
    """(suggestion id, reason) of a submitted reject modal."""
    data = decode_value(view.get("private_metadata") or "")
    values = (view.get("state") or {}).get("values") or {}
    suggestion = data.get("s")
    reason = _input_value(values, REASON_BLOCK)[:MAX_REASON_CHARS]
    return (suggestion if isinstance(suggestion, int) else None), reason


# --- the review queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of a suggestion against the entry it would change: `old` is "" for a new
    term (or a field the entry did not have)."""

    field: str
    old: str
    new: str


def _section_title(section_id: str, lookup: Lookup) -> str:
    if not section_id:
        return ""
    entry = lookup(section_id)
    return section_label(entry) if entry is not None else section_id


def term_changes(term: TeamTerm, current: Entry | None, lookup: Lookup) -> list[Change]:
    """The fields the suggestion sets or changes, in the modal's order (unchanged ones left
    out: a correction shows only what it corrects)."""
    new = {
        "zh": term.zh,
        "en": term.en,
        "abbr": term.abbr,
        "aliases": "、".join(term.aliases),
        "definition": term.definition,
        "theme": term.theme,
        "section_id": _section_title(term.section_id, lookup),
    }
    old = dict.fromkeys(new, "")
    if current is not None:
        old.update(
            zh=current.zh or current.title,
            en=current.en,
            abbr=current.abbr,
            aliases="、".join(aliases_of(current)),
            definition=current.text,
            theme=current.theme,
            section_id=_section_title(current.sections[0] if current.sections else "", lookup),
        )
    return [Change(f, old[f], new[f]) for f in FIELDS if old[f] != new[f]]


def _change_line(change: Change) -> str:
    label = "*{zh} / {en}*".format(**m.FIELD_LABELS[change.field])
    old, new = escape(clip(change.old, 400)), escape(change.new) or "—"
    if change.field == "definition":
        before = f"\n~{old}~" if old else ""
        return f"{label}{before}\n→ {new}"
    return f"{label}: ~{old}~ → {new}" if old else f"{label}: {new}"


def _mention(user: str) -> str:
    return f"<@{user}>" if _USER_ID.fullmatch(user or "") else "?"


def suggestion_blocks(suggestion: Suggestion, lookup: Lookup) -> list[Block]:
    """One suggestion in the queue: what it is, by whom, its diff, and the three buttons."""
    term = suggestion.term
    current = lookup(term.replaces) if term.replaces else None
    if current is not None:
        kind = m.HOME_REVIEW_CORRECTION.format(title=escape(clip(current.title, 150)))
    else:
        kind = f"*{m.HOME_REVIEW_NEW}*"
    by = m.HOME_REVIEW_BY.format(
        id=suggestion.id,
        user=_mention(suggestion.submitter),
        date=suggestion.created_at.date().isoformat(),
        origin=m.REVIEW_ORIGINS.get(suggestion.origin, escape(suggestion.origin)),
    )
    changes = term_changes(term, current, lookup)
    lines = [_change_line(c) for c in changes] or [m.HOME_REVIEW_UNCHANGED]
    value = encode_value(s=suggestion.id)
    buttons = [
        ("approve", m.APPROVE_BUTTON, APPROVE_ACTION, "primary"),
        ("edit", m.EDIT_APPROVE_BUTTON, EDIT_ACTION, None),
        ("reject", m.REJECT_BUTTON, REJECT_ACTION, "danger"),
    ]
    return [
        SectionBlock(
            text=MarkdownTextObject(text=clip(f"{kind} · *{escape(term_name(term))}*", 3000))
        ),
        ContextBlock(elements=[MarkdownTextObject(text=by)]),
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000))),
        ActionsBlock(
            block_id=f"review_{suggestion.id}",
            elements=[_button(text, action, value, style) for _, text, action, style in buttons],
        ),
    ]


def vote_lines(votes: Sequence[VoteCount], lookup: Lookup, limit: int = VOTES_SHOWN) -> list[str]:
    """Entries with their 👍/👎 counts, most 👎 first; counts only, never who voted."""
    ranked = sorted(votes, key=lambda v: (-v.down, -v.up, v.entry_id))
    lines = []
    for vote in ranked:
        entry = lookup(vote.entry_id)
        if entry is None:  # a rebuild removed it: its id means nothing to a reader
            continue
        counts = m.VOTE_COUNTS.format(up=vote.up, down=vote.down)
        lines.append(f"• {escape(clip(entry.title, 120))}  _{counts}_")
        if len(lines) >= limit:
            break
    return lines


def review_home_blocks(
    *,
    is_editor: bool,
    editors_named: bool,
    pending: Sequence[Suggestion],
    pending_count: int,
    votes: Sequence[VoteCount],
    lookup: Lookup,
) -> list[dict]:
    """The teaching part of one person's App Home. An editor: the queue (at most
    REVIEW_SHOWN, each with its diff and buttons) and the answers' vote counts. Without
    editors named: for everyone, how to name them and how many suggestions wait. Anyone else:
    nothing (others' suggestions are not theirs to see)."""
    blocks: list[Block] = []
    if not editors_named:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=m.HOME_NO_EDITORS.format(count=pending_count))
            )
        )
        return [b.to_dict() for b in blocks]
    if not is_editor:
        return []
    blocks.append(HeaderBlock(text=clip(f"{m.HOME_REVIEW_TITLE} ({pending_count})", 150)))
    if not pending:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=m.HOME_REVIEW_NONE)))
    for suggestion in pending[:REVIEW_SHOWN]:
        blocks += suggestion_blocks(suggestion, lookup)
        blocks.append(DividerBlock())
    if pending_count > min(len(pending), REVIEW_SHOWN):
        more = pending_count - min(len(pending), REVIEW_SHOWN)
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=m.HOME_REVIEW_MORE.format(count=more))])
        )
    blocks.append(HeaderBlock(text=m.HOME_VOTES_TITLE))
    lines = vote_lines(votes, lookup)
    text = "\n".join(lines) if lines else m.HOME_VOTES_NONE
    blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(text, 3000))))
    return [b.to_dict() for b in blocks]
