"""The one query cleaner: Slack markup, typed mentions, emoji and chat filler out before search."""

from __future__ import annotations

import pytest

from knowledge import Knowledge
from knowledge.cleaning import QueryWords, clean_question, query_words, strip_markup
from knowledge.query import parse_query
from knowledge.text import compact


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("<!channel> 什么是MaaS", "什么是maas"),
        ("<!here|here> 什么是MaaS", "什么是maas"),
        ("<!subteam^S012|@ai-team> 什么是MaaS", "什么是maas"),
        ("<@U024BE7LH> 深度伪造怎么防范", "深度伪造怎么防范"),
        ("<@U024BE7LH|ann> MaaS?", "maas"),
        ("<#C0123|general> 里有人问 MaaS", "里有人问 maas"),
        ("<https://example.com|MaaS> 是啥", "maas 是啥"),
        ("@channel 什么是MaaS", "什么是maas"),
        ("@AIGC助手 合成数据有什么用", "合成数据有什么用"),
        (":thinking_face: AIGC 🤔 有哪些应用", "aigc 有哪些应用"),
        ("合成数据到底解决啥问题啊？？？", "合成数据 解决啥问题啊"),
        ("请问一下大家知道AIGC里面MaaS到底指的是什么吗", "知道aigc maas 指的是什么吗"),
        ("有没有讲数字人的", "数字人的"),
        ("hi bot, what is the safety of AI? thanks", "what is the safety of ai"),
    ],
)
def test_markup_mentions_emoji_and_filler_are_removed(raw: str, cleaned: str) -> None:
    assert clean_question(raw) == cleaned


def test_filler_alone_is_kept_so_something_is_searched() -> None:
    assert clean_question("到底") == "到底"
    assert clean_question("请问") == "请问"


def test_latin_filler_is_removed_only_as_a_whole_word() -> None:
    # "ty" (thank you) must not eat the end of "safety", nor "qq" the middle of a word.
    assert clean_question("AI safety ty") == "ai safety"


def test_markup_never_survives_as_a_broadcast() -> None:
    text = strip_markup("<!channel> <!everyone> @here 什么是MaaS")
    assert "<!" not in text and "@" not in text


def test_the_word_lists_load_folded_longest_first() -> None:
    words = QueryWords.from_toml()
    assert words.prefixes.index("请问一下") < words.prefixes.index("请问")
    assert all(p == p.lower() for p in words.all_phrases())
    assert {i.name for i in words.intents} >= {"use", "how", "risk", "figure", "list", "who"}


def test_no_filler_phrase_is_a_name_of_the_knowledge(kb: Knowledge) -> None:
    # Filler is removed anywhere in a question; a phrase that names an entry would hide it.
    names = {compact(n) for e in kb.entries for n in (e.title, *e.aliases)}
    clashes = [p for p in query_words().all_phrases() if compact(p) in names]
    assert clashes == []


@pytest.mark.parametrize(
    ("query", "intent", "core"),
    [
        ("合成数据有什么用", "use", "合成数据"),
        ("深度伪造怎么防范", "how", "深度伪造"),
        ("AIGC 有哪些风险", "risk", "aigc"),
        ("AIGC市场规模有多大", "figure", "aigc市场"),
        ("ChatGPT是谁做的", "who", "chatgpt"),
        ("大模型和预训练模型有什么关系", "relation", "大模型和预训练模型"),
        ("AIGC产业生态分几层", "list", "aigc产业生态"),
        ("AIGC产业生态分成几层", "list", "aigc产业生态"),
        ("when was ChatGPT released", "when", "chatgpt released"),
        ("what are the risks of generative AI", "risk", "of generative ai"),
    ],
)
def test_intents_are_read_from_the_word_lists(query: str, intent: str, core: str) -> None:
    parsed = parse_query(clean_question(query))
    assert intent in parsed.intents
    assert parsed.core == core


def test_a_lone_intent_word_stays_the_topic() -> None:
    parsed = parse_query("风险")
    assert parsed.core == "风险"


def test_filler_never_cuts_into_a_word() -> None:
    # "天天" is chat in "老板天天说", but not in "明天天气": filler is removed as whole phrases only.
    assert clean_question("明天天气怎么样") == "明天天气怎么样"
