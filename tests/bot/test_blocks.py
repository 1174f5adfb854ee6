from __future__ import annotations

import json

import pytest

from bot import blocks as b
from bot import messages as m
from knowledge import Hit, SearchResult
from tests.bot.limits import check_limits


def test_escape_neutralises_every_mrkdwn_control_sequence():
    text = "<!channel> <!here> <@U123> <#C123|general> <https://evil.example|click> a&b"
    escaped = b.escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.startswith("&lt;!channel&gt;")
    assert "a&amp;b" in escaped


def test_escaping_a_carried_query_is_idempotent():
    once = b.carried_query("<!here> a&b")
    assert once == "&lt;!here&gt; a&amp;b"
    assert b.escape(b.unescape(once)) == once


def test_clip_respects_the_limit():
    assert b.clip("abc", 3) == "abc"
    assert b.clip("abcdef", 4) == "abc…"


def test_every_entry_renders_within_slack_limits_in_both_languages(knowledge):
    for entry in knowledge.entries:
        for lang in ("zh", "en"):
            alternatives = [knowledge.get(i) for i in entry.related[:3]]
            blocks = b.entry_blocks(
                entry,
                lang,
                knowledge.get,
                query="q" * 500,
                shareable=True,
                alternatives=[a for a in alternatives if a],
                truncated=True,
                best_match=True,
            )
            check_limits(blocks)
            shared = b.shared_answer_blocks(
                entry, lang, knowledge.get, user="U1", query="<!here>" * 100
            )
            check_limits(shared)
            assert "<!here>" not in json.dumps(shared)


def test_every_terms_page_and_keyword_fits(knowledge):
    from bot.listeners.commands import filter_terms

    terms = knowledge.terms()
    pages = b.page_count(len(terms))
    for page in range(pages):
        blocks = b.terms_page_blocks(terms, keyword="", page=page)
        check_limits(blocks)
        names = [blk for blk in blocks if blk["type"] == "section"]
        assert len(names) <= b.TERMS_PER_PAGE
    for term in terms:
        check_limits(b.terms_page_blocks(filter_terms(terms, term.zh), keyword=term.zh, page=0))
    check_limits(b.terms_page_blocks([], keyword="<!channel>" * 300, page=0))


def test_terms_pages_cover_the_whole_glossary_once(knowledge):
    terms = knowledge.terms()
    seen = []
    for page in range(b.page_count(len(terms))):
        blocks = b.terms_page_blocks(terms, keyword="", page=page)
        seen += [blk["text"]["text"].split("*")[1] for blk in blocks if blk["type"] == "section"]
    assert len(seen) == len(terms)


def test_toc_home_help_and_shortcut_fit(knowledge):
    check_limits(b.toc_blocks(knowledge.articles, knowledge.get))
    home = b.home_view(
        knowledge.terms(),
        most_asked=[b.Asked("<!channel> MaaS", 5, 3)] * 20,
        own_questions=["<!channel> 什么是MaaS"] * 20,
    )
    check_limits(home["blocks"], max_blocks=b.MAX_HOME_BLOCKS)
    assert "<!channel>" not in json.dumps(home, ensure_ascii=False)
    for theme in b.THEMES:
        assert theme in json.dumps(home, ensure_ascii=False)
    check_limits(b.help_blocks())
    for lang in ("zh", "en"):
        check_limits(b.shortcut_blocks(knowledge.terms()[:25], lang))
        check_limits(b.shortcut_blocks([], lang))


def test_toc_lists_every_section_heading(knowledge):
    text = json.dumps(b.toc_blocks(knowledge.articles, knowledge.get), ensure_ascii=False)
    for section in knowledge.sections():
        assert b.escape(section.source.heading_path[-1]) in text


@pytest.mark.parametrize("query", ["什么是MaaS", "what is AIGC", "合成数据有什么用", "天气", ""])
def test_answers_to_real_queries_fit(knowledge, query):
    result = knowledge.search(query)
    check_limits(b.answer_blocks(result, knowledge.get, shareable=True))
    assert b.answer_text(result)


def test_english_query_gets_the_english_gloss_and_labels(knowledge):
    result = knowledge.search("what is AIGC")
    text = json.dumps(b.answer_blocks(result, knowledge.get, shareable=True), ensure_ascii=False)
    assert result.answer.entry.gloss in text
    assert m.SHARE_BUTTON["en"] in text
    assert result.answer.entry.text in text  # Chinese text always there


def test_no_answer_escapes_the_query_and_offers_alternatives(knowledge):
    gan = knowledge.get("term:gan")
    result = SearchResult(
        query="<!channel> 生成什么",
        status="no_answer",
        alternatives=(Hit(gan, 0.5),),
        language="zh",
    )
    blocks = b.answer_blocks(result, knowledge.get, shareable=True)
    check_limits(blocks)
    raw = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in raw and "&lt;!channel&gt;" in raw
    button = blocks[-1]["elements"][0]
    assert button["action_id"] == f"{b.ALTERNATIVE_ACTION}_0"
    assert b.decode_value(button["value"])["id"] == "term:gan"


def test_button_values_round_trip_and_garbage_decodes_to_nothing():
    value = b.encode_value(id="term:maas", q="什么是MaaS", l="zh")
    assert b.decode_value(value) == {"id": "term:maas", "q": "什么是MaaS", "l": "zh"}
    assert b.decode_value("not json") == {}
    assert b.decode_value("[1]") == {}


def test_long_text_is_split_into_sections_within_the_limit():
    sections = b._text_sections("甲" * 7000 + "\n" + "乙" * 10)
    assert [len(s.text.text) for s in sections] == [3000, 3000, 1011]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_best_match_says_it_may_not_be_exactly_what_was_asked(knowledge, lang):
    entry = knowledge.get("term:clip")
    result = SearchResult(
        query="CLIP 到底有啥用啊 老看到有人提",
        status="best_match",
        answer=Hit(entry, 0.4),
        alternatives=(Hit(knowledge.get("term:multimodal"), 0.3),),
        language=lang,
    )
    blocks = b.answer_blocks(result, knowledge.get, shareable=True)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert m.BEST_MATCH_NOTE[lang] in shown
    assert m.ALSO_SEE[lang] in shown and m.DID_YOU_MEAN[lang] not in shown
    assert m.BEST_MATCH_NOTE[lang] in b.answer_text(result)
    check_limits(blocks)


def test_a_confident_answer_carries_no_best_match_note(knowledge):
    result = knowledge.search("什么是MaaS")
    assert result.status == "answered"
    shown = json.dumps(b.answer_blocks(result, knowledge.get, shareable=True), ensure_ascii=False)
    assert m.BEST_MATCH_NOTE["zh"] not in shown


def test_glossary_page_buttons_carry_the_keyword_escaped(knowledge):
    keyword = "<!channel> 数据"
    terms = [e for e in knowledge.terms() if "数据" in e.text] or knowledge.terms()
    blocks = b.terms_page_blocks(terms * 10, keyword=keyword, page=0)
    values = [el["value"] for blk in blocks if blk["type"] == "actions" for el in blk["elements"]]
    assert values and all("<!channel>" not in v for v in values)
    assert b.unescape(b.decode_value(values[-1])["k"]) == keyword
