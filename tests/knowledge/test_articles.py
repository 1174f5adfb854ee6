"""Cleaning copied web pages into articles: what is dropped, what is kept, what is a heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.articles import ArticleError, read_article
from knowledge.paths import default_paths

SEED = default_paths().seeds / "000_024b634a71dc6572.txt"


@pytest.fixture(scope="module")
def article():
    return read_article(SEED)


def all_text(article) -> str:
    return "\n".join(p.text for s in article.sections for p in s.paragraphs)


def headings(article) -> list[str]:
    return [s.heading_path[-1] for s in article.sections]


def test_keywords_line_becomes_keywords_not_text(article) -> None:
    assert article.keywords == ["AIGC", "DALL-E 2", "Stable Diffusion", "ChatGPT", "Transformer"]
    assert "关键词" not in all_text(article)


def test_source_line_is_dropped_and_its_url_kept(article) -> None:
    assert article.source_url and article.source_url.startswith("https://blog.csdn.net/")
    assert "文章来源" not in all_text(article)


def test_trailer_copyright_and_related_articles_are_dropped(article) -> None:
    text = all_text(article)
    for furniture in ("本文来自互联网用户投稿", "如若转载", "相关文章", "洪荒之力", "AQS"):
        assert furniture not in text


def test_table_of_contents_and_repeated_title_are_not_content(article) -> None:
    # Every heading appears once, not once in the contents and once in the body.
    assert len(headings(article)) == len(set(headings(article)))
    assert "目录" not in all_text(article)
    assert article.title not in headings(article)


def test_heading_missing_from_the_contents_is_recognised(article) -> None:
    assert "以可信 AIGC 积极应对科技治理问题与挑战拥抱人工智能的下一个时代" in headings(article)


def test_a_line_without_final_stop_inside_a_section_is_not_a_heading(article) -> None:
    assert not any(h.startswith("发展总是与挑战并生") for h in headings(article))


def test_figure_captions_are_captions_not_headings(article) -> None:
    assert not any(h.startswith("图:") for h in headings(article))
    captions = [c.text for s in article.sections for c in s.captions]
    assert "图:腾讯自动驾驶数字孪生仿真平台" in captions


def test_enumerated_headings_nest_under_their_parent(article) -> None:
    paths = {s.heading_path[-1]: s.heading_path for s in article.sections}
    third = next(h for h in paths if h.startswith("第三,多模态技术"))
    assert paths[third][0] == "AIGC 技术和产业生态迎来发展快车道"
    middle = next(h for h in paths if h.startswith("第二层是中间层"))
    assert paths[middle][0] == "AIGC 产业生态体系"


def test_headings_with_no_text_are_kept_empty(article) -> None:
    empty = [s.heading_path[-1] for s in article.sections if not s.body]
    assert empty == ["AIGC 预训练模型一览表", "AIGC 基础模型和应用发展预测"]


def test_markdown_article(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "# 提示词指南\n\n关键词: 提示词, prompt\n\n## 什么是提示词\n\n提示词是给模型的**指令**。\n\n"
        "### 写法\n\n- 说清楚任务。\n\n```\n# not a heading\n```\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.title == "提示词指南"
    assert article.keywords == ["提示词", "prompt"]
    assert [s.heading_path for s in article.sections] == [
        ["什么是提示词"],
        ["什么是提示词", "写法"],
    ]
    assert article.sections[0].body[0].text == "提示词是给模型的指令。"


@pytest.mark.parametrize(
    "content",
    ["", "标题\n\n本文来自互联网用户投稿，正文缺失", "# 只有标题\n\n## 小节\n"],
)
def test_article_without_text_is_an_error(tmp_path: Path, content: str) -> None:
    suffix = ".md" if content.startswith("#") else ".txt"
    path = tmp_path / f"empty{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ArticleError, match="no text"):
        read_article(path)


def test_non_utf8_article_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("标题\n\n正文内容在这里。".encode("gbk"))
    with pytest.raises(ArticleError, match="UTF-8"):
        read_article(path)
