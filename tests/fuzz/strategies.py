"""Hostile text for property tests: every script, emoji, invisible and control characters,
mrkdwn, HTML and Slack markup, entity sequences, and pastes up to 100 KB."""

from __future__ import annotations

import random

from hypothesis import strategies as st

# What a user (or a copied web page) can put in a question, beyond random characters.
FRAGMENTS = (
    # Slack markup that notifies, mentions or links
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S0123ABCD|@team>",
    "<!date^1392734382^{date}|Feb 18th>",
    "<@U123>",
    "<@U0ASKER001|asker>",
    "<@W0ENTERPR1>",
    "<#C1|x>",
    "<#C0CHANNEL1>",
    "<https://a|b>",
    "<http://evil.example/x?a=1&b=2|click>",
    "<mailto:a@b.c|mail>",
    "<tel:123>",
    "<<!channel>>",
    "<!chan<!here>nel>",
    "<",
    ">",
    "&",
    "|",
    # entities, half-escaped and double-escaped
    "&lt;",
    "&gt;",
    "&amp;",
    "&lt;!channel&gt;",
    "&amp;lt;!here&amp;gt;",
    "&#60;!channel&#62;",
    "&lt",
    # mrkdwn and Markdown
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "```\nblock\n```",
    "> quote",
    "• bullet",
    "[link](https://x.y)",
    "![img](https://x.y/a.png)",
    "# heading",
    ":smile:",
    ":skin-tone-2:",
    # HTML
    "<b>bold</b>",
    "<script>alert(1)</script>",
    "<!-- comment -->",
    "<img src=x onerror=alert(1)>",
    "<a href='https://x.y'>x</a>",
    "<http",
    "<@",
    "<#",
    "<!",
    # invisible, bidi and control characters
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2069",
    "\u061c",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\r\n",
    "\t",
    "\u2028",
    "\u2029",
    "\u0301\u0301\u0301",
    "\U000e0041",  # tag character
    "\ufffd",
    "\uffff",
    # emoji sequences
    "🧑‍💻",
    "👍🏽",
    "🇨🇳",
    "👨‍👩‍👧‍👦",
    "❤️",
    "1️⃣",
    # scripts and widths
    "什么是MaaS",
    "AIGC",
    "合成数据有什么用",
    "生成對抗網路是什麼",
    "what is diffusion model",
    "ＡＩＧＣ",
    "ａｉｇｃ是什么",
    "مرحبا بالعالم",
    "שלום עולם",
    "Ελληνικά",
    "Кириллица",
    "हिन्दी",
    "日本語のテキスト",
    "한국어",
    "ｶﾀｶﾅ",
    "𠮷𩸽",  # astral-plane Han
    "Ⅻ½²",
    "ﬁ",
    " ",
    "   ",
    "?？",
    "help",
    "terms",
    "toc",
)

fragments = st.sampled_from(FRAGMENTS)

# Any code point except surrogates (which a Python str from Slack's JSON cannot hold either).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)

hostile_text = st.lists(st.one_of(fragments, any_text), max_size=12).map("".join)

_POOLS = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理世车",
    "🧑‍💻👍🏽🇨🇳❤️✨🚀😀🤖",
    "\u200b\u200d\u200e\u200f\u202e\ufeff\x00\x1b\r\n\t",
    "<>&|!@#*_~`[]()'\"\\",
)


def _paste(seed: int, size: int, fragment: str) -> str:
    """A `size`-character paste: random runs from the pools, with markup sprinkled in."""
    rng = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        if rng.random() < 0.1:
            piece = fragment
        else:
            pool = rng.choice(_POOLS)
            piece = "".join(rng.choices(pool, k=rng.randint(1, 400)))
        parts.append(piece)
        length += len(piece)
    return "".join(parts)[:size]


# Huge pastes: a repeated fragment, or a random mix, 10-100 KB.
huge_text = st.one_of(
    st.builds(
        lambda f, n: (f * (n // max(1, len(f)) + 1))[:n], fragments, st.integers(10_000, 100_000)
    ),
    st.builds(_paste, st.integers(0, 2**32), st.integers(10_000, 100_000), fragments),
)
