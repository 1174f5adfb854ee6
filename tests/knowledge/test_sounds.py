"""Homophone matching: a same-sounding wrong character finds its word, ordinary words do not."""

from __future__ import annotations

import pytest

from knowledge import Knowledge
from knowledge.sounds import SoundIndex, fuzzy, readings

NAMES = [
    ("合成数据", ("he", "cheng", "shu", "ju")),
    ("深度伪造", ("shen", "du", "wei", "zao")),
    ("换脸", ("huan", "lian")),
    ("消费互联网", ("xiao", "fei", "hu", "lian", "wang")),
]


@pytest.fixture
def sounds() -> SoundIndex:
    return SoundIndex(NAMES)


def test_a_polyphone_has_every_reading() -> None:
    assert {"he", "hu", "huo"} <= set(readings("和"))
    assert readings("a") == ()


def test_fuzzy_pairs_fold_together() -> None:
    assert fuzzy("zhao") == fuzzy("zao")
    assert fuzzy("lan") == fuzzy("nang")
    assert fuzzy("ying") == fuzzy("yin")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("和成数据有啥用", "合成数据"),  # same sound
        ("深度伪照是什么", "深度伪造"),  # zhao for zao: a fuzzy pair, three characters kept
        ("消费互连网", "消费互联网"),
        ("幻脸", "换脸"),  # two characters: the exact sound and one character kept
    ],
)
def test_a_run_that_sounds_like_a_name_is_found(sounds: SoundIndex, text: str, name: str) -> None:
    assert [m.name for m in sounds.find(text)] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "合成数据",  # the name itself is an exact match, not a homophone
        "患难",  # sounds near 换脸 only with a fuzzy pair: two characters need the exact sound
        "欢乐",  # huan le: no character in common
        "何城书局",  # he cheng shu ju, but no character kept: too far from the name
    ],
)
def test_ordinary_words_are_not_taken_for_names(sounds: SoundIndex, text: str) -> None:
    assert sounds.find(text) == []


def test_a_homophone_typo_answers_in_a_question(kb: Knowledge) -> None:
    result = kb.search("和成数据有啥用")
    assert result.answer is not None
    assert "合成数据" in result.answer.entry.text


def test_a_longer_word_of_the_knowledge_is_heard_too(kb: Knowledge) -> None:
    # 渐冻证 for 渐冻症: not a name, but a word the article uses, found by its sound.
    result = kb.search("AIGC怎么帮助渐冻证患者")
    assert result.answer is not None
    assert "渐冻症" in result.answer.entry.text
