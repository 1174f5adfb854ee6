"""The AIGC knowledge engine: articles and a glossary in, answers out. Knows nothing of Slack."""

from knowledge.model import Article, Entry, Fact, Hit, SearchResult, Source
from knowledge.overlay import (
    MAX_DEFINITION_CHARS,
    ApprovedTerm,
    OverlayResult,
    TeamTerm,
    TermProblem,
    check_term,
    export_glossary,
    merge_glossary,
    with_overlay,
)
from knowledge.search import Knowledge, KnowledgeFileError

__all__ = [
    "MAX_DEFINITION_CHARS",
    "ApprovedTerm",
    "Article",
    "Entry",
    "Fact",
    "Hit",
    "Knowledge",
    "KnowledgeFileError",
    "OverlayResult",
    "SearchResult",
    "Source",
    "TeamTerm",
    "TermProblem",
    "check_term",
    "export_glossary",
    "merge_glossary",
    "with_overlay",
]
