"""The knowledge build: fresh, deterministic, validated, and open to new articles."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from knowledge import Knowledge
from knowledge.build import (
    MAX_CHARS,
    TARGET_CHARS,
    build_command,
    build_knowledge,
    dump_knowledge,
)
from knowledge.paths import default_paths

PATHS = default_paths()

SECOND_ARTICLE = """# 提示词工程入门

关键词: 提示词, Prompt Engineering

## 什么是提示词工程

提示词工程(Prompt Engineering)是设计和优化输入给大语言模型的指令,让模型稳定地产出想要结果的方法。

## 写好提示词的三个要点

第一,说清楚任务和受众。

第二,给出示例和输出格式。

第三,迭代测试并记录有效的写法。
"""


@pytest.fixture(scope="module")
def built() -> dict:
    return build_knowledge(PATHS.seeds, PATHS.glossary)


def test_checked_in_knowledge_file_is_fresh(built: dict) -> None:
    checked_in = PATHS.knowledge_file.read_text(encoding="utf-8")
    assert dump_knowledge(built) == checked_in, "stale: run `python -m bot build` and commit"


def test_build_is_deterministic(built: dict) -> None:
    again = build_knowledge(PATHS.seeds, PATHS.glossary)
    assert dump_knowledge(again) == dump_knowledge(built)


def test_check_mode_reports_fresh_and_stale(tmp_path: Path, capsys) -> None:
    assert build_command(["--check"]) == 0
    stale = tmp_path / "aigc.json"
    stale.write_text("{}", encoding="utf-8")
    assert build_command(["--check", "--out", str(stale)]) == 1
    assert "python -m bot build" in capsys.readouterr().err


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


def test_glossary_has_the_required_terms(built: dict) -> None:
    terms = [e for e in built["entries"] if e["kind"] == "term"]
    assert len(terms) >= 40
    names = {n.lower() for t in terms for n in t["aliases"]}
    required = [
        "aigc", "pgc", "ugc", "gan", "transformer", "扩散模型", "预训练模型", "基础模型", "大模型",
        "多模态", "clip", "dall-e 2", "stable diffusion", "chatgpt", "openai", "stability.ai",
        "maas", "novel-ai", "基础层", "中间层", "应用层", "消费互联网", "产业互联网", "合成数据",
        "sdaas", "ai 2.0", "数字人", "元宇宙", "数字孪生", "tad sim", "腾讯混元", "腾讯开悟",
        "lyrebird", "声音克隆", "ithaca", "facein", "深度合成", "《互联网信息服务深度合成管理规定》",
        "可信 aigc", "伦理嵌入设计", "绿色 ai", "知识产权", "版权", "算法歧视", "换脸", "深度伪造",
    ]  # fmt: skip
    assert [n for n in required if n not in names] == []
    for term in terms:
        assert term["text"].strip() and term["gloss"].strip(), term["id"]
        assert term["sections"], f"{term['id']} links to no section"


def test_entries_carry_the_documented_fields(built: dict) -> None:
    for entry in built["entries"]:
        assert {"id", "kind", "title", "text", "source", "aliases", "keywords"} <= entry.keys()
        assert {"file", "heading_path", "lines"} <= entry["source"].keys()


# --- a second article just works ---------------------------------------------------------


@pytest.fixture(scope="module")
def two_articles(tmp_path_factory) -> tuple[Path, dict]:
    seeds = tmp_path_factory.mktemp("seeds")
    shutil.copy(PATHS.seeds / "000_024b634a71dc6572.txt", seeds)
    (seeds / "prompt-engineering.md").write_text(SECOND_ARTICLE, encoding="utf-8")
    out = seeds.parent / "two.json"
    assert build_command(["--seeds", str(seeds), "--out", str(out)]) == 0
    return out, build_knowledge(seeds, PATHS.glossary)


def test_second_article_is_searchable_beside_the_first(two_articles) -> None:
    out, _ = two_articles
    kb = Knowledge.load(out)
    new = kb.search("什么是提示词工程")
    assert new.answer and "提示词工程" in new.answer.entry.text
    assert new.answer.entry.source.file == "prompt-engineering.md"
    old = kb.search("什么是MaaS")
    assert old.answer and "模型即服务" in old.answer.entry.text
    tips = kb.search("写好提示词有哪些要点")
    assert tips.answer and tips.answer.entry.source.file == "prompt-engineering.md"


def test_adding_an_article_keeps_existing_ids(built: dict, two_articles) -> None:
    _, both = two_articles
    before = {e["id"]: e["title"] for e in built["entries"]}
    after = {e["id"]: e["title"] for e in both["entries"]}
    assert all(after.get(i) == t for i, t in before.items())
    assert len(after) > len(before)


# --- validation: clear errors naming file and entry, exit code 2 --------------------------


def _glossary_with(tmp_path: Path, edit) -> Path:
    data = PATHS.glossary.read_text(encoding="utf-8")
    path = tmp_path / "glossary.toml"
    path.write_text(edit(data), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))
    return path


EXTRA_TERM = """
[[term]]
id = "{id}"
zh = "{zh}"
en = "{en}"
aliases = []
theme = "基础概念"
definition = "{definition}"
gloss = "x"
sections = ["{section}"]
"""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"id": "dup", "zh": "测试术语", "en": "MaaS", "definition": "d", "section": "引言"},
            "alias 'MaaS' is claimed by two terms",
        ),
        (
            {
                "id": "badlink",
                "zh": "测试术语",
                "en": "t",
                "definition": "d",
                "section": "不存在的小节",
            },
            "links to section '不存在的小节'",
        ),
        (
            {"id": "empty", "zh": "测试术语", "en": "t", "definition": " ", "section": "引言"},
            "definition is empty",
        ),
    ],
)
def test_invalid_glossary_fails_with_a_clear_message(
    tmp_path: Path, capsys, fields: dict, message: str
) -> None:
    glossary = _glossary_with(tmp_path, lambda text: text + EXTRA_TERM.format(**fields))
    code = build_command(["--glossary", str(glossary), "--out", str(tmp_path / "out.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert str(glossary) in err
    assert not (tmp_path / "out.json").exists()


def test_article_with_no_text_fails_the_build(tmp_path: Path, capsys) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PATHS.seeds / "000_024b634a71dc6572.txt", seeds)
    (seeds / "empty.md").write_text("# 空文章\n\n## 小节\n", encoding="utf-8")
    code = build_command(["--seeds", str(seeds), "--out", str(tmp_path / "out.json")])
    assert code == 2
    assert "empty.md" in capsys.readouterr().err


# --- digest material, made at build time --------------------------------------------------


def test_sections_get_keywords_and_a_short_summary_of_their_own_sentences(built: dict) -> None:
    from knowledge.build import sentences

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
