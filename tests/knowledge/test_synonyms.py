"""The thesaurus table: fine-grained synonym groups only, pointing at the knowledge's words."""

from __future__ import annotations

from knowledge.synonyms import MAX_GROUP_WORDS, synonym_groups, synonym_table


def test_only_groups_of_equal_words_are_read() -> None:
    groups = synonym_groups()
    assert len(groups) > 5000
    assert any({"病人", "患者"} <= set(g) for g in groups)


def test_words_map_to_the_knowledge_words_of_their_group() -> None:
    groups = [["病人", "患者", "病家"], ["做", "干", "搞"]]
    table = synonym_table(groups, knowledge_words={"患者"})
    assert table == {"病人": ["患者"], "病家": ["患者"]}


def test_loose_groups_and_single_characters_are_left_out() -> None:
    loose = [f"词{i}" for i in range(MAX_GROUP_WORDS + 1)]
    assert synonym_table([loose], knowledge_words={"词1"}) == {}
    assert synonym_table([["病", "患者"]], knowledge_words={"患者"}) == {}
