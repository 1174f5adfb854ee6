"""Article sections → chat-sized entries: cut at sub-points, never too long, stable ids."""

from __future__ import annotations

from knowledge.articles import Paragraph, Section
from knowledge.chunking import MAX_CHARS, TARGET_CHARS, chunk_section, entry_id


def test_every_answer_fits_in_chat(built: dict) -> None:
    sections = [e for e in built["entries"] if e["kind"] == "section" and not e["figure_only"]]
    assert all(len(e["text"]) <= MAX_CHARS for e in built["entries"])
    assert all(len(e["text"]) <= TARGET_CHARS for e in sections)


def test_long_section_is_split_at_its_sub_points(built: dict) -> None:
    titles = [e["title"] for e in built["entries"] if e["kind"] == "section"]
    for start in (
        "第一,合成数据为 AI 模型训练开发",
        "第三,正是由于合成数据",
        "其一,政府部门",
        "其四,",
    ):
        assert any(t.startswith(start) for t in titles), start


def test_sub_points_keep_their_heading_path(built: dict) -> None:
    entry = next(e for e in built["entries"] if e["title"].startswith("第二,AIGC 的商业化应用"))
    assert entry["source"]["heading_path"][0].startswith("AIGC 在消费互联网")
    assert "1100 亿美元" in entry["text"]
    first, last = entry["source"]["lines"]
    assert 0 < first <= last


def test_figure_only_headings_are_listed_with_a_note(built: dict) -> None:
    figures = [e for e in built["entries"] if e.get("figure_only")]
    assert [e["title"] for e in figures] == ["AIGC 预训练模型一览表", "AIGC 基础模型和应用发展预测"]
    assert all("图表" in e["text"] for e in figures)


def test_captions_are_kept_with_their_passage_not_in_the_text(built: dict) -> None:
    entry = next(
        e for e in built["entries"] if "图:腾讯自动驾驶数字孪生仿真平台" in e.get("figures", [])
    )
    assert "TAD SIM" in entry["text"]
    assert "图:" not in entry["text"]


def test_a_paragraph_without_sentence_marks_is_still_cut_to_size() -> None:
    paste = "，".join(["没有句号的一段很长的复制文本"] * 200)
    pieces = chunk_section(Section(["小节"], 1, [Paragraph(paste, 2)]))
    assert len(pieces) > 1
    assert all(piece.chars <= TARGET_CHARS for piece in pieces)
    assert "".join(p.text for piece in pieces for p in piece.paragraphs) == paste


def test_a_tiny_paragraph_joins_its_neighbour() -> None:
    section = Section(["小节"], 1, [Paragraph("短。", 2), Paragraph("长" * 200 + "。", 3)])
    [piece] = chunk_section(section)
    assert [p.line for p in piece.paragraphs] == [2, 3]


def test_a_repeated_heading_gets_a_numbered_id() -> None:
    taken: set[str] = set()
    first = entry_id("article", ["引言"], taken)
    second = entry_id("article", ["引言"], taken)
    assert first.startswith("article#")
    assert second == f"{first}-2"
