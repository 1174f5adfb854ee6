"""Slack's Block Kit limits, checked on rendered blocks."""

from __future__ import annotations

from bot.blocks import MAX_BLOCKS


def check_limits(blocks: list[dict], max_blocks: int = MAX_BLOCKS) -> None:
    assert 0 < len(blocks) <= max_blocks, len(blocks)
    for block in blocks:
        kind = block["type"]
        if kind == "section":
            assert 0 < len(block["text"]["text"]) <= 3000
        elif kind == "header":
            assert 0 < len(block["text"]["text"]) <= 150
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
            for element in block["elements"]:
                assert len(element["text"]) <= 2000
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= 25
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)), "action ids must be unique within a block"
            for button in block["elements"]:
                assert 0 < len(button["text"]["text"]) <= 75
                assert len(button.get("value", "")) <= 2000
        else:
            assert kind == "divider", kind
