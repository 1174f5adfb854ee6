"""Names an article defines become names of its defining section, without a glossary."""

from __future__ import annotations

from knowledge.definitions import assign_defined_names, heading_names, text_names


def test_a_heading_that_asks_defines_its_topic() -> None:
    assert heading_names("一、什么是联邦学习") == ["联邦学习"]
    assert heading_names("（二）差分隐私是什么") == ["差分隐私"]
    assert heading_names("三、联邦学习的风险") == []


def test_bracketed_english_names_and_abbreviations_are_names() -> None:
    text = "基于 AIGC 技术的合成数据（Synthetic Data，SD）正在兴起。"
    assert text_names(text) == ["合成数据", "Synthetic Data", "SD"]


def test_also_called_and_defining_sentences_are_names() -> None:
    assert text_names("安全多方计算，简称 MPC，让多方…") == ["安全多方计算", "MPC"]
    assert text_names("第一类风险是梯度泄露攻击，又称梯度反演攻击：") == [
        "梯度泄露攻击",
        "梯度反演攻击",
    ]
    assert "数据孤岛" in text_names("所谓数据孤岛，就是数据分散在各处")


def test_each_name_goes_to_the_section_that_defines_it() -> None:
    sections = [
        {"id": "a", "title": "引言", "text": "本文介绍联邦学习（Federated Learning，FL）的用途。"},
        {"id": "b", "title": "一、什么是联邦学习", "text": "它是一种训练方式。"},
        {"id": "c", "title": "对策", "text": "差分隐私（Differential Privacy，DP）加噪声。"},
        {"id": "d", "title": "结语", "text": "差分隐私（Differential Privacy，DP）再次出现。"},
    ]
    names = assign_defined_names(sections, taken={"fl"})
    assert names["b"] == ["联邦学习"]  # the heading defines it, though the intro names it first
    assert "FL" not in names.get("a", [])  # the glossary has it
    assert names["a"] == ["Federated Learning"]
    assert names["c"] == ["差分隐私", "Differential Privacy", "DP"]
    assert "d" not in names


def test_a_declared_keyword_names_the_section_that_introduces_it() -> None:
    def section(sid: str, title: str, text: str) -> dict:
        return {"id": sid, "title": title, "text": text, "source": {"file": "fl.txt"}}

    sections = [
        section("a#1", "引言", "数据分散在各家机构，于是形成了一个个“数据孤岛”。"),
        section("a#2", "结语", "联邦学习才能真正打通数据孤岛。所谓隐私计算是一类技术。"),
        section("a#3", "三、风险", "隐私计算也有风险。"),
    ]
    keywords = {"fl.txt": ["数据孤岛", "隐私计算", "联邦学习", "差分隐私"]}
    names = assign_defined_names(sections, {"联邦学习"}, keywords)
    assert names["a#1"] == ["数据孤岛"]  # first mentioned there
    assert "隐私计算" in names["a#2"]  # a defining sentence beats a first mention
    assert "联邦学习" not in str(names)  # the glossary's own name
    assert "差分隐私" not in str(names)  # declared, never mentioned
    other = assign_defined_names(sections, (), {"other.txt": ["数据孤岛"]})
    assert "数据孤岛" not in str(other)  # another article's keyword
