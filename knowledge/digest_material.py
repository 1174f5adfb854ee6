"""Material for the daily digest, made at build time: each section's keywords and short
summary, and the sentences that carry figures (amounts, counts, dated forecasts).

Done with jieba's TF-IDF keyword extraction while building, so posting a digest needs
nothing heavy.
"""

from __future__ import annotations

import hashlib
import re

import jieba

from knowledge.stopwords import STOPWORDS
from knowledge.text import split_sentences

SUMMARY_SENTENCES = 3
KEYWORDS = 5  # per section
FACT_CHARS = (12, 200)  # a figure sentence shorter or longer than this makes no headline
# A figure worth a headline: an amount with its unit (600 亿, 1100 亿美元, 10%-30%, 100 家, 5 倍).
_QUANTITY = re.compile(r"\d[\d,.]*\s*(%|％|亿|万|千|百|倍|家|个|美元|元|人民币|大)")
# ...or a dated forecast ("到 2030 年合成数据将彻底取代真实数据").
_FORECAST = re.compile(r"\d{4}\s*年.*(将|预计|预测|有望)|(预测|预计).*\d{4}\s*年")


def sentences(text: str) -> list[str]:
    """A passage's sentences, trimmed, with its paragraph breaks dropped."""
    return [s.strip() for s in split_sentences(text.replace("\n", ""))]


def add_digest_material(entries: list[dict], full: jieba.Tokenizer) -> list[dict]:
    """Give each answerable section `keywords` and a `summary`; return the figure sentences."""
    import jieba.analyse  # build time only

    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = full
    extractor.stop_words |= STOPWORDS
    sections = [e for e in entries if e["kind"] == "section" and not e["figure_only"]]
    tags = {
        e["id"]: dict(extractor.extract_tags(e["text"], topK=12, withWeight=True)) for e in sections
    }
    # A word in most passages ("AIGC" here) says nothing about any one of them.
    spread: dict[str, int] = {}
    for weights in tags.values():
        for word in weights:
            spread[word] = spread.get(word, 0) + 1
    facts: list[dict] = []
    for entry in sections:
        weights = tags[entry["id"]]
        entry["keywords"] = [
            w for w in weights if not w.isdigit() and spread[w] <= max(2, len(sections) // 2)
        ][:KEYWORDS]
        entry["summary"] = summarize(entry["text"], weights)
        for sentence in sentences(entry["text"]):
            has_figure = _QUANTITY.search(sentence) or _FORECAST.search(sentence)
            if has_figure and FACT_CHARS[0] <= len(sentence) <= FACT_CHARS[1]:
                digest = hashlib.sha1(f"{entry['id']}|{sentence}".encode()).hexdigest()[:10]
                facts.append({"id": f"fact:{digest}", "entry_id": entry["id"], "text": sentence})
    return facts


def summarize(text: str, weights: dict[str, float]) -> str:
    """At most three of the passage's own sentences: its opening one and the weightiest others."""
    parts = sentences(text)
    if len(parts) <= SUMMARY_SENTENCES:
        return "".join(parts)
    scored = sorted(
        range(1, len(parts)),
        key=lambda i: (
            -sum(w for k, w in weights.items() if k in parts[i]) / len(parts[i]) ** 0.5,
            i,
        ),
    )
    keep = sorted([0, *scored[: SUMMARY_SENTENCES - 1]])
    return "".join(parts[i] for i in keep)
