"""Segmenter builds a jieba Tokenizer from the knowledge file's small vocabulary by setting
jieba internals. A jieba release that renames them must fail here, not as odd search cuts."""

from __future__ import annotations

import io

import jieba

from knowledge.text import Segmenter

CHANGED = (
    "jieba {version} changed an internal that knowledge.text.Segmenter relies on: {what}. "
    "Adapt Segmenter.__init__ to this jieba, or keep the pin in pyproject.toml (jieba<0.43)."
)


def _changed(what: str) -> str:
    return CHANGED.format(version=getattr(jieba, "__version__", "?"), what=what)


def test_jieba_still_has_the_internals_segmenter_sets() -> None:
    tokenizer = jieba.Tokenizer()
    assert callable(getattr(tokenizer, "gen_pfdict", None)), _changed(
        "Tokenizer.gen_pfdict is gone"
    )
    freq, total = tokenizer.gen_pfdict(io.BytesIO("合成数据 30\n合成 10\n".encode()))
    assert isinstance(freq, dict) and freq.get("合成数据") == 30, _changed(
        "gen_pfdict no longer returns (word → frequency, total)"
    )
    assert total == 40, _changed("gen_pfdict no longer returns the total frequency")
    for name in ("FREQ", "total", "initialized"):
        assert hasattr(tokenizer, name), _changed(f"Tokenizer.{name} is gone")


def test_a_segmenter_cuts_with_the_given_vocabulary_only() -> None:
    segmenter = Segmenter([("合成数据", 30), ("合成", 10), ("数据", 10)], 1000)
    assert segmenter._tokenizer.initialized, _changed("setting initialized no longer sticks")
    assert segmenter.cut("合成数据") == ["合成数据"], _changed("FREQ set by hand is ignored")
    assert segmenter.pieces("合成数据") == ["合成数据"]
    assert segmenter.index_tokens("合成数据") == ["合成", "数据", "合成数据"]
