"""The lexicon: everyday and English words mapped to the written words the knowledge says."""

from __future__ import annotations

from knowledge.synonyms import load_lexicon, synonym_table


def test_the_lexicon_loads_folded_with_english_words_stemmed() -> None:
    lexicon = load_lexicon()
    assert "诈骗" in lexicon["骗钱"]
    assert "风险" in lexicon["risk"]
    assert "startup" in lexicon  # stemmed like a question's words are
    assert all(key not in values for key, values in lexicon.items())


def test_only_targets_the_knowledge_says_are_kept() -> None:
    lexicon = {"骗钱": ["诈骗", "欺诈"], "便宜": ["廉价"], "熬夜": ["作息"], "费电": ["能源消耗"]}
    words = {"换脸", "诈骗", "廉价", "替代品", "能源", "消耗"}
    pieces = {"能源消耗": ["能源", "消耗"]}.get
    table = synonym_table(lexicon, words, lambda t: pieces(t, [t]))
    assert table == {"便宜": ["廉价"], "费电": ["能源消耗"], "骗钱": ["诈骗"]}


def test_the_built_knowledge_carries_the_table(kb) -> None:
    assert "诈骗" in kb._synonyms["骗钱"]
