"""Every threshold and weight of the search, in one frozen object on a 0–1 scale.

The eval sets (tests/eval/) sweep these with `bench/sweep_search.py`; change a default only
with the figures of a sweep on the tuning halves, and check the held-back halves once after.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class SearchTuning:
    # Coverage: the IDF-weighted share of the question's words an entry contains.
    accept_coverage: float = 0.6  # answers on its own
    best_match_coverage: float = 0.55  # shown as a best match when it also leads clearly
    suggest_coverage: float = 0.5  # offered as "did you mean"
    # The matched words must be specific: a lone "AI" or "模型" is too vague to answer.
    min_specificity: float = 0.3  # share of the weight of a word found in one entry only
    best_match_specificity: float = 0.55  # a best match needs a more telling word
    complete_coverage: float = 0.95  # ...or to cover the whole question
    # A name inside a longer question drives the answer when it is this specific (a share of
    # the weight of a word found in one entry only): "MaaS" does, "AIGC" does not.
    focus_specificity: float = 0.5
    # ...unless the rest of the question is about other things: below this coverage the name
    # was only mentioned in passing ("知识蒸馏…小模型怎么跟大模型学").
    focus_min_coverage: float = 0.2
    # A best match must lead the runner-up by this share of its own score.
    best_match_lead: float = 0.1
    # Names: a typo of a term's name answers from this similarity on; a fuzzy section title
    # from `title_accept`.
    typo_accept: float = 0.75
    title_accept: float = 0.9
    title_suggest: float = 0.8
    # Ranking: coverage first, then these shares of BM25 (relative to the best) and of the
    # similarity of the whole question to the entry's names.
    rank_bm25: float = 0.1
    rank_name: float = 0.2
    rank_intent: float = 0.15  # an entry that speaks to the question's intent (风险, 用途…)
    rank_intent_title: float = 0.3  # ...in its title or heading ("…的风险")
    rank_term: float = 0.05  # a glossary term over a section that merely mentions it
    rank_overview: float = 0.15  # "有哪些…": a section with sub-sections, which enumerates
    name_similarity_floor: float = 0.8  # below this, likeness to a name counts for nothing
    # Words that say little on their own weigh less.
    single_char_weight: float = 0.3
    unknown_weight: float = 1.0  # a word the knowledge never uses, relative to the rarest
    english_unknown_weight: float = 0.3  # ...an English one in an English question, further
    intent_weight: float = 0.6  # the intent group, relative to a word found in one entry
    unknown_piece_weight: float = 0.5  # BM25 of an unknown word's pieces
    synonyms: float = 1.0  # 1: thesaurus synonyms of a question's words are looked for; 0: off
    synonym_credit: float = 0.8  # a word found only through a synonym counts this much
    intent_bm25: float = 0.3  # BM25 of the intent's answer words, to find candidates

    def replace(self, **changes: float) -> SearchTuning:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown tuning settings: {', '.join(sorted(unknown))}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return SearchTuning(**values)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{f.name} must be between 0 and 1, not {value}")


DEFAULT_TUNING = SearchTuning()
