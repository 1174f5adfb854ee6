"""The one sentence splitter of the project (knowledge.text)."""

from __future__ import annotations

from knowledge.text import first_sentence, split_sentences


def test_sentences_keep_their_closing_mark_and_join_back_to_the_text() -> None:
    text = "合成数据是什么？它由算法生成。用途很多；例如仿真!还有别的"
    parts = split_sentences(text)
    assert parts == ["合成数据是什么？", "它由算法生成。", "用途很多；", "例如仿真!", "还有别的"]
    assert "".join(parts) == text


def test_a_run_of_marks_stays_with_its_sentence() -> None:
    assert split_sentences("真的吗？！是的。。") == ["真的吗？！", "是的。。"]


def test_blank_pieces_are_dropped() -> None:
    assert split_sentences("一句。\n\n") == ["一句。"]
    assert split_sentences("") == []


def test_first_sentence_drops_its_closing_mark_and_is_cut_to_the_limit() -> None:
    assert first_sentence("第一,合成数据为 AI 模型训练开发提供数据。后文", 48) == (
        "第一,合成数据为 AI 模型训练开发提供数据"
    )
    assert first_sentence("一二三四五六，七八九十。", 6) == "一二三四五…"
    assert first_sentence("", 10) == ""
