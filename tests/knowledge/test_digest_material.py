"""Material for the daily digest, made at build time: keywords, summaries, figure sentences."""

from __future__ import annotations

from knowledge.digest_material import sentences, summarize


def test_sections_get_keywords_and_a_short_summary_of_their_own_sentences(built: dict) -> None:
    for entry in built["entries"]:
        if entry["kind"] != "section" or entry["figure_only"]:
            continue
        assert entry["keywords"], entry["title"]
        assert "AIGC" not in entry["keywords"]  # in every passage, so no keyword of any
        parts = sentences(entry["summary"])
        assert 1 <= len(parts) <= 3
        assert all(p in entry["text"].replace("\n", "") for p in parts)


def test_facts_are_sentences_with_figures_from_the_articles(built: dict) -> None:
    ids = {e["id"] for e in built["entries"]}
    facts = built["facts"]
    assert any("1100 亿美元" in f["text"] for f in facts)
    assert any("100 家" in f["text"] for f in facts)
    assert any("Gartner" in f["text"] for f in facts)  # a dated forecast, no unit
    assert all(f["entry_id"] in ids for f in facts)
    assert len({f["id"] for f in facts}) == len(facts)


def test_a_short_passage_is_its_own_summary() -> None:
    assert summarize("第一句。\n\n第二句！", {}) == "第一句。第二句！"


def test_a_long_passage_keeps_its_opening_and_weightiest_sentences() -> None:
    text = "开头。无关。提到合成数据。也无关。再提合成数据和仿真。"
    assert (
        summarize(text, {"合成数据": 1.0, "仿真": 0.5})
        == "开头。提到合成数据。再提合成数据和仿真。"
    )
    assert sentences(text)[0] == "开头。"
