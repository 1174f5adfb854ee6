"""Names an article defines become names of the section that defines them, without curation.

A team drops a new article into seeds/ and nobody writes glossary entries for it; it should
still answer "FL是什么" and "什么是联邦学习". Articles introduce their terms in a few fixed
ways, and the build reads them:

- a heading that asks or announces it: "一、什么是联邦学习", "联邦学习是什么", "联邦学习概述";
- a name with its English name and abbreviation in brackets: 联邦学习（Federated Learning，FL）,
  or only one of them: 非独立同分布（Non-IID）;
- another name introduced in the text: 安全多方计算，简称 MPC / 又称 / 也称 / 也叫 / 俗称 X;
- a sentence that defines it: 所谓X, X是指…, X指的是…;
- a keyword the article declares (关键词：…数据孤岛) and defines in none of these ways: the
  section that first mentions it, where the article introduces it.

Each name goes to one section: the one whose heading defines it, else the first whose text
does. Names the glossary already has stay the glossary's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from knowledge.articles import strip_enumeration
from knowledge.text import compact

_HAN_RUN = r"[\u4e00-\u9fff]{2,16}"
_LATIN_NAME = r"[A-Za-z][A-Za-z0-9 .·\-]{0,60}[A-Za-z0-9]"
_ABBR = r"[A-Za-z][A-Za-z0-9\-]{1,11}"
_OPEN, _CLOSE, _COMMA = r"[（(]", r"[）)]", r"[,，、;；]"

# 联邦学习（Federated Learning，FL） / 非独立同分布（Non-IID） / 合成数据(synthetic data)
_BRACKETED = re.compile(
    rf"({_HAN_RUN})\s*{_OPEN}\s*({_LATIN_NAME})\s*(?:{_COMMA}\s*({_ABBR})\s*)?{_CLOSE}"
)
# 安全多方计算，简称 MPC / 梯度泄露攻击，又称梯度反演攻击
_ALSO_CALLED = re.compile(
    rf"({_HAN_RUN})\s*[,，]?\s*(?:简称|又称|也称|也叫|又叫|俗称|亦称)\s*[为:：]?\s*[“\"「]?"
    rf"({_ABBR}|[\u4e00-\u9fff]{{2,10}})"
)
# 所谓联邦学习 / 联邦学习是指 / 联邦学习指的是
_DEFINES = re.compile(rf"所谓\s*[“\"「]?({_HAN_RUN})|({_HAN_RUN})\s*(?:是指|指的是|即是)")
# Where the name before a bracket starts: after the last of these ("基于AIGC技术的合成数据").
_NAME_START = re.compile(
    r".*(?:介绍|提出|称为|叫做|名为|采用|使用|利用|通过|基于|包括|例如|比如|以及|就是|一种|"
    r"[的是和与及或在将为了把被用对从以称种个类这那其由向让使])"
)
_HEADING_DEFINES = re.compile(
    r"^(?:什么是|何为|何谓|认识|了解)\s*(.+?)\s*[?？]?$|^(.+?)\s*(?:是什么|是啥|概述|简介|的定义|的概念)\s*[?？]?$"
)
MAX_NAME_CHARS = 16
MAX_LATIN_CHARS = 60


def _trim(han: str) -> str:
    """The name at the end of a run of Chinese: "技术的合成数据" → "合成数据"."""
    match = _NAME_START.match(han)
    return han[match.end() :] if match else han


def heading_names(heading: str) -> list[str]:
    """Names a heading defines: "一、什么是联邦学习" → ["联邦学习"]."""
    bare = strip_enumeration(heading)
    match = _HEADING_DEFINES.match(bare)
    if not match:
        return []
    name = (match.group(1) or match.group(2) or "").strip(" ：:，,")
    return [name] if 2 <= len(name) <= MAX_NAME_CHARS else []


def text_names(text: str) -> list[str]:
    """Names a passage introduces, in order: each bracketed or also-called name with the
    Chinese name it belongs to, and names it defines."""
    found: list[str] = []
    for match in _BRACKETED.finditer(text):
        zh, en, abbr = _trim(match.group(1)), match.group(2), match.group(3)
        found += [n for n in (zh, en, abbr) if n]
    for match in _ALSO_CALLED.finditer(text):
        found += [_trim(match.group(1)), match.group(2)]
    for match in _DEFINES.finditer(text):
        name = match.group(1) or _trim(match.group(2) or "")
        found.append(name)
    return [n.strip() for n in found if _fits(n.strip())]


def _fits(name: str) -> bool:
    limit = MAX_LATIN_CHARS if name.isascii() else MAX_NAME_CHARS
    return 2 <= len(name) <= limit


def assign_defined_names(
    sections: Sequence[dict],
    taken: Iterable[str] = (),
    keywords: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """Section id → the names it defines. `sections`: entries in reading order (with `id`,
    `title`, `text`, `source.file`); `taken`: compact names that already belong to glossary
    terms; `keywords`: article file → the keywords it declares."""
    keywords = keywords or {}
    owner: dict[str, tuple[int, int, str]] = {}  # compact name → (rank, position, section id)
    shown: dict[str, str] = {}
    blocked = set(taken)
    for position, section in enumerate(sections):
        candidates = [(0, n) for n in heading_names(section["title"])]
        candidates += [(1, n) for n in text_names(section["text"])]
        file = section.get("source", {}).get("file", "")
        candidates += [
            (2, k)
            for k in keywords.get(file, ())
            if _fits(k) and k.lower() in section["text"].lower()
        ]
        for rank, name in candidates:
            key = compact(name)
            if len(key) < 2 or key in blocked:
                continue
            if key not in owner or (rank, position) < owner[key][:2]:
                owner[key] = (rank, position, section["id"])
                shown[key] = name
    names: dict[str, list[str]] = {}
    for key, (_, _, section_id) in sorted(owner.items(), key=lambda kv: kv[1][:2]):
        names.setdefault(section_id, []).append(shown[key])
    return names
