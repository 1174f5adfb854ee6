"""Every user-facing string, in one place so wording can be reviewed in one read.

Chinese first; English where the user wrote English.
"""

from __future__ import annotations

APP_NAME = "AIGC 知识助手"

USAGE_EXAMPLES = ("什么是MaaS", "合成数据有什么用", "AIGC 面临哪些挑战", "what is diffusion model")

USAGE = {
    "zh": (
        "请输入想查的术语或问题，例如：" + "、".join(f"“{q}”" for q in USAGE_EXAMPLES[:3]) + "。"
    ),
    "en": "Type a term or a question, for example: "
    + ", ".join(f"“{q}”" for q in USAGE_EXAMPLES)
    + ".",
}

NO_ANSWER = {
    "zh": "抱歉，知识库里没有找到能可靠回答“{query}”的内容。",
    "en": "Sorry, the knowledge base has nothing that reliably answers “{query}”.",
}
SUGGESTIONS_HEADING = {"zh": "你是不是想找：", "en": "Did you mean:"}
NO_SUGGESTIONS = {
    "zh": "可以换个说法，或试试术语的中文名、英文名或缩写。",
    "en": "Try other words, or a term's Chinese name, English name or abbreviation.",
}
ALTERNATIVES_HEADING = {"zh": "相关内容：", "en": "See also:"}
SOURCE_LABEL = {"zh": "来源", "en": "Source"}
TRUNCATED = {
    "zh": "（问题超过 {limit} 字，只查找了前 {limit} 字。）",
    "en": "(Your question was longer than {limit} characters; only the first {limit} were used.)",
}
FIGURE_UNAVAILABLE = "原文此处是一张图表，图表内容在知识库中不可用。"
