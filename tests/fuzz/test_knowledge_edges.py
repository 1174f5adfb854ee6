"""Knowledge files at the edges, through the real build (`build_command` with --seeds,
--glossary and --out in a temporary folder) and `Knowledge.load(path)`."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import blocks as b
from bot.answers import Answerer
from knowledge import Knowledge
from knowledge.build import MAX_CHARS, build_command, read_glossary
from tests.fuzz.checks import assert_renders

SEARCH_BUDGET_S = 0.050

GLOSSARY = """
[[term]]
id = "diffusion"
zh = "扩散模型"
en = "Diffusion Model"
theme = "技术与模型"
definition = "扩散模型通过逐步去噪从随机噪声中生成图像。"
gloss = "A model that generates images by removing noise step by step."
sections = ["扩散模型"]
related = []
"""

ARTICLE_MD = """# 生成模型笔记

## 扩散模型

扩散模型先向图像逐步加入噪声，再学习逐步去噪的过程，从而能从纯噪声生成新图像。

## 评测

生成模型的评测常用 FID 指标，衡量生成图像与真实图像分布之间的距离。
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def build(tmp_path: Path, articles: dict[str, str], glossary: str = GLOSSARY) -> tuple[int, Path]:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    for name, text in articles.items():
        write(seeds, name, text)
    glossary_path = write(tmp_path, "glossary.toml", glossary)
    out = tmp_path / "out" / "k.json"
    code = build_command(
        ["--seeds", str(seeds), "--glossary", str(glossary_path), "--out", str(out)]
    )
    return code, out


def load(out: Path) -> Knowledge:
    return Knowledge.load(out, cache=False)  # nothing written to the user's cache


def timed_search(kb: Knowledge, query: str):
    started = time.perf_counter()
    result = kb.search(query)
    elapsed = time.perf_counter() - started
    if elapsed > SEARCH_BUDGET_S:  # once more: a scheduler hiccup is not a slow query
        started = time.perf_counter()
        result = kb.search(query)
        elapsed = time.perf_counter() - started
    assert elapsed <= SEARCH_BUDGET_S, f"search({query!r}) took {elapsed * 1000:.1f} ms"
    return result


def assert_everything_renders(kb: Knowledge) -> None:
    for entry in kb.entries:
        assert len(entry.text) <= MAX_CHARS, (entry.id, len(entry.text))
        assert_renders(b.entry_blocks(entry, "zh", kb.get, query="<!here>", shareable=True))
    assert_renders(b.toc_blocks(kb.articles, kb.get))
    assert_renders(b.home_view(kb.terms())["blocks"], b.MAX_HOME_BLOCKS)
    assert_renders(b.terms_page_blocks(kb.terms(), keyword="", page=0))


# --- the glossary ---------------------------------------------------------------------------------


@pytest.mark.parametrize("glossary", ["", "# only a comment\n", "title = 'no terms here'\n"])
def test_a_glossary_without_terms_reads_as_none(tmp_path, glossary):
    assert read_glossary(write(tmp_path, "glossary.toml", glossary)) == []


def test_empty_glossary_builds_a_sections_only_knowledge(tmp_path, capsys):
    code, out = build(tmp_path, {"notes.md": ARTICLE_MD}, "")
    assert code == 0, capsys.readouterr().err
    kb = load(out)
    assert kb.terms() == []
    result = timed_search(kb, "扩散模型怎么去噪")
    assert result.status == "answered"
    assert result.answer.entry.title == "扩散模型"
    assert kb.find_terms("扩散模型") == []
    assert_everything_renders(kb)
    # The glossary pages and the shortcut say there is nothing, within Slack's limits.
    assert_renders(b.terms_page_blocks([], keyword="", page=0))
    assert_renders(b.shortcut_blocks([], "zh"))
    reply = Answerer(kb).answer("什么是扩散模型", shareable=True)
    assert_renders(reply.blocks)


# --- articles that cannot be used -----------------------------------------------------------------

ONLY_HEADINGS = {
    "markdown": ("headings.md", "# 标题\n\n## 第一部分\n\n## 第二部分\n\n### 细节\n"),
    "markdown with blank sections": ("headings.md", "# 标题\n## 一\n\n\n## 二\n   \n"),
    "text with a table of contents and no body": (
        "headings.txt",
        "生成模型笔记\n\n目录\n\n扩散模型\n\n评测方法\n\n生成模型笔记\n\n扩散模型\n\n评测方法\n",
    ),
    "empty file": ("empty.md", ""),
    "whitespace only": ("blank.txt", " \n\t\n\u3000\n"),
    "only page furniture": ("furniture.txt", "标题\n\n本文来自网络，如有侵权请联系删除。\n"),
}


@pytest.mark.parametrize("case", sorted(ONLY_HEADINGS))
def test_article_without_text_is_a_clear_build_error(tmp_path, capsys, case):
    name, text = ONLY_HEADINGS[case]
    code, out = build(tmp_path, {"notes.md": ARTICLE_MD, name: text})
    err = capsys.readouterr().err
    assert code == 2
    assert name in err and "no text" in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_article_that_is_not_utf8_is_a_clear_build_error(tmp_path, capsys):
    write(tmp_path / "seeds", "gbk.txt", "生成模型\n\n扩散模型逐步去噪。\n".encode("gbk"))
    code, _ = build(tmp_path, {"notes.md": ARTICLE_MD})
    err = capsys.readouterr().err
    assert code == 2 and "gbk.txt" in err and "UTF-8" in err


# --- duplicate headings ---------------------------------------------------------------------------

DUPLICATES = """# 两种模型

## 概述

扩散模型先加噪再去噪，逐步从随机噪声中还原出清晰的图像，训练稳定。

## 细节

扩散模型的采样步数决定了生成速度与画质之间的平衡。

## 概述

生成对抗网络由生成器和判别器相互博弈，判别器努力分辨真假样本。

## 细节

生成对抗网络的训练容易出现模式崩塌，需要精心调节学习率。
"""


def test_duplicate_headings_get_distinct_stable_ids_and_both_answer(tmp_path, capsys):
    code, out = build(tmp_path, {"twins.md": DUPLICATES}, "")
    assert code == 0, capsys.readouterr().err
    first = json.loads(out.read_text(encoding="utf-8"))
    sections = [e for e in first["entries"] if e["kind"] == "section"]
    overviews = [e for e in sections if e["title"] == "概述"]
    details = [e for e in sections if e["title"] == "细节"]
    assert len(overviews) == len(details) == 2
    ids = [e["id"] for e in sections]
    assert len(ids) == len(set(ids))

    # Stable: the same inputs give the same ids, and an unrelated article does not move them.
    build(tmp_path, {"twins.md": DUPLICATES, "other.md": ARTICLE_MD}, "")
    again = json.loads(out.read_text(encoding="utf-8"))
    assert ids == [e["id"] for e in again["entries"] if e["source"]["file"] == "twins.md"]

    kb = load(out)
    diffusion = timed_search(kb, "扩散模型怎样从噪声中还原图像")
    gan = timed_search(kb, "生成器和判别器如何博弈")
    assert diffusion.answer and gan.answer
    assert {diffusion.answer.entry.id, gan.answer.entry.id} == {e["id"] for e in overviews}
    collapse = timed_search(kb, "模式崩塌")
    assert collapse.answer and collapse.answer.entry.id == details[1]["id"]
    # Both are reachable by id (buttons carry ids) and render.
    for entry_id in ids:
        assert kb.get(entry_id) is not None
    assert_everything_renders(kb)


# --- Markdown with code blocks and images, text without a table of contents --------------------

RICH_MD = """# 提示词工程

关键词: 提示词, Prompt

## 写提示词

一个好的提示词说明任务、受众和输出格式，并给出示例。

```python
# 这不是标题
prompt = "<!channel> 请总结下文"
print(prompt)
```

![图1: 提示词的结构](https://example.com/prompt.png)

## 图示

![](https://example.com/only-image.png)

## 链接与格式

参考 [官方文档](https://example.com/docs)，**加粗**、`代码`和 <b>HTML</b> 都会被清理成纯文本。

> 引用里的提示词也算正文内容，模型会照着引用里的格式作答。

- 列表第一项说明任务目标
- 列表第二项说明约束条件
"""


def test_markdown_with_code_blocks_and_images(tmp_path, capsys):
    code, out = build(tmp_path, {"prompt.md": RICH_MD}, "")
    assert code == 0, capsys.readouterr().err
    kb = load(out)
    titles = [e.title for e in kb.sections()]
    assert "这不是标题" not in titles, "a comment in a code block became a heading"
    assert "写提示词" in titles and "链接与格式" in titles
    writing = next(e for e in kb.sections() if e.title == "写提示词")
    assert writing.figures == ("图1: 提示词的结构",)
    # The code is kept as text; its fences are not ("```python" once became a paragraph).
    assert "print(prompt)" in writing.text
    assert "python" not in writing.text.split("\n\n") and "```" not in writing.text
    image_only = next(e for e in kb.sections() if e.title == "图示")
    assert image_only.figure_only
    links = next(e for e in kb.sections() if e.title == "链接与格式")
    assert "官方文档" in links.text and "](" not in links.text and "**" not in links.text
    answer = timed_search(kb, "好的提示词说明什么").answer
    assert answer is not None and answer.entry.title == "写提示词"
    # Whatever the article holds (here a <!channel> in a code block), the reply is inert.
    for entry in kb.entries:
        assert_renders(Answerer(kb).answer(entry.title, shareable=True).blocks)
    assert_everything_renders(kb)


PLAIN_TXT = """生成式人工智能入门

生成式人工智能可以根据提示生成文本、图像、音频和视频等内容，是当前最受关注的技术方向之一。

训练数据从哪里来

大模型的训练数据来自公开网页、书籍、代码仓库和经过授权的专业语料，数据质量决定了模型上限。

如何评估生成质量

评估生成质量需要结合自动指标与人工评审，自动指标便宜但容易被模型钻空子。
"""


def test_text_article_without_a_table_of_contents(tmp_path, capsys):
    code, out = build(tmp_path, {"intro.txt": PLAIN_TXT}, "")
    assert code == 0, capsys.readouterr().err
    kb = load(out)
    assert kb.articles[0].title == "生成式人工智能入门"
    titles = {e.title for e in kb.sections()}
    assert {"训练数据从哪里来", "如何评估生成质量"} <= titles
    answer = timed_search(kb, "训练数据从哪里来").answer
    assert answer is not None and "公开网页" in answer.entry.text
    assert_everything_renders(kb)


def test_a_paragraph_without_sentence_punctuation_is_cut_to_fit(tmp_path, capsys):
    """A pasted table or log: no 。！？ anywhere, one 20,000-character paragraph."""
    table = "模型 参数量 训练数据 发布时间 " * 800 + "图像生成扩散模型潜空间" * 600
    article = f"# 数据表\n\n## 模型一览\n\n{table}\n\n## 说明\n\n上表列出了常见模型。\n"
    code, out = build(tmp_path, {"table.md": article}, "")
    assert code == 0, capsys.readouterr().err
    kb = load(out)
    assert all(len(e.text) <= MAX_CHARS for e in kb.entries), max(len(e.text) for e in kb.entries)
    pieces = [e for e in kb.sections() if e.source.heading_path[0] == "模型一览"]
    assert sum(len(e.text) for e in pieces) >= len(table.strip()) * 0.95  # nothing lost
    assert_everything_renders(kb)


# --- a 5 MB article -------------------------------------------------------------------------------

_SENTENCE_WORDS = [
    "生成式模型",
    "扩散模型",
    "训练数据",
    "合成数据",
    "多模态",
    "推理",
    "算力",
    "芯片",
    "评测",
    "对齐",
    "安全",
    "版权",
    "应用",
    "产业",
    "数字人",
    "视频生成",
    "图像生成",
    "文本生成",
    "语音合成",
    "知识库",
    "检索",
    "向量",
    "微调",
    "部署",
    "成本",
]


def big_article(size: int, seed: int = 5) -> str:
    """About `size` characters of article: headings, paragraphs of sentences, one paragraph
    of 200 KB with no sentence punctuation at all, and one line of 100 KB of ASCII."""
    rng = random.Random(seed)
    parts = ["# 超长的生成式人工智能报告\n"]
    length, n = 0, 0
    while length < size:
        n += 1
        parts.append(f"\n## 第{n}章 {rng.choice(_SENTENCE_WORDS)}与{rng.choice(_SENTENCE_WORDS)}\n")
        for _ in range(rng.randint(2, 8)):
            sentence_count = rng.randint(1, 12)
            paragraph = "".join(
                "".join(rng.choices(_SENTENCE_WORDS, k=rng.randint(3, 12))).replace(" ", "")
                + rng.choice("。。。！？；，")
                for _ in range(sentence_count)
            )
            parts.append(paragraph + "\n\n")
            length += len(paragraph)
        if n == 3:
            parts.append("无标点长段" + "模型数据算力应用" * 25_000 + "\n\n")
            parts.append("ascii " + "lorem ipsum dolor " * 5_500 + "\n\n")
    return "".join(parts)


# Where tests/fuzz/conftest.py keeps the build it started as the session began.
FIVE_MB_BUILD = pytest.StashKey[tuple[subprocess.Popen, Path]]()

_TIMED_BUILD = (
    "import sys, time\n"
    "from knowledge.build import build_command\n"
    "started = time.perf_counter()\n"
    "code = build_command(sys.argv[1:])\n"
    "print(f'build seconds: {time.perf_counter() - started:.2f}')\n"
    "sys.exit(code)\n"
)


def start_five_mb_build(folder: Path) -> tuple[subprocess.Popen, Path]:
    """Write a 5 MB article and start `build_command` on it in a second process."""
    text = big_article(5 * 1024 * 1024 // 3)  # 5 MB of UTF-8 (3 bytes per Han character)
    assert len(text.encode("utf-8")) >= 5 * 1024 * 1024
    write(folder / "seeds", "report.md", text)
    write(folder / "seeds", "notes.md", ARTICLE_MD)
    glossary = write(folder, "glossary.toml", GLOSSARY)
    out = folder / "out" / "k.json"
    args = ["--seeds", str(folder / "seeds"), "--glossary", str(glossary), "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-c", _TIMED_BUILD, *args],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, out


@pytest.fixture(scope="module", autouse=True)
def five_mb_build(request, tmp_path_factory):
    """The 5 MB build (~20 s) runs in a second process, on the other core: started when the
    session's tests are collected (tests/fuzz/conftest.py), or with this module's first test
    when only this module runs."""
    started = request.config.stash.get(FIVE_MB_BUILD, None)
    if started is not None:
        yield started
        return
    process, out = start_five_mb_build(tmp_path_factory.mktemp("five-mb"))
    yield process, out
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def five_mb(five_mb_build) -> tuple[Knowledge, float, Path]:
    process, out = five_mb_build
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-2000:]
    seconds = float(stdout.rsplit("build seconds:", 1)[1])
    return load(out), seconds, out


def test_5mb_article_builds_in_reasonable_time(five_mb):
    _, elapsed, out = five_mb
    assert elapsed < 120, f"the build took {elapsed:.0f} s"
    assert out.stat().st_size < 40 * 1024 * 1024


def test_5mb_article_every_answer_fits_in_chat(five_mb):
    kb, _, _ = five_mb
    assert len(kb.sections()) > 1000
    too_long = [(e.id, len(e.text)) for e in kb.entries if len(e.text) > MAX_CHARS]
    assert not too_long, too_long[:5]


def test_5mb_article_search_stays_fast(five_mb):
    kb, _, _ = five_mb
    for query in (
        "扩散模型怎么去噪",
        "什么是扩散模型",
        "第3章",
        "合成数据的版权",
        "lorem ipsum",
        "无标点长段",
        "明天天气怎么样",
        "训练数据 算力 芯片 评测 对齐 安全",
    ):
        kb.search(query)  # warm
        timed_search(kb, query)
    # A glossary name still answers with its term among 5 MB of sections that use it.
    assert timed_search(kb, "什么是扩散模型").answer.entry.id == "term:diffusion"


def test_5mb_article_renders(five_mb):
    kb, _, _ = five_mb
    assert_renders(b.toc_blocks(kb.articles, kb.get))
    for entry in kb.entries[:: max(1, len(kb.entries) // 300)]:
        assert_renders(b.entry_blocks(entry, "zh", kb.get, query="q", shareable=True))
