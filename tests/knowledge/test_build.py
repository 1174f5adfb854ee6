"""The knowledge build: fresh, deterministic, validated, and open to new articles."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

import knowledge.build
from knowledge import Knowledge
from knowledge.build import build_command, build_knowledge, dump_knowledge
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


def test_checked_in_knowledge_file_is_fresh(built: dict) -> None:
    checked_in = PATHS.knowledge_file.read_text(encoding="utf-8")
    assert dump_knowledge(built) == checked_in, "stale: run `python -m bot build` and commit"


def test_build_is_deterministic(built: dict) -> None:
    again = build_knowledge(PATHS.seeds, PATHS.glossary)
    assert dump_knowledge(again) == dump_knowledge(built)


def test_check_mode_reports_fresh_and_stale(
    built: dict, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build of the real seeds and glossary is the session's `built` (deterministic, see
    # above) instead of two more builds of a few seconds each; other inputs still build.
    real_build = knowledge.build.build_knowledge
    monkeypatch.setattr(
        knowledge.build,
        "build_knowledge",
        lambda seeds, glossary: (
            copy.deepcopy(built)
            if (seeds, glossary) == (PATHS.seeds, PATHS.glossary)
            else real_build(seeds, glossary)
        ),
    )
    assert build_command(["--check"]) == 0
    stale = tmp_path / "aigc.json"
    stale.write_text("{}", encoding="utf-8")
    assert build_command(["--check", "--out", str(stale)]) == 1
    assert "python -m bot build" in capsys.readouterr().err


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
    return out, json.loads(out.read_text(encoding="utf-8"))  # what that build wrote


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


# --- inputs that cannot build: clear errors naming the file, exit code 2 -----------------


def test_article_with_no_text_fails_the_build(tmp_path: Path, capsys) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PATHS.seeds / "000_024b634a71dc6572.txt", seeds)
    (seeds / "empty.md").write_text("# 空文章\n\n## 小节\n", encoding="utf-8")
    code = build_command(["--seeds", str(seeds), "--out", str(tmp_path / "out.json")])
    assert code == 2
    assert "empty.md" in capsys.readouterr().err


def test_a_missing_seeds_folder_fails_the_build(tmp_path: Path, capsys) -> None:
    code = build_command(["--seeds", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o.json")])
    assert code == 2
    assert "the seeds folder does not exist" in capsys.readouterr().err


def test_every_entry_carries_its_everyday_phrasings(built: dict) -> None:
    entries = {e["id"]: e for e in built["entries"]}
    assert all(isinstance(e["phrasings"], list) for e in entries.values())
    assert {"著作权", "版权归属"} <= set(entries["term:copyright"]["phrasings"])
    curated = [e for e in entries.values() if e["source"]["file"] != "glossary.toml"]
    assert all(3 <= len(e["phrasings"]) <= 8 for e in curated), "the seed article is curated"


def test_phrasings_are_indexed_like_names(built: dict) -> None:
    copyright_ = next(e for e in built["entries"] if e["id"] == "term:copyright")
    assert "版权归属" in copyright_["tokens"].split()
    energy = next(e for e in built["entries"] if "节能减排" in e["phrasings"])
    assert "节能减排" in energy["tokens"].split()
