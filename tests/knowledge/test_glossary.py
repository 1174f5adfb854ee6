"""The curated glossary: its required terms, and clear errors for a glossary that cannot build."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from knowledge.build import build_command
from knowledge.glossary import GlossaryError, read_glossary
from knowledge.paths import default_paths

PATHS = default_paths()


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


def test_every_term_of_the_glossary_file_is_read() -> None:
    terms = read_glossary(PATHS.glossary)
    raw = tomllib.loads(PATHS.glossary.read_text(encoding="utf-8"))
    assert [t.id for t in terms] == [item["id"] for item in raw["term"]]
    assert all(t.line > 0 for t in terms)


def test_a_missing_glossary_is_a_glossary_error(tmp_path: Path) -> None:
    with pytest.raises(GlossaryError, match="glossary not found"):
        read_glossary(tmp_path / "glossary.toml")


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


# --- everyday phrasings: one entry each unless shared, known headings, no empty phrase ----

PHRASED_TERM = """
[[term]]
id = "phrased"
zh = "测试术语"
theme = "基础概念"
definition = "d"
gloss = "x"
sections = ["引言"]
{lines}
"""
ENERGY_SECTION = (
    "其四,社会各界需要携手应对 AIGC 领域的能源消耗问题,推行绿色 AI 的发展理念,致力于打…"
)


def _build_with(tmp_path: Path, extra: str) -> tuple[int, str, Path]:
    glossary = _glossary_with(tmp_path, lambda text: text + extra)
    out = tmp_path / "out.json"
    code = build_command(["--glossary", str(glossary), "--out", str(out)])
    return code, str(glossary), out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            PHRASED_TERM.format(lines='phrasings = ["版权归属"]'),
            "the phrase '版权归属' is claimed by two entries: term 'copyright' and term 'phrased'",
        ),
        (
            '\n[[section]]\nheading = "引言"\nphrasings = ["盗图"]\n',
            "the phrase '盗图' is claimed by two entries: term 'copyright' and section '引言'",
        ),
        (  # shared on one side only is still a clash
            PHRASED_TERM.format(lines='shared_phrasings = ["版权归属"]'),
            "the phrase '版权归属' is claimed by two entries",
        ),
        (
            PHRASED_TERM.format(lines='phrasings = ["MaaS"]'),
            "term 'phrased' has the phrase 'MaaS', which is a name of term 'maas'",
        ),
        (
            PHRASED_TERM.format(lines='phrasings = ["好用", " "]'),
            "phrasings has an empty phrase",
        ),
        (
            PHRASED_TERM.format(lines='phrasings = ["有哪些应用"]'),
            "the phrase '有哪些应用' asks a question ('哪')",
        ),
        (
            '\n[[section]]\nheading = "不存在的小节"\nphrasings = ["随便说说"]\n',
            "[[section]] '不存在的小节' names a heading no article has",
        ),
        (
            '\n[[section]]\nheading = "引言"\nphrasings = []\n',
            "no phrasings",
        ),
        (
            '\n[[section]]\nheading = "000_024b634a71dc6572#引言"\nphrasings = ["随便说说"]\n',
            "merge the two tables",
        ),
    ],
)
def test_invalid_phrasings_fail_the_build_naming_both_entries(
    tmp_path: Path, capsys, extra: str, message: str
) -> None:
    code, glossary, out = _build_with(tmp_path, extra)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert glossary in err
    assert not out.exists()


def test_a_phrase_every_claimant_marks_shared_is_allowed(tmp_path: Path) -> None:
    # green-ai and the 其四 section already share 耗电; a third entry may join them.
    code, _, out = _build_with(tmp_path, PHRASED_TERM.format(lines='shared_phrasings = ["耗电"]'))
    assert code == 0
    entries = {e["id"]: e for e in json.loads(out.read_text(encoding="utf-8"))["entries"]}
    holders = sorted(i for i, e in entries.items() if "耗电" in e["phrasings"])
    assert "term:phrased" in holders and "term:green-ai" in holders and len(holders) == 3


def test_a_section_table_reaches_the_entry_under_its_own_heading(built: dict) -> None:
    [energy] = [e for e in built["entries"] if e["title"] == ENERGY_SECTION]
    assert {"节能减排", "耗电"} <= set(energy["phrasings"])
    parent = next(e for e in built["entries"] if e["title"].startswith("以可信 AIGC"))
    assert "节能减排" not in parent["phrasings"]
