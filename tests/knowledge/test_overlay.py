"""Team terms over the real knowledge file: found like built-in terms, checked like the glossary,
back to glossary.toml and retired after a rebuild."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from knowledge import (
    MAX_DEFINITION_CHARS,
    ApprovedTerm,
    Knowledge,
    TeamTerm,
    check_term,
    export_glossary,
    merge_glossary,
    with_overlay,
)
from knowledge.build import build_knowledge
from knowledge.glossary import load_glossary
from knowledge.paths import default_paths
from knowledge.text import compact

PROMPT = TeamTerm(
    zh="提示词工程",
    en="Prompt Engineering",
    aliases=("提示工程", "写提示词"),
    definition="提示词工程是设计和优化给大模型的输入提示,让模型给出更好输出的方法。",
    theme="技术与模型",
)
NEURAL = TeamTerm(
    zh="神经网络",
    en="Neural Network",
    abbr="NN",
    definition="神经网络是由大量相互连接的计算单元组成、从数据中学习的模型结构。",
    theme="技术与模型",
)
MAAS_TEXT = "模型即服务(MaaS)指把训练好的大模型以云端接口的方式按需提供给企业和开发者使用。"


def approved(key: str, term: TeamTerm, by: str = "U0EDITOR", on: str = "2026-12-01"):
    return ApprovedTerm(key=key, term=term, approved_by=by, approved_on=on)


def answer_id(knowledge: Knowledge, query: str) -> str | None:
    result = knowledge.search(query)
    return result.answer.entry.id if result.answer else None


@pytest.fixture(scope="module")
def maas_correction(kb: Knowledge) -> TeamTerm:
    maas = kb.get("term:maas")
    assert maas is not None
    return TeamTerm(
        zh=maas.zh,
        en=maas.en,
        abbr=maas.abbr,
        aliases=("模型即服务平台", "模型租用"),  # and one of its everyday phrasings, as prefilled
        definition=MAAS_TEXT,
        theme=maas.theme,
        replaces="term:maas",
    )


@pytest.fixture(scope="module")
def rows(maas_correction: TeamTerm) -> list[ApprovedTerm]:
    return [
        approved("team:1", PROMPT),
        approved("team:2", NEURAL, by="U0SECOND", on="2026-12-02"),
        approved("term:maas", maas_correction),
    ]


@pytest.fixture(scope="module")
def merged(kb: Knowledge, rows: list[ApprovedTerm]) -> Knowledge:
    result = with_overlay(kb, rows)
    assert result.retired == () and result.clashes == ()
    return result.knowledge


# --- found like built-in terms -------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "提示词工程",
        "提示词工程是什么",
        "什么是提示工程",
        "写提示词",
        "Prompt Engineering",
        "what is prompt engineering",
        "tishicigongcheng",  # pinyin
        "提示词工程有什么用",
    ],
)
def test_a_new_term_answers_to_its_names(merged: Knowledge, query: str) -> None:
    assert answer_id(merged, query) == "team:1"


@pytest.mark.parametrize(
    "query",
    [
        "题示词工程是什么",  # a homophone typo (IME)
        "提示词工城",
        "prompt engeneering",  # an English typo
        "神经忘络是什么",
    ],
)
def test_a_typo_of_a_new_name_answers(merged: Knowledge, query: str) -> None:
    assert answer_id(merged, query) in {"team:1", "team:2"}


def test_an_overlay_entry_says_where_it_comes_from(merged: Knowledge) -> None:
    entry = merged.get("team:2")
    assert entry is not None
    assert entry.kind == "term"
    assert entry.title == "神经网络(NN)"
    assert entry.source.article == "团队补充" and entry.source.file == "team"
    assert (entry.approved_by, entry.approved_on) == ("U0SECOND", "2026-12-02")
    assert merged.search("NN 是什么").answer.entry.approved_by == "U0SECOND"
    assert entry in merged.terms()


def test_sections_list_the_new_terms_they_mention(merged: Knowledge) -> None:
    mentioning = [s for s in merged.sections() if "神经网络" in s.text]
    assert mentioning
    assert all("team:2" in s.terms for s in mentioning)
    assert not any("team:1" in s.terms for s in merged.sections())


def test_a_related_section_is_linked(kb: Knowledge) -> None:
    section = next(s for s in kb.sections() if "商业模式" in s.text)
    term = TeamTerm(
        zh="商业模式创新",
        definition="商业模式创新指企业改变创造和获取价值的方式。",
        theme="产业生态",
        section_id=section.id,
    )
    assert check_term(kb, term) == []
    knowledge = with_overlay(kb, [approved("team:7", term)]).knowledge
    assert knowledge.get("team:7").sections == (section.id,)
    assert answer_id(knowledge, "商业模式创新是什么") == "team:7"


def test_new_names_are_cut_whole_in_questions(kb: Knowledge, merged: Knowledge) -> None:
    assert merged.segmenter.tokens("提示词工程怎么做")[0] == "提示词工程"
    assert kb.segmenter.tokens("提示词工程怎么做")[0] != "提示词工程"


# --- corrections -----------------------------------------------------------------------------


def test_a_correction_answers_in_place_of_the_built_in(
    kb: Knowledge, merged: Knowledge, maas_correction: TeamTerm
) -> None:
    built_in = kb.get("term:maas")
    for query in ["MaaS是什么", "模型即服务", "垂直模型是什么", "模型即服务平台"]:
        result = merged.search(query)
        assert result.answer is not None and result.answer.entry.id == "term:maas", query
        assert result.answer.entry.text == MAAS_TEXT
    entry = merged.get("term:maas")
    assert entry.source.article == "团队补充" and entry.approved_by == "U0EDITOR"
    assert set(built_in.aliases) <= set(entry.aliases)  # its names, plus the new one
    assert "模型即服务平台" in entry.aliases
    assert "模型租用" in entry.phrasings and "模型租用" not in entry.aliases  # stays a phrasing
    assert set(entry.phrasings) == set(built_in.phrasings)
    assert entry.related == built_in.related and entry.sections == built_in.sections
    assert entry.gloss == ""  # the English gloss explained the old text
    assert len([e for e in merged.terms() if e.id == "term:maas"]) == 1
    assert len(merged.terms()) == len(kb.terms()) + 2


def test_without_the_correction_the_built_in_comes_back(
    kb: Knowledge, rows: list[ApprovedTerm]
) -> None:
    undone = with_overlay(kb, [r for r in rows if r.key != "term:maas"]).knowledge
    entry = undone.search("MaaS是什么").answer.entry
    assert entry.id == "term:maas"
    assert entry.text == kb.get("term:maas").text and entry.approved_by == ""
    assert with_overlay(kb, []).knowledge is kb


def test_the_last_row_for_a_key_wins(kb: Knowledge) -> None:
    second = TeamTerm(
        zh="提示词工程", definition="第二版定义:写好提示词的方法。", theme="技术与模型"
    )
    knowledge = with_overlay(kb, [approved("team:1", PROMPT), approved("team:1", second)]).knowledge
    assert knowledge.get("team:1").text == second.definition
    assert len(knowledge.terms()) == len(kb.terms()) + 1


# --- the base stays as it was ----------------------------------------------------------------


def test_the_base_knowledge_is_unaffected(kb: Knowledge, merged: Knowledge) -> None:
    fresh = Knowledge.load()
    assert merged is not kb
    assert len(kb.entries) == len(fresh.entries)
    assert [e.id for e in kb.entries] == [e.id for e in fresh.entries]
    assert kb.get("term:maas") == fresh.get("term:maas")
    assert kb.get("team:1") is None
    assert answer_id(kb, "提示词工程是什么") is None
    assert kb.search("MaaS是什么").answer.entry.text == fresh.get("term:maas").text
    for query in ["什么是AIGC", "合成数据有什么用", "MaaS是什么", "深度伪造的风险"]:
        assert kb.search(query) == fresh.search(query)
    assert merged.path == kb.path and merged.tuning is kb.tuning


def test_the_rest_of_the_knowledge_answers_as_before(kb: Knowledge, merged: Knowledge) -> None:
    for query in ["什么是AIGC", "合成数据有什么用", "深度伪造的风险", "PGC和UGC的区别", "GAN"]:
        base, over = kb.search(query), merged.search(query)
        assert (base.status, base.answer and base.answer.entry.id) == (
            over.status,
            over.answer and over.answer.entry.id,
        ), query


# --- validation ------------------------------------------------------------------------------


def codes(problems) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in problems}


def test_a_good_term_passes(kb: Knowledge, merged: Knowledge, maas_correction: TeamTerm) -> None:
    assert check_term(kb, PROMPT) == []
    assert check_term(kb, maas_correction) == []  # it may keep the names of what it replaces
    assert check_term(merged, maas_correction) == []
    english_only = TeamTerm(
        zh="", en="Diffusion Transformer", definition="一种模型。", theme="技术与模型"
    )
    assert check_term(kb, english_only) == []


def test_a_name_another_term_owns_is_rejected(kb: Knowledge, merged: Knowledge) -> None:
    maas = kb.get("term:maas")
    clash = TeamTerm(zh="模型即服务", definition="别的意思。", theme="技术与模型")
    problems = check_term(kb, clash)
    assert [(p.field, p.code, p.detail) for p in problems] == [("zh", "name_taken", maas.title)]
    # An alias that is a name (case and spaces aside), or another entry's everyday phrasing.
    alias_clash = TeamTerm(
        zh="新词汇", aliases=("maas", "模型租用"), definition="x", theme="基础概念"
    )
    problems = check_term(kb, alias_clash)
    assert codes(problems) == {("aliases", "name_taken")}
    assert [p.detail for p in problems] == [f"maas → {maas.title}", f"模型租用 → {maas.title}"]
    # Overlay terms own their names too.
    second = TeamTerm(zh="提示工程", definition="重复。", theme="技术与模型")
    assert check_term(kb, second) == []
    assert codes(check_term(merged, second)) == {("zh", "name_taken")}
    assert check_term(merged, TeamTerm(**{**second.__dict__, "replaces": "team:1"})) == []


def green_correction(kb: Knowledge) -> TeamTerm:
    """A correction of green AI as the 纠正 button prefills it: its aliases and everyday
    phrasings in one list, two of them shared with the article's section on energy use."""
    green = kb.get("term:green-ai")
    names = {compact(n) for n in (green.zh, green.en, green.abbr)}
    aliases = tuple(a for a in (*green.aliases, *green.phrasings) if compact(a) not in names)
    assert "耗电" in aliases
    return TeamTerm(
        zh=green.zh,
        en=green.en,
        abbr=green.abbr,
        aliases=aliases,
        definition="绿色 AI 指降低人工智能训练和使用中能源消耗与碳排放的做法。",
        theme=green.theme,
        replaces=green.id,
    )


def test_a_correction_keeps_its_shared_phrasings(kb: Knowledge) -> None:
    term = green_correction(kb)
    assert check_term(kb, term) == []
    entry = with_overlay(kb, [approved("term:green-ai", term)]).knowledge.get("term:green-ai")
    assert "耗电" in entry.phrasings and "耗电" not in entry.aliases
    # ...but a new term may not take a phrase another entry has.
    new = TeamTerm(zh="节能模型", aliases=("耗电",), definition="x", theme="治理与风险")
    assert codes(check_term(kb, new)) == {("aliases", "name_taken")}


def test_a_name_twice_is_rejected(kb: Knowledge) -> None:
    term = TeamTerm(
        zh="提示词工程",
        aliases=("提示 词工程", "写提示词", "写提示词"),
        definition="x",
        theme="基础概念",
    )
    assert [(p.field, p.code) for p in check_term(kb, term)] == [
        ("aliases", "duplicate_name"),
        ("aliases", "duplicate_name"),
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"definition": "大家注意 <!channel> 这个词"}, ("definition", "unsafe_text")),
        ({"definition": "问 @here 的人"}, ("definition", "unsafe_text")),
        ({"definition": "见 <https://evil.example|官方文档>"}, ("definition", "unsafe_text")),
        ({"aliases": ("<@U123ABC>",)}, ("aliases", "unsafe_text")),
        ({"zh": "提示\x07词"}, ("zh", "unsafe_text")),
        ({"en": "Prompt\u202eEngineering"}, ("en", "unsafe_text")),  # a bidi override
        ({"definition": "x" * (MAX_DEFINITION_CHARS + 1)}, ("definition", "too_long")),
        ({"definition": "  "}, ("definition", "required")),
        ({"zh": "", "en": ""}, ("zh", "required")),
        ({"theme": ""}, ("theme", "required")),
        ({"theme": "宇宙"}, ("theme", "unknown_theme")),
        ({"section_id": "nope#123"}, ("section_id", "unknown_section")),
        ({"section_id": "term:maas"}, ("section_id", "unknown_section")),
        ({"replaces": "term:nope"}, ("replaces", "unknown_entry")),
        ({"aliases": ("什么是提示词",)}, ("aliases", "asks_question")),
        ({"aliases": ("有什么用",)}, ("aliases", "question_phrase")),
        ({"aliases": ("!!",)}, ("aliases", "empty_name")),
        ({"abbr": "P"}, ("abbr", "too_short")),
        ({"aliases": ("提" * 41,)}, ("aliases", "too_long")),
        ({"aliases": tuple(f"提示词{n}号" for n in range(31))}, ("aliases", "too_many")),
    ],
)
def test_bad_input_is_rejected(kb: Knowledge, changes: dict, expected: tuple[str, str]) -> None:
    term = TeamTerm(**{**PROMPT.__dict__, **changes})
    assert expected in codes(check_term(kb, term))


def test_a_definition_may_span_lines(kb: Knowledge) -> None:
    term = TeamTerm(**{**PROMPT.__dict__, "definition": "第一行。\n第二行:\t说明。"})
    assert check_term(kb, term) == []


# --- scale -----------------------------------------------------------------------------------


def many_terms(kb: Knowledge, count: int) -> list[ApprovedTerm]:
    """`count` distinct made-up terms with Chinese and English names no entry claims."""
    heads = [
        "星云",
        "量子",
        "边缘",
        "联邦",
        "稀疏",
        "蒸馏",
        "对齐",
        "检索",
        "向量",
        "图谱",
        "因果",
        "时序",
        "声纹",
        "点云",
        "光场",
        "流形",
        "混合",
        "轻量",
        "自监",
        "元学",
    ]
    tails = [
        "推理框架",
        "评测集",
        "数据湖",
        "编排器",
        "调度器",
        "标注平台",
        "记忆模块",
        "压缩器",
        "路由层",
        "观测台",
        "沙盒",
        "缓存层",
        "协议栈",
        "加速卡",
        "守护程序",
        "校验器",
        "解码器",
        "标尺",
        "管线",
        "画布",
        "面板",
        "引擎",
        "网关",
        "账本",
        "仓库",
        "雷达",
        "探针",
        "罗盘",
        "熔炉",
        "织机",
        "灯塔",
        "方舟",
        "锚点",
        "信标",
        "回廊",
        "棱镜",
        "穹顶",
        "齿轮",
        "罗网",
        "矩阵",
        "航道",
        "码头",
        "枢纽",
        "星图",
        "脉络",
        "经纬",
        "砝码",
        "天平",
        "刻度",
        "驿站",
    ]
    taken = {compact(n) for e in kb.entries for n in (*e.aliases, *e.phrasings)}
    rows = []
    for n, (head, tail) in enumerate(itertools.product(heads, tails)):
        if len(rows) == count:
            break
        zh = f"{head}{tail}"
        if compact(zh) in taken:
            continue
        term = TeamTerm(
            zh=zh,
            en=f"team concept {n:04d}",
            aliases=(f"{zh}方案",),
            definition=f"{zh}是团队内部使用的第 {n} 个概念,用于说明{head}方向的{tail}。",
            theme="技术与模型",
        )
        rows.append(approved(f"team:{1000 + n}", term))
    assert len(rows) == count
    return rows


def test_a_thousand_overlay_terms_merge(kb: Knowledge) -> None:
    rows = many_terms(kb, 1000)
    start = time.perf_counter()
    result = with_overlay(kb, rows)
    seconds = time.perf_counter() - start
    assert result.retired == () and result.clashes == ()
    knowledge = result.knowledge
    assert len(knowledge.terms()) == len(kb.terms()) + 1000
    for row in rows[::97]:
        assert answer_id(knowledge, f"{row.term.zh}是什么") == row.key, row.term.zh
        assert answer_id(knowledge, row.term.aliases[0]) == row.key
    assert answer_id(knowledge, "MaaS是什么") == "term:maas"
    assert answer_id(knowledge, "什么是AIGC") == "term:aigc"
    assert seconds < 10, f"merging 1,000 terms took {seconds:.1f} s"  # bench: well under 1 s


# --- back to the glossary --------------------------------------------------------------------


def test_the_export_is_stable_and_commented(kb: Knowledge, rows: list[ApprovedTerm]) -> None:
    text = export_glossary(rows, kb)
    assert text == export_glossary(list(reversed(rows)), kb)
    assert (
        text.index('id = "maas"')
        < text.index('id = "prompt-engineering"')
        < text.index('id = "neural-network"')
    )
    assert (
        '# 团队补充 · approved by U0SECOND on 2026-12-02\n[[term]]\nid = "neural-network"' in text
    )
    assert "# corrects term 'maas'" in text
    assert export_glossary([]) == ""


def test_an_export_loads_rebuilds_and_retires_its_terms(
    kb: Knowledge, rows: list[ApprovedTerm], tmp_path: Path
) -> None:
    paths = default_paths()
    glossary = tmp_path / "glossary.toml"
    original = paths.glossary.read_text(encoding="utf-8")
    new_terms = [r for r in rows if r.key.startswith("team:")]
    # New terms append to the glossary as they are.
    glossary.write_text(original + "\n" + export_glossary(new_terms, kb), encoding="utf-8")
    assert {t.id for t in load_glossary(glossary).terms} >= {"prompt-engineering", "neural-network"}
    # A correction replaces its built-in's table.
    glossary.write_text(merge_glossary(original, rows, kb), encoding="utf-8")
    terms = {t.id: t for t in load_glossary(glossary).terms}
    assert terms["maas"].definition == MAAS_TEXT
    assert len(terms) == len(load_glossary(paths.glossary).terms) + 2

    # A correction whose phrasings are shared keeps them shared.
    rows = [*rows, approved("term:green-ai", green_correction(kb))]
    glossary.write_text(merge_glossary(original, rows, kb), encoding="utf-8")
    assert 'shared_phrasings = ["耗电", "能耗"]' in glossary.read_text(encoding="utf-8")

    rebuilt = Knowledge.from_data(build_knowledge(paths.seeds, glossary))
    result = with_overlay(rebuilt, rows)
    assert sorted(result.retired) == sorted(r.key for r in rows)
    assert result.knowledge is rebuilt  # nothing left to add: no duplicate answers
    for query, expected in [
        ("提示词工程是什么", "term:prompt-engineering"),
        ("NN是什么", "term:neural-network"),
        ("模型即服务平台", "term:maas"),
    ]:
        found = rebuilt.search(query)
        assert found.answer.entry.id == expected
        assert not any(h.entry.id.startswith("team:") for h in found.alternatives)
    assert rebuilt.get("term:maas").text == MAAS_TEXT
    assert export_glossary(rows, rebuilt) == ""  # already in the file: nothing to export
