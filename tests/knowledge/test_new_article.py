"""A web-copied article nobody curated, added beside the seed: its own headings, names and
intents answer questions, the way they would for any article a team drops into seeds/.

The article (tests/fixtures/rag/) has furniture the seed does not: a by-line without a link
("来源：某技术社区 2025-03-18"), headings numbered "一、", a bare "引言" and "结语".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge import Knowledge
from knowledge.articles import read_article
from knowledge.build import build_knowledge
from knowledge.paths import default_paths

ARTICLE = Path(__file__).parents[1] / "fixtures" / "rag" / "rag_retrieval_augmented_generation.txt"


@pytest.fixture(scope="module")
def kb_rag(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    seeds = tmp_path_factory.mktemp("seeds")
    for article in [*default_paths().seeds.iterdir(), ARTICLE]:
        shutil.copy(article, seeds / article.name)
    data = build_knowledge(seeds, default_paths().glossary)
    return Knowledge.from_data(json.loads(json.dumps(data)))


def test_its_headings_are_found_though_the_page_furniture_differs() -> None:
    article = read_article(ARTICLE)
    headings = [s.heading_path[-1] for s in article.sections]
    assert headings == [
        "引言",
        "一、什么是检索增强生成",
        "二、检索增强生成的应用",
        "三、检索增强生成的风险",
        "四、面临的挑战与应对",
        "结语",
    ]


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("RAG是什么", "什么是检索增强生成"),
        ("检所增强生成是啥", "什么是检索增强生成"),  # a homophone typo of a defined name
        ("RAG有什么用", "检索增强生成的应用"),
        ("RAG有哪些风险", "检索增强生成的风险"),  # the heading written for that question
        ("what are the risks of RAG", "检索增强生成的风险"),
        ("RAG会不会泄露工资信息", "检索增强生成的风险"),
        ("Reranker 是干嘛的", "面临的挑战与应对"),
        ("接入知识库后客服解决率提升多少", "检索增强生成的应用"),
        ("请问一下大家 RAG 到底解决啥问题啊", "检索增强生成的应用"),
        ("检索增强生成这篇文章最后怎么总结的", "结语"),
    ],
)
def test_questions_on_an_uncurated_article_reach_the_right_section(
    kb_rag: Knowledge, query: str, heading: str
) -> None:
    result = kb_rag.search(query)
    assert result.answer is not None, result
    assert heading in result.answer.entry.source.heading_path[-1]


def test_which_article_a_bare_closing_question_means_is_not_guessed(kb_rag: Knowledge) -> None:
    # Two articles and no name: the closing section of either would be a guess.
    assert kb_rag.search("文章最后怎么总结的").answer is None
