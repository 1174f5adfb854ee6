"""The teaching surfaces as Block Kit (pure): feedback buttons under every answer, the 教我这个词
button, the 团队补充 line, the modals (checked as Slack checks them, by the stand-in's rules)
and what their submissions say, and the App Home's review queue."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot import blocks as b
from bot import messages as m
from bot import teach_blocks as tb
from bot.store import Suggestion, VoteCount
from knowledge import Hit, SearchResult
from knowledge.model import THEMES
from knowledge.overlay import TeamTerm, TermProblem, check_term
from tests.bot.limits import check_limits
from tests.e2e.fake_slack import _state_of, block_kit_errors, modal_errors, view_errors

LANGS = ("zh", "en")


def _buttons(blocks: list[dict]) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for block in blocks
        if block["type"] == "actions"
        for e in block["elements"]
    }


def _submitted(view: dict, values: dict | None = None) -> dict:
    """The view as Slack sends it back on submission (the stand-in's rules for state)."""
    return {**view, "state": {"values": _state_of(view, values or {})}}


@pytest.fixture(scope="module")
def term(knowledge):
    return knowledge.get("term:maas") or knowledge.terms()[0]


# --- answers --------------------------------------------------------------------------------------


def test_every_answer_has_feedback_buttons_and_terms_a_correct_button(knowledge):
    for entry in knowledge.entries:
        for lang in LANGS:
            for shareable in (True, False):  # private answers; thread replies and DMs
                blocks = b.entry_blocks(entry, lang, knowledge.get, query="问", shareable=shareable)
                check_limits(blocks)
                assert block_kit_errors(blocks) == []
                buttons = _buttons(blocks)
                assert {b.VOTE_UP_ACTION, b.VOTE_DOWN_ACTION} <= set(buttons)
                assert (b.CORRECT_ACTION in buttons) == (entry.kind == "term")
                assert (b.SHARE_ACTION in buttons) == shareable
                value = b.decode_value(buttons[b.VOTE_DOWN_ACTION]["value"])
                assert value == {"id": entry.id, "q": "问", "l": lang}
                assert buttons[b.VOTE_UP_ACTION]["text"]["text"] == m.VOTE_UP_BUTTON[lang]


def test_a_shared_answer_has_feedback_buttons_and_carries_no_live_markup(knowledge, term):
    shared = b.shared_answer_blocks(
        term, "zh", knowledge.get, user="U0ASKER001", query="<!here> 什么是MaaS"
    )
    check_limits(shared)
    assert block_kit_errors(shared) == []
    buttons = _buttons(shared)
    assert set(buttons) == {b.VOTE_UP_ACTION, b.VOTE_DOWN_ACTION, b.CORRECT_ACTION}
    assert "<!here>" not in json.dumps(shared, ensure_ascii=False)


def test_a_no_answer_offers_to_teach_the_question(knowledge):
    for lang, query in (("zh", "什么是Sora"), ("en", "what is <!channel> Sora")):
        result = SearchResult(query=query, status="no_answer", language=lang)
        blocks = b.answer_blocks(result, knowledge.get, shareable=True)
        check_limits(blocks)
        teach = _buttons(blocks)[b.TEACH_ACTION]
        assert teach["text"]["text"] == m.TEACH_BUTTON[lang]
        value = b.decode_value(teach["value"])
        assert value["l"] == lang and "<" not in value["q"]
    with_alternatives = SearchResult(
        query="什么是Sora",
        status="no_answer",
        alternatives=(Hit(knowledge.terms()[0], 1.0),),
    )
    blocks = b.answer_blocks(with_alternatives, knowledge.get, shareable=False)
    assert b.TEACH_ACTION in _buttons(blocks) and f"{b.ALTERNATIVE_ACTION}_0" in _buttons(blocks)


def test_a_team_term_says_who_approved_it_and_when(knowledge, term):
    approved = replace(term, approved_by="U0EDITOR01", approved_on="2026-12-01")
    for lang in LANGS:
        text = json.dumps(
            b.entry_blocks(approved, lang, knowledge.get, query="q", shareable=True),
            ensure_ascii=False,
        )
        assert "团队补充" in text and "<@U0EDITOR01>" in text and "2026-12-01" in text
    assert "团队补充" not in json.dumps(
        b.entry_blocks(term, "zh", knowledge.get, query="q", shareable=True), ensure_ascii=False
    )
    # Where others see the answer (a shared copy, a thread reply) the approver is not mentioned:
    # a mention there would notify them every time.
    public = [
        b.shared_answer_blocks(approved, "zh", knowledge.get, user="U0ASKER01", query="q"),
        b.entry_blocks(approved, "zh", knowledge.get, query="q", shareable=False),
    ]
    for blocks in public:
        text = json.dumps(blocks, ensure_ascii=False)
        assert "团队补充" in text and "2026-12-01" in text and "U0EDITOR01" not in text
    # Anything but a user id is never rendered as markup.
    odd = replace(term, approved_by="<!channel>", approved_on="2026-12-01")
    line = b.team_addition(odd, "zh")
    assert line is not None and "<" not in line and "2026-12-01" in line


# --- prefilling -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("什么是Sora", "Sora"),
        ("Sora是什么意思？", "Sora"),
        ("what is LoRA fine-tuning?", "LoRA fine-tuning"),
        ("请问一下大家知道联邦学习到底指的是什么吗", "联邦学习"),
        ("&lt;@U1&gt; 什么是 智能体", "智能体"),
        ("？？", ""),
    ],
)
def test_the_words_of_a_question_are_what_it_asks_about_as_typed(question, words):
    assert tb.words_of_question(question) == words


def test_prefills_put_chinese_words_in_the_chinese_name():
    assert tb.prefill_for_question("什么是联邦学习") == TeamTerm(zh="联邦学习")
    assert tb.prefill_for_question("what is Sora", "s#1") == TeamTerm(
        zh="", en="Sora", section_id="s#1"
    )


def test_a_correction_is_prefilled_with_the_whole_entry_and_never_collides_with_it(knowledge):
    for entry in knowledge.terms():
        prefill = tb.prefill_for_entry(entry)
        assert prefill.replaces == entry.id and prefill.definition == entry.text
        assert entry.en == prefill.en and entry.abbr == prefill.abbr
        # Submitted unchanged, it passes: the names the glossary admitted stay admitted.
        assert check_term(knowledge, prefill) == [], entry.id


# --- the suggest modal ------------------------------------------------------------------------------


def test_the_suggest_modal_is_one_slack_takes_for_every_term_and_language(knowledge):
    for entry in knowledge.terms():
        for lang in LANGS:
            context = tb.SuggestContext("correct", lang)
            view = tb.suggest_modal(knowledge, tb.prefill_for_entry(entry), context)
            assert modal_errors(view) == [], entry.id
            assert view["title"]["text"] == m.CORRECT_TITLE[lang]
    for lang in LANGS:
        new = tb.suggest_modal(knowledge, TeamTerm(zh=""), tb.SuggestContext("teach", lang))
        assert modal_errors(new) == [] and new["title"]["text"] == m.SUGGEST_TITLE[lang]
        edit = tb.suggest_modal(
            knowledge,
            TeamTerm(zh="智能体", definition="x", theme=THEMES[0]),
            tb.SuggestContext("teach", lang, suggestion_id=7),
            submitter="U0SUBMIT01",
        )
        assert modal_errors(edit) == [] and edit["submit"]["text"] == m.APPROVE_SUBMIT[lang]
        assert "<@U0SUBMIT01>" in json.dumps(edit)


def test_a_submitted_modal_gives_back_the_term_and_where_it_came_from(knowledge, term):
    prefill = tb.prefill_for_entry(term)
    context = tb.SuggestContext("feedback", "en")
    view = tb.suggest_modal(knowledge, prefill, context)
    unchanged, read_context = tb.term_from_submission(_submitted(view))
    assert unchanged == prefill
    assert read_context == tb.SuggestContext("feedback", "en", replaces=term.id)

    section = knowledge.sections()[0]
    typed = {
        "zh": " 智能体 ",
        "en": "AI Agent",
        "aliases": "AI代理，智能代理\n智能代理、Agent",
        "definition": "能自己规划并调用工具完成任务的 AI 系统。",
        "theme": THEMES[1],
        "section_id": section.id,
    }
    new_view = tb.suggest_modal(knowledge, TeamTerm(zh=""), tb.SuggestContext("teach"))
    proposed, _ = tb.term_from_submission(_submitted(new_view, typed))
    assert proposed == TeamTerm(
        zh="智能体",
        en="AI Agent",
        aliases=("AI代理", "智能代理", "Agent"),
        definition="能自己规划并调用工具完成任务的 AI 系统。",
        theme=THEMES[1],
        section_id=section.id,
    )
    assert check_term(knowledge, proposed) == []


def test_a_definition_over_the_limit_cannot_even_be_typed(knowledge):
    view = tb.suggest_modal(knowledge, TeamTerm(zh=""), tb.SuggestContext("teach"))
    with pytest.raises(AssertionError, match="max_length"):
        _state_of(view, {"zh": "智能体", "definition": "长" * 601, "theme": THEMES[0]})
    with pytest.raises(AssertionError, match="required"):
        _state_of(view, {"zh": "智能体", "theme": THEMES[0]})


def test_problems_become_messages_under_their_fields(knowledge, term):
    taken = TeamTerm(
        zh=term.zh,
        aliases=("什么是智能体", "<!channel>"),
        definition="x",
        theme="不存在",
        section_id="gone#1",
    )
    for lang in LANGS:
        errors = tb.problem_errors(check_term(knowledge, taken), lang, taken)
        assert set(errors) == {"zh", "aliases", "theme", "section_id"}
        assert term.title in errors["zh"] and term.zh in errors["zh"]
        assert "什么是智能体" in errors["aliases"]
    empty = TeamTerm(zh="")
    errors = tb.problem_errors(check_term(knowledge, empty), "zh", empty)
    assert errors == {
        "zh": m.TERM_PROBLEMS["name_required"]["zh"],
        "definition": m.TERM_PROBLEMS["required"]["zh"],
        "theme": m.TERM_PROBLEMS["required"]["zh"],
    }
    gone = TeamTerm(zh="全新的词", definition="x", theme=THEMES[0], replaces="term:gone")
    assert tb.problem_errors(check_term(knowledge, gone), "en", gone) == {
        "zh": m.TERM_PROBLEMS["unknown_entry"]["en"]
    }


def test_every_problem_code_has_words_in_both_languages():
    codes = [
        "required",
        "too_long",
        "too_short",
        "too_many",
        "empty_name",
        "name_taken",
        "duplicate_name",
        "asks_question",
        "question_phrase",
        "unknown_theme",
        "unknown_section",
        "unknown_entry",
        "unsafe_text",
    ]
    for code in codes:
        for field in ("zh", "aliases", "definition"):
            for lang in LANGS:
                text = tb.problem_message(TermProblem(field, code, "别名 → 合成数据"), lang)
                fallback = f"({code})" in text or f"（{code}）" in text
                assert text and "{" not in text and not fallback, (code, field, lang)
    too_long = tb.problem_message(TermProblem("definition", "too_long", "700"), "zh")
    assert "600" in too_long


# --- the 👎 and reject modals ------------------------------------------------------------------------


def test_the_feedback_modal_reads_back_the_wish_and_the_choice(knowledge, term):
    for lang in LANGS:
        view = tb.feedback_modal(term, lang, "什么是MaaS")
        assert modal_errors(view) == []
        assert view["title"]["text"] == m.FEEDBACK_TITLE[lang]
        nothing = tb.feedback_from_submission(_submitted(view))
        assert nothing == tb.Feedback(term.id, "什么是MaaS", lang, "", False)
        ticked = tb.feedback_from_submission(
            _submitted(view, {tb.WANTED_BLOCK: "收费方式", tb.MORE_BLOCK: [tb.SUGGEST_OPTION]})
        )
        assert ticked.wanted == "收费方式" and ticked.suggest


def _suggestion(term: TeamTerm, id: int = 3, submitter: str = "U0SUBMIT01") -> Suggestion:
    return Suggestion(
        id=id,
        team_id="T1",
        submitter=submitter,
        term=term,
        origin="no_answer",
        status="pending",
        reviewer=None,
        reason=None,
        created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        decided_at=None,
    )


def test_the_reject_modal_asks_a_reason(knowledge):
    suggestion = _suggestion(TeamTerm(zh="智能体", definition="x", theme=THEMES[0]))
    view = tb.reject_modal(suggestion, "en")
    assert modal_errors(view) == []
    assert tb.rejection_from_submission(_submitted(view, {tb.REASON_BLOCK: "已有"})) == (3, "已有")
    with pytest.raises(AssertionError, match="required"):
        _state_of(view, {})


# --- the review queue -------------------------------------------------------------------------------


def test_a_correction_shows_only_what_it_changes(knowledge, term):
    corrected = replace(tb.prefill_for_entry(term), definition="新的解释。", abbr="MAAS2")
    changes = tb.term_changes(corrected, term, knowledge.get)
    assert [c.field for c in changes] == ["abbr", "definition"]
    assert changes[1] == tb.Change("definition", term.text[:600], "新的解释。") or (
        changes[1].old == term.text and changes[1].new == "新的解释。"
    )
    new = TeamTerm(zh="智能体", definition="x", theme=THEMES[0])
    assert [c.field for c in tb.term_changes(new, None, knowledge.get)] == [
        "zh",
        "definition",
        "theme",
    ]


def test_an_editor_sees_each_suggestion_with_its_diff_and_buttons(knowledge, term):
    correction = replace(tb.prefill_for_entry(term), definition="<!channel> 新的解释")
    pending = [_suggestion(correction, 3), _suggestion(TeamTerm(zh="智能体", definition="d"), 4)]
    votes = [VoteCount(term.id, 1, 5), VoteCount("gone#x", 0, 9), VoteCount("term:aigc", 4, 0)]
    blocks = tb.review_home_blocks(
        is_editor=True,
        editors_named=True,
        pending=pending,
        pending_count=12,
        votes=votes,
        lookup=knowledge.get,
    )
    text = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in text and "&lt;!channel&gt; 新的解释" in text
    assert "<@U0SUBMIT01>" in text and "#3" in text and "2026-12-01" in text
    assert m.HOME_REVIEW_MORE.format(count=10) in text
    for suggestion in (3, 4):
        (actions,) = [x for x in blocks if x.get("block_id") == f"review_{suggestion}"]
        assert [e["action_id"] for e in actions["elements"]] == [
            tb.APPROVE_ACTION,
            tb.EDIT_ACTION,
            tb.REJECT_ACTION,
        ]
        assert all(b.decode_value(e["value"]) == {"s": suggestion} for e in actions["elements"])
    lines = tb.vote_lines(votes, knowledge.get)
    assert len(lines) == 2 and term.title in lines[0] and "👎 5" in lines[0]  # gone#x left out
    home = b.home_view(knowledge.terms(), teaching=blocks)
    assert view_errors(home) == []


def test_others_never_see_the_queue_and_without_editors_everyone_learns_how_to_name_them(
    knowledge,
):
    pending = [_suggestion(TeamTerm(zh="智能体", definition="d"))]
    common = {"pending": pending, "pending_count": 1, "votes": [], "lookup": knowledge.get}
    assert tb.review_home_blocks(is_editor=False, editors_named=True, **common) == []
    unnamed = tb.review_home_blocks(is_editor=False, editors_named=False, **common)
    text = json.dumps(unnamed, ensure_ascii=False)
    assert "KNOWLEDGE_EDITORS" in text and "智能体" not in text and "U0SUBMIT01" not in text
    empty = tb.review_home_blocks(
        is_editor=True,
        editors_named=True,
        pending=[],
        pending_count=0,
        votes=[],
        lookup=knowledge.get,
    )
    assert m.HOME_REVIEW_NONE in json.dumps(empty, ensure_ascii=False)
    assert m.HOME_VOTES_NONE in json.dumps(empty, ensure_ascii=False)


def test_a_full_queue_still_fits_the_home(knowledge):
    long = TeamTerm(
        zh="智能体",
        en="A" * 40,
        aliases=tuple(f"别名{i}" for i in range(30)),
        definition="长" * 600,
        theme=THEMES[0],
        section_id=knowledge.sections()[0].id,
    )
    pending = [_suggestion(long, i) for i in range(50)]
    blocks = tb.review_home_blocks(
        is_editor=True,
        editors_named=True,
        pending=pending,
        pending_count=50,
        votes=[VoteCount(t.id, 3, 3) for t in knowledge.terms()],
        lookup=knowledge.get,
    )
    home = b.home_view(knowledge.terms(), teaching=blocks)
    assert view_errors(home) == []
    assert sum(1 for x in home["blocks"] if x.get("block_id", "").startswith("review_")) == (
        tb.REVIEW_SHOWN
    )
