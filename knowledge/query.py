"""Understanding a query: strip the question's wrapping, keep what it asks about and its intent.

"什么是MaaS", "MaaS是什么意思", "what is MaaS" and "请问 MaaS 是啥？" all ask about "maas".
"合成数据有什么用" asks about 合成数据 *and* its use, so the intent is kept as extra search words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.cleaning import Intent, phrase_pattern, query_words
from knowledge.text import fold

_PUNCT_EDGES = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)

# Applied repeatedly until nothing changes; each strips one layer of wrapping.
_PREFIXES = [
    r"(请问|请教一下|请教|请|麻烦你?|你好|您好|嗨|hi|hello|hey)",
    r"(我想|想)(知道|了解|问问?|请教)(一下)?",
    r"(你|您)?(能不能|能否|可否|可以|可不可以|能)?(帮我|给我|跟我|为我)?"
    r"(简单|详细|具体)?(地)?(解释|介绍|说明|讲解|科普|总结|概括|梳理|说|讲|聊|谈)(一下|一下子|下)?",
    r"(你)?(知道|了解)",
    r"(什么是|什么叫做?|啥是|啥叫|何为|何谓|谁是|如何理解|怎么理解|怎样理解)",
    r"(what\s+is|what's|whats|what\s+are|what\s+does|who\s+is|who\s+are|tell\s+me\s+about|"
    r"define|explain|describe|meaning\s+of|definition\s+of|do\s+you\s+know)\b",
    r"(a|an|the)\b",
]
_SUFFIXES = [
    r"(吗|呢|啊|呀|吧|嘛|哇|哈)",
    r"(是|指的是|是指|指|到底是|究竟是)(什么|啥|谁|什么东西|什么意思|啥意思|什么含义|什么概念|哪个|哪家)",
    r"(是|是个|是一个|是一种|属于)(什么|啥|哪种|哪类|哪一类)(样的)?"
    r"(东西|概念|技术|公司|企业|机构|组织|产品|模型|软件|工具|系统|平台|方法|结构|框架|玩意儿?|情况|样子)?",
    r"(的|是)?(含义|意思|定义|概念|解释)(是什么|是啥)?",
    r"(什么意思|啥意思|怎么讲|怎么理解)",
    r"(是干什么的|是干嘛的|是做什么的|干什么的|做什么的)",
    r"(mean|means|stand\s+for|stands\s+for|meaning|definition)",
    r"(一下)",
    r"(的)",
]


@lru_cache(maxsize=1)
def _intent_patterns() -> tuple[tuple[Intent, re.Pattern], ...]:
    return tuple((i, phrase_pattern(i.ask)) for i in query_words().intents)


# "MaaS 模式", "元宇宙概念", "合成数据技术": a name followed by a word that only says what
# kind of thing it is.
_GENERIC_HEAD = re.compile(
    r"(模式|技术|概念|理念|方法|机制|领域|行业|公司|企业|平台|产品|工具|系统|软件|项目|趋势|现象|"
    r"话题|这个词|这个概念|technology|concept|company|platform|model)$"
)
_COMPARISON = re.compile(
    r"(区别|差别|差异|不同|异同|对比|比较|相比|哪个好|\bvs\.?\b|\bversus\b|\bdifference|\bcompared?\b)"
)

# One pattern per side: each pass strips one layer, whichever it is.
_PREFIX_RE = re.compile(r"^\s*(?:" + "|".join(f"(?:{p})" for p in _PREFIXES) + r")\s*", re.I)
_SUFFIX_RE = re.compile(r"\s*(?:" + "|".join(f"(?:{s})" for s in _SUFFIXES) + r")\s*$", re.I)


@dataclass(frozen=True)
class ParsedQuery:
    folded: str  # the whole query, folded
    core: str  # what it asks about
    intent_words: tuple[str, ...]  # words the answer should contain for the first intent
    compares: bool = False  # "X 和 Y 的区别": one entry cannot answer it
    intents: tuple[str, ...] = ()  # what it asks of the topic: use, how, risk, figure…
    intent_groups: tuple[tuple[str, ...], ...] = ()  # answer words, one group per intent
    intent_phrases: tuple[str, ...] = ()  # the words that showed an intent, as typed

    def name_variants(self, compact_core: str) -> list[str]:
        """The compact core, then without a generic head noun: "maas模式" → "maas"."""
        variants = [compact_core]
        bare = _GENERIC_HEAD.sub("", compact_core)
        if bare and bare != compact_core:
            variants.append(bare)
        return variants


def _strip_edges(text: str) -> str:
    return _PUNCT_EDGES.sub("", text)


def parse_query(text: str) -> ParsedQuery:
    folded = fold(text)
    core = _strip_edges(folded)
    intents: list[Intent] = []
    phrases: list[str] = []
    for intent, pattern in _intent_patterns():
        match = pattern.search(core)
        if match is None:
            continue
        intents.append(intent)
        phrases.append(match.group())
        rest = _strip_edges(re.sub(r"\s+", " ", pattern.sub(" ", core)))
        # "风险" alone is the topic, not an intent of a missing topic.
        if rest:
            core = rest
    changed = True
    while changed and core:
        changed = False
        for pattern in (_PREFIX_RE, _SUFFIX_RE):
            stripped = _strip_edges(pattern.sub("", core, count=1))
            if stripped != core and stripped:
                core, changed = stripped, True
    intents = [i for i in intents if i.answer] + [i for i in intents if not i.answer]
    groups = tuple(i.answer for i in intents if i.answer)
    return ParsedQuery(
        folded=folded,
        core=core,
        intent_words=groups[0] if groups else (),
        compares=bool(_COMPARISON.search(core)),
        intents=tuple(i.name for i in intents),
        intent_groups=groups,
        intent_phrases=tuple(phrases),
    )
