"""Checks shared by the fuzz tests: Slack's limits, and no live Slack markup from user text."""

from __future__ import annotations

import json
import re

from bot import blocks as b
from tests.bot.limits import check_limits

ASKER = "U0ASKER001"

# Markup Slack acts on: broadcasts and special mentions (<!…>), users (<@…>), channels (<#…>),
# and links (<http…>, <mailto:…>). Matched case-insensitively anywhere in a string.
_LIVE = re.compile(r"<(?:[!@#]|[a-z][a-z0-9+.-]*:|http)", re.I)
# The only `<` the app writes itself: the asker's own mention, and "/aigc <term>" in a hint.
_APP_MARKUP = (f"<@{ASKER}>", "<term>")


def strings(value: object):
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def assert_no_live_markup(value: object) -> None:
    """No string holds Slack markup, or any angle bracket, the app did not write itself."""
    for text in strings(value):
        for allowed in _APP_MARKUP:
            text = text.replace(allowed, "")
        found = _LIVE.search(text)
        assert found is None, f"live markup {text[found.start() :][:20]!r} in {text[:200]!r}"
        assert "<" not in text and ">" not in text, f"raw angle bracket in {text[:200]!r}"


def assert_renders(blocks: list[dict], max_blocks: int = b.MAX_BLOCKS) -> None:
    """Within Slack's limits, serialisable as UTF-8 JSON, and no live markup anywhere."""
    check_limits(blocks, max_blocks)
    json.dumps(blocks, ensure_ascii=False).encode("utf-8")
    assert_no_live_markup(blocks)
